"""Execute every tutorial notebook top to bottom and compare what it shows with what it
committed, so a broken tutorial, or one committed with stale outputs, fails the suite.

Each `notebooks/*.ipynb` is one test, run with nbclient on the "python3" kernel from inside
`notebooks/` (as a reader would), with at most 180 s per cell. The notebooks are executed in
memory only: the files, and the pictures in docs/images (written only when EXPORT_IMAGES is
set, which is removed here), are left untouched. As nbval does, every text output (printed
streams, results, HTML and SVG) must equal the committed one once timings and memory
addresses are masked; raster images are not compared (they depend on the plotting
library's version), nor is a cell marked `# NBVAL_IGNORE_OUTPUT` (nbval's marker), which a
notebook uses where its output shows rounding-sensitive digits or randomly drawn examples
and asserts what its text claims instead. `python scripts/execute_notebooks.py` re-executes and rewrites them.

These tests run by default; skip them with `pytest -m "not notebooks"`.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 180  # seconds per cell

pytestmark = pytest.mark.notebooks


# What may differ between two runs of the same notebook: clocks and memory addresses.
_VOLATILE = [
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "0x…"),  # reprs of objects
    (re.compile(r"\b(n|op)\d{9,}\b"), r"\1…"),  # graph node ids (from id())
    (re.compile(r"\d+(\.\d+)?\s?(s|ms|µs|us|min)\b"), "…s"),  # durations
    (re.compile(r"[\d.?]+\s?(it|batch|batches)/s"), "…/s"),  # progress bar rates
    (re.compile(r"\[\d\d:\d\d(<[\d:?]+)?"), "[…"),  # progress bar clocks
]
_COMPARED = ("text/plain", "text/html", "image/svg+xml", "text/markdown", "text/latex")


def _masked(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _shown(cell) -> list[str]:
    """The text a reader sees from a code cell's outputs, masked."""
    shown, printed = [], ""
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            printed += out.text if out.name == "stdout" else ""  # stderr: bars, warnings
            continue
        if printed:
            shown.append(_masked(printed))
            printed = ""
        if out.output_type == "error":
            shown.append(f"{out.ename}: {_masked(out.evalue)}")
        else:
            data = out.get("data", {})
            shown.extend(_masked(_text(data[k])) for k in _COMPARED if k in data)
    return shown + ([_masked(printed)] if printed else [])


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _stale_cells(committed, executed) -> list[str]:
    """The cells whose shown output differs between the committed and the executed notebook."""
    stale = []
    for index, (old, new) in enumerate(zip(committed.cells, executed.cells)):
        if "NBVAL_IGNORE_OUTPUT" in old.source:
            continue
        if old.cell_type == "code" and _shown(old) != _shown(new):
            first = old.source.strip().splitlines()[0] if old.source.strip() else ""
            stale.append(f"cell {index} ({first!r})")
    return stale


def test_masking_keeps_numbers_and_hides_clocks_and_addresses() -> None:
    assert _masked("loss 0.0605 at <object at 0x7f3a2b> n139729790173536") == \
        "loss 0.0605 at <object at 0x…> n…"
    assert _masked("10/10 [00:01<00:00, 9.52batch/s] ran in 2.5 s") == "10/10 […, …/s] ran in …s"


def _failed_cell(nb, error) -> str:
    """Where the failure happened: the index and first line of the cell that raised."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(out.get("output_type") == "error"
                                            for out in cell.get("outputs", [])):
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            return f"cell {index} ({first!r})"
    return "a cell"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient.exceptions import CellExecutionError

    # The kernel inherits this environment: make the checkout importable even without
    # `pip install -e .`, and never let a test run rewrite the README's pictures.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    monkeypatch.delenv("EXPORT_IMAGES", raising=False)

    committed = nbformat.read(path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: {_failed_cell(nb, error)} raised\n{error}", pytrace=False)
    print(f"{path.name}: ran in {time.perf_counter() - start:.1f} s")
    stale = _stale_cells(committed, nb)
    assert not stale, (f"{path.name}: the committed outputs differ from what running it gives "
                       f"in {', '.join(stale)}; re-run `python scripts/execute_notebooks.py "
                       f"notebooks/{path.name}` and commit the result")
