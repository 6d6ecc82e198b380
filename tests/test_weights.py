"""safetensors weights: torch's keys and shapes, read by torch and back, all or nothing."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import nn

pytest.importorskip("safetensors")


def _model(seed: int = 0) -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8, rng=seed), nn.ReLU(), nn.Linear(8, 3, rng=seed + 1))


def _torch_model():
    torch = pytest.importorskip("torch")
    tn = torch.nn
    return tn.Sequential(tn.Linear(4, 8), tn.ReLU(), tn.Linear(8, 3)).double()


X = np.random.default_rng(0).normal(size=(5, 4))


def test_round_trip_restores_outputs(tmp_path):
    path, model, other = tmp_path / "m.safetensors", _model(0), _model(7)
    nn.checkpoint.save_weights(model, path)
    nn.checkpoint.load_weights(other, path)
    np.testing.assert_array_equal(other.predict(X), model.predict(X))
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temporary left


def test_torch_loads_ours_strictly_with_the_same_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file
    path, model, twin = tmp_path / "m.safetensors", _model(), _torch_model()
    nn.checkpoint.save_weights(model, path)
    state = load_file(path)
    assert {k: tuple(v.shape) for k, v in state.items()} == {
        k: tuple(v.shape) for k, v in twin.state_dict().items()}
    twin.load_state_dict(state, strict=True)
    with torch.no_grad():
        np.testing.assert_allclose(twin(torch.from_numpy(X)).numpy(), model.predict(X),
                                   rtol=1e-12, atol=1e-12)


def test_we_load_what_torch_saved(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    path, twin, model = tmp_path / "t.safetensors", _torch_model(), _model()
    save_file({k: v.float() for k, v in twin.state_dict().items()}, path)  # float32 on disk
    nn.checkpoint.load_weights(model, path)
    with torch.no_grad():
        np.testing.assert_allclose(model.predict(X), twin(torch.from_numpy(X)).numpy(),
                                   rtol=1e-5, atol=1e-6)


def _save(path, state) -> None:
    from safetensors.numpy import save_file
    save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(path))


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("2.bias"), "missing keys: 2.bias"),
    (lambda s: s.update(extra=np.zeros(1)), "unexpected keys: extra"),
    (lambda s: s.update({"0.weight": np.zeros((4, 8))}), r"0.weight: shape \(4, 8\)"),
    (lambda s: s.update({"0.bias": np.zeros(8, np.complex64)}), "0.bias: dtype complex64"),
])
def test_a_file_that_does_not_fit_names_the_key_and_changes_nothing(tmp_path, change, message):
    path, model = tmp_path / "bad.safetensors", _model()
    state = _model(5).state_dict()
    change(state)
    _save(path, state)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message) as error:
        nn.checkpoint.load_weights(model, path)
    assert "bad.safetensors" in str(error.value)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("damage", [lambda b: b[:40], lambda b: b[: len(b) // 2],
                                    lambda b: b"\xff" * 16 + b[16:]],
                         ids=["header", "truncated", "corrupt"])
def test_a_damaged_file_is_a_value_error_naming_it(tmp_path, damage):
    path = tmp_path / "m.safetensors"
    nn.checkpoint.save_weights(_model(), path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match="m.safetensors.*not a readable safetensors file"):
        nn.checkpoint.load_weights(_model(), path)


def test_missing_safetensors_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r'pip install "autograd-nn\[interop\]"'):
        nn.checkpoint.save_weights(_model(), tmp_path / "m.safetensors")


# ---------------------------------------------- our CNN and LSTM classifier, torch's twins
class _Classifier(nn.Model):
    """LSTM(6, 5) over (batch, seq, 6), a Linear head on the last step."""

    def __init__(self, seed: int = 0) -> None:
        self.lstm = nn.LSTM(6, 5, batch_first=True, rng=seed)
        self.head = nn.Linear(5, 3, rng=seed + 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def _cnn(seed: int = 0) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=seed), nn.BatchNorm2d(16),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(256, 10, rng=seed + 1))


def _torch_twin(kind: str):
    torch = pytest.importorskip("torch")
    tn = torch.nn
    if kind == "cnn":
        return tn.Sequential(tn.Conv2d(1, 16, 3, padding=1), tn.BatchNorm2d(16), tn.ReLU(),
                             tn.MaxPool2d(2), tn.Flatten(), tn.Linear(256, 10)).double()

    class Classifier(tn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.head = tn.LSTM(6, 5, batch_first=True), tn.Linear(5, 3)

        def forward(self, x):
            return self.head(self.lstm(x)[0][:, -1])
    return Classifier().double()


def _trained_stats(model) -> None:
    """Running statistics and a batch count that differ from a fresh layer's."""
    bn = model[1] if isinstance(model, nn.Sequential) else None
    if bn is not None:
        rng = np.random.default_rng(3)
        bn.running_mean[...] = rng.normal(size=16)
        bn.running_var[...] = rng.uniform(0.5, 2.0, size=16)
        bn.num_batches_tracked[...] = 7


@pytest.mark.parametrize("kind, build, shape", [("cnn", _cnn, (4, 1, 8, 8)),
                                                ("lstm", _Classifier, (4, 7, 6))])
def test_our_cnn_and_lstm_classifier_go_to_torch_and_back(tmp_path, kind, build, shape):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file
    path, back = tmp_path / "ours.safetensors", tmp_path / "torch.safetensors"
    model, twin = build(0), _torch_twin(kind)
    _trained_stats(model)
    model.eval(), twin.eval()
    x = np.random.default_rng(1).normal(size=shape)
    nn.checkpoint.save_weights(model, path)
    twin.load_state_dict(load_file(path), strict=True)
    with torch.no_grad():
        want = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(want, model.predict(x), rtol=1e-12, atol=1e-12)
    save_file({k: v.contiguous() for k, v in twin.state_dict().items()}, back)
    other = build(5)
    nn.checkpoint.load_weights(other, back)
    other.eval()
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[key], value)
