# Hilos in a container: front-end packages from the npm registry in one stage, the Python
# package built in another from pinned, hashed requirements, a slim runtime with neither
# compilers nor npm in the last.
#   docker build -t hilos .
#   docker run -p 8000:8000 -v hilos-data:/data -e HILOS_PUBLIC_URL=https://hilos.example.edu hilos

FROM node:20-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no install-time scripts (swagger-ui-dist's telemetry among them). The dev
# packages are the editor's bundler, used in this stage only.
RUN npm ci --no-audit --no-fund --ignore-scripts
# The program editor: one bundled module (esbuild, a build-time package only).
COPY frontend ./frontend
RUN node_modules/.bin/esbuild frontend/editor.js --bundle --minify --format=esm \
    --legal-comments=none --log-level=warning --outfile=static/vendor/editor.js

FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Every package pinned with its hashes (scripts/lock.sh writes the lock), so the image builds
# the same tomorrow; then the package itself, without fetching anything more.
COPY requirements.lock ./
RUN python -m venv /opt/hilos \
    && /opt/hilos/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml setup.py README.md LICENSE ./
COPY app ./app
COPY static ./static
COPY templates ./templates
COPY --from=frontend /src/node_modules/htmx.org/dist/htmx.min.js ./static/vendor/htmx.min.js
COPY --from=frontend /src/static/vendor/editor.js ./static/vendor/editor.js
COPY --from=frontend /src/node_modules/swagger-ui-dist/swagger-ui-bundle.js /src/node_modules/swagger-ui-dist/swagger-ui.css ./static/vendor/swagger-ui/
# static/ and templates/ go into the package (setup.py); the compiled fast path is built here.
RUN /opt/hilos/bin/pip install --no-cache-dir --no-deps --no-build-isolation .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 hilos && mkdir /data && chown hilos /data
COPY --from=build /opt/hilos /opt/hilos
WORKDIR /srv/hilos
# HILOS_TRUSTED_PROXIES: the reverse proxy reaches the container from a private network
# (another container); narrow it to the proxy's address when clients can reach it directly.
ENV PATH=/opt/hilos/bin:$PATH \
    HILOS_DB=/data/hilos.sqlite3 \
    HILOS_WORKERS=2 \
    HILOS_PORT=8000 \
    HILOS_TRUSTED_PROXIES="127.0.0.1, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7" \
    PYTHONUNBUFFERED=1
VOLUME /data
USER hilos
EXPOSE 8000
# Readiness, not mere liveness: it writes to the store, so a database that stopped taking
# writes shows as unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['HILOS_PORT']}/healthz/ready\", timeout=4)"]
# `hilos serve`: the store opened, migrated and written to once before the workers start (a
# database it cannot write stops the container with one line and status 3), then uvicorn with
# request-head, idle-connection and concurrency limits (app/server.py).
CMD ["hilos", "serve", "--host", "0.0.0.0"]
