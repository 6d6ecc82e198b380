"""Execute every tutorial notebook top to bottom, so a broken tutorial fails the test suite.

Each `notebooks/*.ipynb` is one test, run with nbclient on the "python3" kernel from inside
`notebooks/` (as a reader would), with at most 180 s per cell. The notebooks are executed in
memory only: the files, and the pictures in docs/images (written only when EXPORT_IMAGES is
set, which is removed here), are left untouched.

These tests run by default; skip them with `pytest -m "not notebooks"`.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 180  # seconds per cell

pytestmark = pytest.mark.notebooks


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

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: {_failed_cell(nb, error)} raised\n{error}", pytrace=False)
    print(f"{path.name}: ran in {time.perf_counter() - start:.1f} s")
