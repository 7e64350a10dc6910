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

# Front-end packages: from the npm registry by name (package.json + its lock), copied into
# static/vendor so nothing is fetched from a CDN at run time.
if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is needed for the front-end packages (Debian: apt-get install npm)" >&2
    exit 2
fi
npm_stamp="node_modules/.hilos-installed"
npm_digest=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ ! -f "$npm_stamp" || "$(cat "$npm_stamp")" != "$npm_digest" ]]; then
    echo "setup: installing front-end packages"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$npm_digest" > "$npm_stamp"
fi
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
mkdir -p static/vendor/swagger-ui  # the API docs page, served from here rather than a CDN
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
    static/vendor/swagger-ui/
# The program editor (CodeMirror 6 with Python): one module, bundled from frontend/editor.js.
node_modules/.bin/esbuild frontend/editor.js --bundle --minify --format=esm --legal-comments=none \
    --log-level=warning --outfile=static/vendor/editor.js

# Debian packages the tests need, installed where missing: Chromium for the browser tests
# (Playwright's own browser download is not used), PostgreSQL for the store's tests (they
# start a server of their own), nginx to check the reverse proxy's configuration in deploy/.
if [[ $want_dev == 1 ]]; then
    packages=()
    [[ -x /usr/bin/chromium ]] || packages+=(chromium fonts-dejavu-core fonts-liberation)
    compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || packages+=(postgresql)
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || packages+=(nginx-light)
    if (( ${#packages[@]} )); then
        echo "setup: installing ${packages[*]} for the tests"
        sudo=""
        if [[ $(id -u) != 0 ]]; then
            if ! command -v sudo >/dev/null 2>&1; then
                echo "setup: the tests need ${packages[*]}: run as root or apt-get install them" >&2
                exit 2
            fi
            sudo="sudo"
        fi
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    fi
fi
