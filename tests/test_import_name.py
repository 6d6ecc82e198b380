"""`import autograd` refuses a package folder mixed with HIPS autograd (PyPI 'autograd'),
which uses the same import name, and says how to fix it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autograd"


def import_copy(tmp_path: Path, change=None) -> subprocess.CompletedProcess:
    """Import a copy of the package from tmp_path, after `change(copy_folder)`."""
    copy = tmp_path / "autograd"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if change is not None:
        change(copy)
    return subprocess.run([sys.executable, "-c", "import autograd; print(autograd.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_a_clean_copy_imports(tmp_path):
    result = import_copy(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "autograd" / "__init__.py")


@pytest.mark.parametrize("change", [
    lambda p: (p / "builtins.py").write_text("# HIPS autograd\n"),
    lambda p: (p / "numpy").mkdir(),
    lambda p: (p / "graph.py").unlink(),
], ids=["hips-builtins", "hips-numpy-subpackage", "own-module-missing"])
def test_a_folder_mixed_with_hips_autograd_is_refused_with_the_fix(tmp_path, change):
    result = import_copy(tmp_path, change)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("ImportError: ") and str(tmp_path / "autograd") in message
    for words in ["autograd-nn", "HIPS autograd", "same import name",
                  "separate virtual environments", "pip uninstall autograd autograd-nn"]:
        assert words in message
