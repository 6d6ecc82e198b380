"""Regenerate the README's pictures in docs/images/ by running the tutorial notebooks.

The notebooks save their best figures only when the EXPORT_IMAGES environment variable is set;
this script runs them with it set (from inside notebooks/, on the "python3" kernel). The
notebook files themselves are not changed unless `--save` is given, which writes the freshly
executed notebooks back (outputs included), e.g. after editing one.

    python notebooks/export_images.py                 # 01, 02, 03 and 08
    python notebooks/export_images.py 03_xor.ipynb    # just one
    python notebooks/export_images.py --save          # also re-save the executed notebooks
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = sorted(p.name for p in HERE.glob("[0-9][0-9]_*.ipynb"))


def run(name: str, save: bool) -> float:
    path = HERE / name
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=180, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    seconds = time.perf_counter() - start
    if save:
        nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=DEFAULT,
                        help="notebook file names in notebooks/ (default: %(default)s)")
    parser.add_argument("--save", action="store_true",
                        help="write the executed notebooks back to disk")
    args = parser.parse_args(argv)
    os.environ["EXPORT_IMAGES"] = "1"  # inherited by the kernels
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    before = {p: p.stat().st_mtime for p in (ROOT / "docs" / "images").glob("*")}
    for name in args.notebooks:
        print(f"{name}: {run(name, args.save):.1f} s", flush=True)
    changed = sorted(p.name for p in (ROOT / "docs" / "images").glob("*")
                     if before.get(p) != p.stat().st_mtime)
    print("written to docs/images:", ", ".join(changed) or "nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
