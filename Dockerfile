# Hilos in a container: front-end packages from the npm registry in one stage, the Python
# package built in another from pinned, hashed requirements, a slim runtime with neither
# compilers nor npm in the last.
#   docker build -t hilos .
#   docker run -p 8000:8000 -v hilos-data:/data -e HILOS_PUBLIC_URL=https://hilos.example.edu hilos

FROM node:20-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no install-time scripts (swagger-ui-dist's telemetry among them).
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

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
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['HILOS_PORT']}/healthz\", timeout=4)"]
# `hilos serve`: uvicorn with request-head, idle-connection and concurrency limits (app/server.py).
CMD ["hilos", "serve", "--host", "0.0.0.0"]
