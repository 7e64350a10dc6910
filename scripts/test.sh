#!/usr/bin/env bash
# Set everything up and run every check: lint, format, types and the whole test suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k deadlock).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
