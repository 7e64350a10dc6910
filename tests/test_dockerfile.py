"""What can be checked of the Dockerfile without a container engine: every path it copies
exists, and its command starts the app from a clean virtualenv laid out as the image is."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .server import ROOT, free_port

pytestmark = pytest.mark.timeout(900)

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    rows = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            rows.append((word.upper(), rest.strip()))
    return rows


def copies() -> list[tuple[str | None, list[str], str]]:
    """(stage or None, sources, destination) of every COPY."""
    found = []
    for word, rest in instructions():
        if word != "COPY":
            continue
        parts = shlex.split(rest)
        stage = None
        while parts[0].startswith("--"):
            option = parts.pop(0)
            if option.startswith("--from="):
                stage = option.split("=", 1)[1]
        found.append((stage, parts[:-1], parts[-1]))
    return found


def ignored(path: str) -> bool:
    patterns = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def test_every_path_the_dockerfile_copies_exists() -> None:
    seen = 0
    for stage, sources, _ in copies():
        for source in sources:
            if stage == "frontend" and source == "/src/static/vendor/editor.js":
                # Built in that stage from frontend/ (the editor bundle), not copied from npm.
                assert "--outfile=static/vendor/editor.js" in DOCKERFILE
                assert (ROOT / "frontend" / "editor.js").exists()
            elif stage == "frontend":
                assert source.startswith("/src/node_modules/"), source
                path = ROOT / source.removeprefix("/src/")
                assert path.exists(), f"{source}: run npm ci (scripts/setup.sh)"
                package = source.removeprefix("/src/node_modules/").split("/")[0]
                assert package in (ROOT / "package.json").read_text(encoding="utf-8")
            elif stage is None:
                assert (ROOT / source).exists(), source
                assert not ignored(source), f"{source} is excluded by .dockerignore"
            seen += 1
    assert seen >= 8
    stages = re.findall(r"^FROM \S+ AS (\w+)", DOCKERFILE, re.MULTILINE)
    assert stages == ["frontend", "build"] and DOCKERFILE.count("\nFROM ") == 3
    words = [word for word, _ in instructions()]
    assert "HEALTHCHECK" in words and "VOLUME" in words
    user = [rest for word, rest in instructions() if word == "USER"]
    assert user and user[-1] not in ("root", "0")


def test_the_image_command_starts_the_app_from_a_clean_venv(tmp_path: Path) -> None:
    # What the build stage copies, laid out as it does (outside the checkout: a build leaves
    # build/ behind), and installed as it installs it.
    source = tmp_path / "src"
    source.mkdir()
    for stage, sources, destination in copies():
        if stage not in (None, "frontend") or destination.startswith("/"):
            continue
        target = source / destination.removeprefix("./")
        for name in sources:
            origin = ROOT / (name.removeprefix("/src/") if stage else name)
            if origin.is_dir():
                shutil.copytree(
                    origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.so", "vendor")
                )
            else:
                place = target / origin.name if destination.endswith("/") else target
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, place)
    assert (source / "static" / "vendor" / "htmx.min.js").is_file()
    assert (source / "requirements.lock").is_file() and (source / "setup.py").is_file()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", str(source)],
        check=True,
    )  # fmt: skip
    home = tmp_path / "srv"  # the last stage's working folder: nothing else is copied there
    home.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for word, rest in instructions():
        if word == "ENV":
            for name, value in (item.split("=", 1) for item in shlex.split(rest)):
                env[name] = value.replace("$PATH", env["PATH"])
    assert "HILOS_HOME" not in env  # the package carries its files
    port = free_port()
    env |= {"HILOS_DB": str(tmp_path / "data" / "h.sqlite3"), "HILOS_WORKERS": "1",
            "HILOS_PORT": str(port), "PATH": f"{venv / 'bin'}:{env['PATH']}"}  # fmt: skip
    (command,) = [rest for word, rest in instructions() if word == "CMD"]
    argv = json.loads(command)
    assert argv[:2] == ["hilos", "serve"]
    server = subprocess.Popen([*argv[:-1], "127.0.0.1"], cwd=home, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None, "the command exited"
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.3)
        with urllib.request.urlopen(url + "/scenarios/lock?lang=en", timeout=30) as page:
            text = page.read().decode()
        css = re.search(r'href="(/static/css/site\.css[^"]*)"', text)
        assert css is not None
        with urllib.request.urlopen(url + css.group(1)) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(url + "/static/vendor/htmx.min.js") as answer:
            assert answer.status == 200
        assert (tmp_path / "data" / "h.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(20)
    assert os.environ.get("HILOS_HOME") is None  # the test changed nothing around it


def test_the_image_installs_pinned_hashed_packages_and_runs_no_install_scripts() -> None:
    runs = " ".join(rest for word, rest in instructions() if word == "RUN")
    assert "--require-hashes -r requirements.lock" in runs
    assert "--no-deps --no-build-isolation ." in runs
    assert "npm ci" in runs and "--ignore-scripts" in runs
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^([a-z0-9_.-]+)==(\S+) \\$", lock, re.MULTILINE))
    for name in ("fastapi", "uvicorn", "jinja2", "python-multipart", "setuptools"):
        assert name in pinned, name
    requirements = [line for line in lock.splitlines() if "==" in line]
    hashes = lock.count("--hash=sha256:")
    assert hashes >= len(requirements)
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert package["scarfSettings"] == {"enabled": False}  # no telemetry on install either
