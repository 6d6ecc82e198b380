#!/usr/bin/env bash
# Set up and run the whole test suite (notebooks included).
# Runs in the active virtual environment, else in .venv (made here; see scripts/_env.sh);
# PYTHON=/path/to/python picks the interpreter. Arguments are passed to pytest, e.g.
# `bash scripts/test.sh -m "not notebooks"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-graphviz.sh
source scripts/_env.sh test
exec "$PY" -m pytest "$@"
