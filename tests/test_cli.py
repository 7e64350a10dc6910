"""`hilos run`: exit 0 with a trace, or 2 with one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

pytestmark = pytest.mark.timeout(60)

PROGRAM = """\
import threading
N_THREADS = 2
lock_1 = threading.Lock()

def work():
    with lock_1:
        print("working")

threads = [threading.Thread(target=work) for _ in range(N_THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "program.py"
    path.write_text(PROGRAM, encoding="utf-8")
    return path


def test_run_writes_the_trace_to_a_file_and_echoes_the_program(
    program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "trace.json"
    assert main(["run", str(program), "--set", "N_THREADS=3", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["schema"] == "hilos.trace/1"
    assert document["params"] == {"N_THREADS": 3}
    assert "N_THREADS = 3" in document["source"]
    captured = capsys.readouterr()
    assert captured.out.count("working") == 3
    assert "completed" in captured.err


def test_run_without_out_writes_only_the_trace_on_stdout(program: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "run", str(program)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["outcome"]["status"] == "completed"
    assert "working" in result.stderr


@pytest.mark.parametrize(
    ("argv", "source", "message"),
    [
        (["run", "missing.py"], None, "no such file: missing.py"),
        (["run", "{file}"], "def f(:\n", "syntax error at line 1"),
        (["run", "{file}"], "import os\n", "import of 'os' is not allowed"),
        (["run", "{file}", "--set", "NOPE=1"], PROGRAM, "unknown parameter NOPE"),
        (["run", "{file}", "--set", "N_THREADS=x"], PROGRAM, "N_THREADS must be an integer"),
        (["run", "{file}", "--set", "N_THREADS"], PROGRAM, "--set takes NAME=VALUE"),
        (["fly"], None, "invalid choice: 'fly'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str],
    source: str | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    if source is not None:
        (tmp_path / "prog.py").write_text(source, encoding="utf-8")
    argv = [a.replace("{file}", "prog.py") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hilos: error: ")
    assert message in err


def test_a_deadlock_is_a_successful_recording(tmp_path: Path) -> None:
    path = tmp_path / "dl.py"
    path.write_text(
        "import threading\nl = threading.Lock()\nl.acquire()\nl.acquire()\n", encoding="utf-8"
    )
    out = tmp_path / "t.json"
    assert main(["run", str(path), "--quiet", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["outcome"]["status"] == "deadlock"


def test_run_a_scenario_by_id_in_the_chosen_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.json"
    assert (
        main(["run", "lock-ordering", "--lang", "en", "--set", "PAUSE=0.01", "--out", str(out)])
        == 0
    )
    trace = json.loads(out.read_text(encoding="utf-8"))
    assert trace["scenario"] == "lock-ordering" and trace["lang"] == "en"
    assert trace["params"] == {"PAUSE": 0.01}
    assert "PAUSE = 0.01" in trace["source"] and "Both finished" in trace["source"]
    assert "Both finished: no deadlock" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no-such-scenario"], "neither a .py file nor a scenario id"),
        (["run", "deadlock", "--set", "PAUSE=9"], "PAUSE must be a number between 0.05 and 0.5"),
        (["run", "deadlock", "--set", "NOPE=1"], "unknown parameter NOPE"),
        (["run", "deadlock", "--lang", "fr"], "invalid choice"),
    ],
)
def test_bad_scenario_runs_exit_2_with_a_reason(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) <= 2


@pytest.mark.parametrize("lang", ["es", "en"])
def test_scenarios_lists_every_id_with_its_title(
    lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.scenarios import load_scenarios

    assert main(["scenarios", "--lang", lang]) == 0
    lines = capsys.readouterr().out.splitlines()
    scenarios = list(load_scenarios().values())
    assert [line.split()[0] for line in lines] == [s.id for s in scenarios]
    assert all(s.texts[lang].title in line for s, line in zip(scenarios, lines, strict=True))
    assert main(["scenarios", "--json", "--lang", lang]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in listed] == [s.id for s in scenarios]
