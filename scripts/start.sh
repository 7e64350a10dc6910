#!/usr/bin/env bash
# Set everything up and start Hilos on http://127.0.0.1:8000 (SQLite store, no other server).
# `hilos serve` reads HILOS_HOST, HILOS_PORT and HILOS_WORKERS, and sets the server's limits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
host=${HILOS_HOST:-127.0.0.1}
port=${HILOS_PORT:-8000}
echo "Hilos: http://$host:$port/"
exec .venv/bin/hilos serve --host "$host" --port "$port"
