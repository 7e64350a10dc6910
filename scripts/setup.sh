#!/usr/bin/env bash
# Set up everything Hilos needs on this machine; safe to run again (it skips what is done).
#   scripts/setup.sh          runtime: a virtualenv with the app installed
#   scripts/setup.sh --dev    also the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

want_dev=0
[[ "${1:-}" == "--dev" ]] && want_dev=1

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: Hilos needs Python 3.11 or newer ($python is $("$python" -V 2>&1))" >&2
    exit 2
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "setup: creating .venv"
    "$python" -m venv .venv
fi

# Reinstall only when the dependency list or the C source changed since the last install.
extras=""
[[ $want_dev == 1 ]] && extras="[dev]"
stamp=".venv/.hilos-installed${extras:+-dev}"
# The compiled fast path is built by the install too: a change to its source reinstalls.
digest=$(cat pyproject.toml app/tracing/_speedups.c | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$digest" ]]; then
    echo "setup: installing Python packages${extras:+ (with test tools)}"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
    echo "$digest" > "$stamp"
fi
