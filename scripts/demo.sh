#!/usr/bin/env bash
# Set up and run the main job: train the tutorial models, print results, write pictures to out/.
# Runs in the active virtual environment, else in .venv (made here; see scripts/_env.sh).
# Arguments are passed to demo.py, e.g. `bash scripts/demo.sh --out elsewhere`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-graphviz.sh
source scripts/_env.sh demo
exec "$PY" demo.py --out out "$@"
