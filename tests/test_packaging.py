"""`pip install .` into a fresh virtualenv gives a `hilos` whose commands work away from the
checkout: the wheel carries static/ and templates/, and the database is not put in
site-packages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .server import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PROGRAM = """\
import threading

lock = threading.Lock()
count = 0

def work():
    global count
    with lock:
        count += 1

threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(count)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A virtualenv with the wheel of this checkout installed, and the environment to run
    its commands in (the dependencies come from the test's own environment, offline)."""
    where = tmp_path_factory.mktemp("packaging")
    # The checkout's files, built elsewhere: a build in place leaves build/ behind, whose stale
    # copies would end up in the next wheel and hide a missing file.
    source = where / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for name in ("app", "static", "templates"):
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
    wheels = where / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        timeout=500,
    )
    wheel = next(wheels.glob("hilos-*.whl"))
    env_dir = where / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies (FastAPI, uvicorn...) as installed here; not the checkout's `app`.
    ours = Path(sysconfig.get_paths()["purelib"])
    Path(site, "dependencies.pth").write_text(f"{ours}\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    home = where / "home"
    home.mkdir()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HILOS_")
    } | {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "PYTHONPATH": ""}
    return env_dir, environment


def run(
    installed: tuple[Path, dict[str, str]], cwd: Path, *command: str
) -> subprocess.CompletedProcess[str]:
    env_dir, environment = installed
    executable = env_dir / "bin" / command[0]
    return subprocess.run(
        [str(executable), *command[1:]],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_command_says_its_version(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    answer = run(installed, tmp_path, "hilos", "--version")
    assert answer.returncode == 0 and answer.stdout.strip().startswith("hilos 0."), answer
    help_text = run(installed, tmp_path, "python", "-m", "app", "--help")
    assert help_text.returncode == 0 and "serve" in help_text.stdout


def test_trace_and_export_write_the_viewer_from_the_installed_files(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    (tmp_path / "two.py").write_text(PROGRAM, encoding="utf-8")
    traced = run(
        installed, tmp_path, "hilos", "trace", "two.py", "--html", "view.html", "--json", "t.json"
    )
    assert traced.returncode == 0, traced.stderr
    page = (tmp_path / "view.html").read_text(encoding="utf-8")
    assert "<script" in page and "lanes" in page and len(page) > 20_000
    exported = run(installed, tmp_path, "hilos", "export", "t.json", "--html", "again.html")
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "again.html").stat().st_size > 20_000
    listing = run(installed, tmp_path, "hilos", "scenarios", "--json")
    assert listing.returncode == 0 and len(json.loads(listing.stdout)) >= 20


def test_the_installed_package_finds_its_files_and_keeps_data_out_of_site_packages(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    env_dir, environment = installed
    probe = (
        "import json, app, app.paths, app.settings; print(json.dumps({"
        "'package': app.__file__, 'static': str(app.paths.STATIC), "
        "'db': str(app.settings.Settings().db)}))"
    )
    answer = run(installed, tmp_path, "python", "-c", probe)
    assert answer.returncode == 0, answer.stderr
    found = json.loads(answer.stdout)
    assert found["package"].startswith(str(env_dir)), "the checkout's app was imported"
    assert Path(found["static"], "js", "player.js").is_file()
    assert Path(found["static"]).is_relative_to(env_dir)
    assert found["db"] == str(Path(environment["XDG_DATA_HOME"], "hilos", "hilos.sqlite3"))
