#!/usr/bin/env bash
# Set up and run the whole test suite (notebooks included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-graphviz.sh
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
python -m pytest "$@"
