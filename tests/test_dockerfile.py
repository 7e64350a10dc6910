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
    # What the build stage copies, built outside the checkout (a build leaves build/ behind).
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "app", source / "app", ignore=shutil.ignore_patterns("__pycache__", "*.so")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", str(source)],
        check=True,
    )  # fmt: skip
    # The last stage's files, where its COPY lines put them.
    home = tmp_path / "srv"
    home.mkdir()
    for stage, sources, destination in copies():
        if stage == "build":
            continue
        target = home / destination.removeprefix("./")
        for source in sources:
            origin = ROOT / (source.removeprefix("/src/") if stage else source)
            if origin.is_dir():
                shutil.copytree(origin, target, dirs_exist_ok=True)
            else:
                place = target / origin.name if destination.endswith("/") else target
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, place)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for word, rest in instructions():
        if word == "ENV":
            for name, value in (item.split("=", 1) for item in shlex.split(rest)):
                env[name] = value.replace("$PATH", env["PATH"])
    port = free_port()
    env |= {"HILOS_HOME": str(home), "HILOS_DB": str(tmp_path / "data" / "h.sqlite3"),
            "HILOS_PORT": str(port), "PATH": f"{venv / 'bin'}:{env['PATH']}"}  # fmt: skip
    (command,) = [rest for word, rest in instructions() if word == "CMD"]
    argv = json.loads(command)
    server = subprocess.Popen(argv, cwd=home, env=env)
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
        assert list((venv / "lib").glob("**/site-packages/app/static")) == []  # not packaged
    finally:
        server.terminate()
        server.wait(20)
    assert os.environ.get("HILOS_HOME") is None  # the test changed nothing around it
