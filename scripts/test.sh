#!/usr/bin/env bash
# Set up and run the whole test suite (notebooks included), on every core (pytest-xdist).
# Runs in the active virtual environment, else in .venv (made here; see scripts/_env.sh);
# PYTHON=/path/to/python picks the interpreter, and TEST_EXTRA=test-core installs the suite's
# needs without the Jupyter kernel, enough for `-m "not notebooks"`. Arguments are passed to
# pytest after `-n auto --dist loadfile --no-loadscope-reorder` (tests/conftest.py tells why),
# e.g. `bash scripts/test.sh -m "not notebooks"`, or `-n 0` for a run in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-graphviz.sh
source scripts/_env.sh "${TEST_EXTRA:-test}"
exec "$PY" -m pytest -n auto --dist loadfile --no-loadscope-reorder "$@"
