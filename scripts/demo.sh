#!/usr/bin/env bash
# Set up and run the main job: train the tutorial models, print results, write pictures to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-graphviz.sh
python -m pip install --quiet --disable-pip-version-check -e ".[demo]"
python demo.py --out out "$@"
