#!/usr/bin/env bash
# Install the Graphviz `dot` program when it is missing (graph pictures need it).
set -euo pipefail
command -v dot >/dev/null 2>&1 && exit 0
echo "Graphviz 'dot' not found: installing it..."
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq graphviz
elif command -v brew >/dev/null 2>&1; then
    brew install graphviz
else
    echo "Please install Graphviz (https://graphviz.org/download/) so that 'dot' is on PATH." >&2
    exit 1
fi
