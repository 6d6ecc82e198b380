"""What a plain `pip install autograd-nn` (no extras) can do: train with `fit`'s defaults,
progress bar included, and say which extra to install for what it cannot (History.plot)."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import tqdm

import nn
from nn.callbacks import _tqdm


class FakeShell:
    """What `IPython.get_ipython()` returns inside a Jupyter kernel (only `config` is read)."""

    def __init__(self, kernel: bool) -> None:
        self.config = {"IPKernelApp": {}} if kernel else {}


def fake_ipython(monkeypatch: pytest.MonkeyPatch, kernel: bool) -> None:
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: FakeShell(kernel)
    monkeypatch.setitem(sys.modules, "IPython", module)


def no_module(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)  # `import name` raises ImportError


def test_text_bar_outside_jupyter_even_with_widgets(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert _tqdm() is tqdm.tqdm
    fake_ipython(monkeypatch, kernel=False)  # a terminal IPython
    assert _tqdm() is tqdm.tqdm


def test_text_bar_in_jupyter_without_ipywidgets(monkeypatch):
    fake_ipython(monkeypatch, kernel=True)
    no_module(monkeypatch, "ipywidgets")
    assert _tqdm() is tqdm.tqdm


def test_notebook_bar_in_jupyter_with_ipywidgets(monkeypatch):
    fake_ipython(monkeypatch, kernel=True)
    monkeypatch.setitem(sys.modules, "ipywidgets", types.ModuleType("ipywidgets"))
    notebook = types.ModuleType("tqdm.notebook")
    notebook.tqdm = object()
    monkeypatch.setitem(sys.modules, "tqdm.notebook", notebook)
    assert _tqdm() is notebook.tqdm


def test_fit_with_defaults_without_the_extras(monkeypatch, capsys):
    fake_ipython(monkeypatch, kernel=True)  # even in Jupyter, where widgets are missing
    no_module(monkeypatch, "ipywidgets", "matplotlib", "matplotlib.pyplot", "sklearn")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = x @ np.array([1.0, -2.0, 0.5])
    model = nn.Sequential(nn.Linear(3, 1, rng=rng))
    model.compile(loss="mse")
    history = model.fit(x, y)
    assert len(history.history["loss"]) == 1
    assert "Epoch 1/1" in capsys.readouterr().err


def test_history_plot_without_matplotlib_names_the_extra(monkeypatch):
    history = nn.History()
    history.on_epoch_end(0, {"loss": 1.0})
    no_module(monkeypatch, "matplotlib", "matplotlib.pyplot")
    with pytest.raises(ImportError, match=r'^History\.plot needs matplotlib: '
                                          r'pip install "autograd-nn\[train\]"$') as info:
        history.plot()
    assert info.value.__cause__ is None and info.value.__suppress_context__
