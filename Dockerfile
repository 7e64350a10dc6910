# Hilos in a container: front-end packages from the npm registry in one stage, the Python
# package built in another, a slim runtime with neither compilers nor npm in the last.
#   docker build -t hilos .
#   docker run -p 8000:8000 -v hilos-data:/data hilos

FROM node:20-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The program editor: one bundled module (esbuild, a build-time package only).
COPY frontend ./frontend
RUN node_modules/.bin/esbuild frontend/editor.js --bundle --minify --format=esm \
    --legal-comments=none --log-level=warning --outfile=static/vendor/editor.js

FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
# The package and its compiled fast path, into a virtualenv the last stage copies whole.
RUN python -m venv /opt/hilos && /opt/hilos/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 hilos && mkdir /data && chown hilos /data
COPY --from=build /opt/hilos /opt/hilos
WORKDIR /srv/hilos
COPY static ./static
COPY templates ./templates
COPY --from=frontend /src/node_modules/htmx.org/dist/htmx.min.js ./static/vendor/htmx.min.js
COPY --from=frontend /src/static/vendor/editor.js ./static/vendor/editor.js
COPY --from=frontend /src/node_modules/swagger-ui-dist/swagger-ui-bundle.js /src/node_modules/swagger-ui-dist/swagger-ui.css ./static/vendor/swagger-ui/
ENV PATH=/opt/hilos/bin:$PATH \
    HILOS_HOME=/srv/hilos \
    HILOS_DB=/data/hilos.sqlite3 \
    HILOS_WORKERS=2 \
    HILOS_PORT=8000 \
    PYTHONUNBUFFERED=1
VOLUME /data
USER hilos
EXPOSE 8000
# Readiness, not mere liveness: it writes to the store, so a database that stopped taking
# writes shows as unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['HILOS_PORT']}/healthz/ready\", timeout=4)"]
# The store is opened, migrated and written to once before the workers start: a database it
# cannot write stops the container with one line and a non-zero status.
CMD ["sh", "-c", "python -m app.store && exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port \"$HILOS_PORT\" --workers \"$HILOS_WORKERS\" --loop uvloop --http httptools --proxy-headers --no-access-log"]
