"""What can be checked of deploy/ without a container engine: the compose file holds together,
and the proxy's configuration, run by a real nginx on loopback in front of a real Hilos, does
what docs/deploy.md says (TLS, forged hosts refused, limits, caching what never changes)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import Settings

from .server import ROOT, Server, free_port

pytestmark = pytest.mark.timeout(120)

DEPLOY = ROOT / "deploy"
COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
TEMPLATE = (DEPLOY / "nginx" / "hilos.conf.template").read_text(encoding="utf-8")
DOCS = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
DOMAIN = "hilos.test"


def test_the_compose_file_runs_two_replicas_on_postgresql_behind_the_proxy() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"proxy", "hilos-1", "hilos-2", "postgres"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], f"{name} has no health check"
        assert service["restart"] == "unless-stopped"
    proxy_address = services["proxy"]["networks"]["hilos"]["ipv4_address"]
    for name in ("hilos-1", "hilos-2"):
        replica = services[name]
        env = replica["environment"]
        assert env["HILOS_DATABASE_URL"].startswith("postgresql://hilos:")
        assert env["HILOS_DATABASE_URL"].endswith("@postgres:5432/hilos")
        assert env["HILOS_PUBLIC_URL"].startswith("https://${HILOS_DOMAIN")
        assert env["HILOS_TRUSTED_PROXIES"] == proxy_address  # the proxy, and no one else
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/healthz/ready" in " ".join(replica["healthcheck"]["test"])  # a real write
        assert (DEPLOY / replica["build"]["context"] / "Dockerfile").is_file()
    for name in ("hilos-1", "hilos-2"):
        assert services["proxy"]["depends_on"][name]["condition"] == "service_healthy"
    template = services["proxy"]["volumes"][0].split(":")[0]
    assert (DEPLOY / template).resolve() == DEPLOY / "nginx" / "hilos.conf.template"


def test_the_replicas_settings_are_valid_and_every_variable_is_documented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = COMPOSE["services"]["hilos-1"]["environment"]
    values = {"HILOS_DB_PASSWORD": "secret", "HILOS_DOMAIN": DOMAIN}
    for name, value in env.items():
        filled = re.sub(
            r"\$\{(\w+)(?::[-?]([^}]*))?\}",
            lambda m: values.get(m.group(1), m.group(2) or ""),
            str(value),
        )
        monkeypatch.setenv(name, filled)
    settings = Settings()
    assert settings.store_target() == "postgresql://hilos:secret@postgres:5432/hilos"
    used = set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    used |= set(re.findall(r"\$\{(\w+)\}", TEMPLATE))
    missing = sorted(name for name in used | set(env) if name not in DOCS)
    assert not missing, f"not in docs/deploy.md: {missing}"


# -- the proxy configuration, run by nginx on loopback --------------------------------------------


def nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if found is None:
        pytest.fail("nginx is not installed: run scripts/setup.sh --dev", pytrace=False)
    return found


class Proxy:
    """deploy/'s configuration as nginx runs it here: loopback ports, a test certificate, and
    one Hilos process standing for both replicas."""

    def __init__(self, folder: Path, upstream: int) -> None:
        self.http_port, self.https_port = free_port(), free_port()
        certs = folder / "certs"
        certs.mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            + ["-nodes", "-days", "1", "-subj", f"/CN={DOMAIN}"]
            + ["-keyout", certs / "privkey.pem", "-out", certs / "fullchain.pem"],
            check=True,
            capture_output=True,
        )
        site = TEMPLATE.replace("${HILOS_DOMAIN}", DOMAIN)
        for found, wanted in [
            ("listen 80 ", f"listen 127.0.0.1:{self.http_port} "),
            ("listen 443 ", f"listen 127.0.0.1:{self.https_port} "),
            ("hilos-1:8000", f"127.0.0.1:{upstream}"),
            ("hilos-2:8000", f"127.0.0.1:{upstream}"),
            ("/etc/nginx/certs/", f"{certs}/"),
            ("/var/cache/nginx/hilos", f"{folder}/cache"),
        ]:
            assert found in site, f"the template no longer has {found!r}"
            site = site.replace(found, wanted)
        (folder / "site.conf").write_text(site, encoding="utf-8")
        user = "user root;\n" if os.geteuid() == 0 else ""  # the test folder is root's alone
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log stderr warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  access_log off;\n"
            + "".join(
                f"  {kind}_temp_path {folder}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"  include {folder}/site.conf;\n}}\n",
            encoding="utf-8",
        )
        self.command = [nginx(), "-p", str(folder), "-c", str(folder / "nginx.conf")]
        self.process: subprocess.Popen[bytes] | None = None

    def check(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.command, "-t"], capture_output=True, text=True, timeout=30)

    def start(self) -> None:
        self.process = subprocess.Popen([*self.command, "-g", "daemon off;"])
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)

    def https(
        self, method: str, path: str, host: str = DOMAIN, body: bytes | None = None, **headers: str
    ) -> http.client.HTTPResponse:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own certificate
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=context, timeout=30
        )
        try:
            connection.request(method, path, body, {"Host": host} | headers)
            response = connection.getresponse()
            response.read()
            return response
        finally:
            connection.close()


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    server = Server(tmp_path / "runs.sqlite3")
    proxy = Proxy(tmp_path, server.port)
    try:
        checked = proxy.check()
        assert checked.returncode == 0, checked.stderr
        proxy.start()
        yield proxy
    finally:
        proxy.stop()
        server.stop()


def test_nginx_serves_hilos_over_tls_and_caches_only_what_never_changes(proxy: Proxy) -> None:
    created = proxy.https(
        "POST",
        "/api/runs",
        body=json.dumps({"scenario": "start-twice", "lang": "en"}).encode(),
        **{"Content-Type": "application/json"},
    )
    assert created.status == 201
    location = created.headers["Location"]
    first, second = proxy.https("GET", location), proxy.https("GET", location)
    assert (first.status, second.status) == (200, 200)
    assert first.headers["X-Cache-Status"] == "MISS" and second.headers["X-Cache-Status"] == "HIT"
    assert second.headers["Strict-Transport-Security"]
    # A page is not kept: it says nothing about caching, so each request reaches Hilos.
    pages = [proxy.https("GET", "/?lang=en") for _ in range(2)]
    assert [p.headers["X-Cache-Status"] for p in pages] == ["MISS", "MISS"]
    assert proxy.https("GET", "/api/runs/nosuchrun").headers["X-Cache-Status"] == "MISS"


def test_nginx_refuses_forged_hosts_oversized_requests_and_plain_http(proxy: Proxy) -> None:
    with pytest.raises(http.client.RemoteDisconnected):
        proxy.https("GET", "/", host="evil.example")  # closed without an answer (444)
    assert proxy.https("GET", "/", **{"X-Big": "x" * 20_000}).status == 400
    big = proxy.https("POST", "/api/runs", body=b"{" + b" " * 100_000 + b"}")
    assert big.status == 413
    plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    plain.request("GET", "/scenarios/lock?lang=en", headers={"Host": "anything"})
    moved = plain.getresponse()
    assert moved.status == 308
    assert moved.headers["Location"] == f"https://{DOMAIN}/scenarios/lock?lang=en"
    moved.read()
    plain.request("GET", "/healthz", headers={"Host": "anything"})
    assert plain.getresponse().status == 200  # the container's health check
    plain.close()
