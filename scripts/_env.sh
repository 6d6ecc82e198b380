# Sourced by demo.sh and test.sh (from the checkout's root): find a Python, set up a virtual
# environment, install the project into it (editable, with the extra named in $1), and set
# PY to its interpreter, with its bin/ first on PATH.
#
#   inside an active venv ($VIRTUAL_ENV set): that venv is used
#   PYTHON=/path/to/python: a venv made from that interpreter, in .venv-X.Y (used as it is
#                           when PYTHON is itself a venv's interpreter)
#   otherwise: a venv made from `python3` on PATH, in .venv
#
# pip runs only when pyproject.toml, the interpreter, the extra or the checkout's folder
# changed since the last install (a stamp file in the venv records them). Nothing is ever
# installed outside the venv.

_env_extra="${1:?usage: source scripts/_env.sh EXTRA}"

_env_say() { echo "[setup] $*" >&2; }
_env_die() { echo "[setup] error: $*" >&2; exit 1; }

# "<version> <base executable> <1 if this interpreter runs in a venv>"
_env_probe() {
    "$1" -c 'import os, sys
base = getattr(sys, "_base_executable", sys.executable)
print(sys.version.split()[0], os.path.realpath(base), int(sys.prefix != sys.base_prefix))'
}

if [ -n "${PYTHON:-}" ]; then
    _env_base="$PYTHON"
    command -v "$_env_base" >/dev/null 2>&1 || _env_die "PYTHON=$PYTHON: no such interpreter"
elif [ -n "${VIRTUAL_ENV:-}" ]; then
    _env_base="$VIRTUAL_ENV/bin/python"
    [ -x "$_env_base" ] || _env_die "VIRTUAL_ENV=$VIRTUAL_ENV has no bin/python"
else
    _env_base="$(command -v python3 || command -v python || true)"
    [ -n "$_env_base" ] || _env_die "no python3 on PATH: install Python 3.10 or newer"
fi
read -r _env_version _env_home _env_in_venv < <(_env_probe "$_env_base") \
    || _env_die "$_env_base does not run"
case "$_env_version" in
    3.1[0-9].*|3.[2-9][0-9].*) ;;
    *) _env_die "$_env_base is Python $_env_version; this project needs 3.10 or newer" ;;
esac

if [ "$_env_in_venv" = 1 ]; then
    PY="$_env_base"
    VENV="$("$PY" -c 'import sys; print(sys.prefix)')"
else
    if [ -n "${PYTHON:-}" ]; then
        VENV="$PWD/.venv-${_env_version%.*}"
    else
        VENV="$PWD/.venv"
    fi
    PY="$VENV/bin/python"
    _env_id="$_env_version $_env_home"
    if [ ! -x "$PY" ] || [ "$(cat "$VENV/.base-python" 2>/dev/null)" != "$_env_id" ] \
            || ! "$PY" -c '' 2>/dev/null; then
        if ! "$_env_base" -c 'import venv, ensurepip' 2>/dev/null; then
            _env_die "$_env_base (Python $_env_version) has no working venv module. On Debian or \
Ubuntu install it with: apt-get install python3-venv (or python${_env_version%.*}-venv)"
        fi
        _env_say "creating $(basename "$VENV") with Python $_env_version ($_env_home)"
        rm -rf "$VENV"
        "$_env_base" -m venv "$VENV" || { rm -rf "$VENV"; _env_die "python -m venv failed"; }
        echo "$_env_id" > "$VENV/.base-python"
    fi
fi
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
hash -r

_env_stamp="$VENV/.autograd-nn-installed-$_env_extra"
_env_want="$("$PY" -c 'import hashlib, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.version.split()[0],
      sys.argv[1])' "$PWD")"
if [ "$(cat "$_env_stamp" 2>/dev/null)" != "$_env_want" ]; then
    "$PY" -m pip --version >/dev/null 2>&1 \
        || _env_die "$VENV has no pip (run: $PY -m ensurepip)"
    _env_say "installing the project with its [$_env_extra] extra into $VENV"
    rm -f "$_env_stamp"
    "$PY" -m pip install --quiet --disable-pip-version-check -e ".[$_env_extra]" \
        || _env_die "pip install failed"
    echo "$_env_want" > "$_env_stamp"
fi
