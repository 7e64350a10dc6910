"""`hilos run`: exit 0 with a trace, or 2 with one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.tracing.trace import SCHEMA

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
    assert document["schema"] == SCHEMA
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


OWN_PROGRAM = """\
import json
import sys
import threading

lock = threading.Lock()


def work(n):
    with lock:
        print("work", n, json.dumps(sys.argv[1:]))


threads = [threading.Thread(target=work, args=(i,), name=f"W{i}") for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def test_trace_records_your_own_program_with_its_arguments_and_any_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "mine.py"
    script.write_text(OWN_PROGRAM, encoding="utf-8")
    page, data = tmp_path / "mine.html", tmp_path / "mine.json"
    assert main(["trace", str(script), "a", "--x", "--html", str(page), "--json", str(data)]) == 0
    assert 'work 0 ["a", "--x"]' in capsys.readouterr().out
    trace = json.loads(data.read_text(encoding="utf-8"))
    assert trace["schema"] == SCHEMA and trace["outcome"]["status"] == "completed"
    assert {t["name"] for t in trace["threads"]} == {"MainThread", "W0", "W1"}
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "new Player(" in text


def test_trace_passes_everything_after_a_double_dash_to_the_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "mine.py"
    script.write_text(OWN_PROGRAM, encoding="utf-8")
    data = tmp_path / "t.json"
    assert main(["trace", str(script), "--json", str(data), "--", "--html", "x"]) == 0
    assert 'work 1 ["--html", "x"]' in capsys.readouterr().out
    assert data.exists() and not (tmp_path / "x").exists()


def test_export_writes_perfetto_and_html_from_a_trace_file_or_a_saved_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.export import run_document
    from app.runner import run_source
    from app.store import SQLiteStore

    trace = run_source(PROGRAM)
    trace_file = tmp_path / "trace.json"
    trace_file.write_text(trace.dumps(), encoding="utf-8")
    perfetto_file = tmp_path / "p.json"
    assert main(["export", str(trace_file), "--perfetto", str(perfetto_file)]) == 0
    events = json.loads(perfetto_file.read_text(encoding="utf-8"))["traceEvents"]
    assert any(ev["ph"] == "X" for ev in events)
    db = tmp_path / "runs.sqlite3"
    document = run_document(trace, "en", "abcdefghjkmn")
    SQLiteStore(db).save(json.dumps(document).encode(), scenario=None, lang="en", params="{}",
                      status="completed", run_id="abcdefghjkmn")  # fmt: skip
    page = tmp_path / "run.html"
    assert main(["export", "abcdefghjkmn", "--db", str(db), "--html", str(page)]) == 0
    assert '<html lang="en">' in page.read_text(encoding="utf-8")
    assert main(["export", "zzzzzzzzzzzz", "--db", str(db), "--html", str(page)]) == 2
    assert "no saved run 'zzzzzzzzzzzz'" in capsys.readouterr().err


def test_export_reads_a_saved_run_from_postgresql_when_the_server_uses_it(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.export import run_document
    from app.runner import run_source
    from app.store import open_store

    document = run_document(run_source(PROGRAM), "en", "pgrunpgrunpg")
    store = open_store(postgres_url)
    store.save(json.dumps(document).encode(), scenario=None, lang="en", params="{}",
               status="completed", run_id="pgrunpgrunpg")  # fmt: skip
    store.close()
    monkeypatch.setenv("HILOS_DATABASE_URL", postgres_url)
    perfetto = tmp_path / "p.json"
    assert main(["export", "pgrunpgrunpg", "--perfetto", str(perfetto)]) == 0
    assert json.loads(perfetto.read_text(encoding="utf-8"))["traceEvents"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trace", "missing.py"], "no such file"),
        (["trace", "{script}", "--lang", "fr"], "--lang must be es or en"),
        (["trace", "{script}", "--html"], "--html needs a value"),
        (["export", "{script}"], "say what to write"),
        (["export", "{bad}", "--html", "x.html"], "bad.json is not a trace (not JSON"),
        (["export", "{script}", "--html", "x.html"], "is a program, not a trace"),
        (["trace"], "the following argument is required: script ("),
        (["export", "{other}", "--html", "x.html"], "unsupported trace schema"),
    ],
)
def test_bad_trace_and_export_input_exits_2_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    script = tmp_path / "mine.py"
    script.write_text(OWN_PROGRAM, encoding="utf-8")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"schema": "hilos.trace/9"}', encoding="utf-8")
    paths = {"script": script, "bad": tmp_path / "bad.json", "other": tmp_path / "other.json"}
    assert main([a.format(**paths) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("hilos: error") == 1


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e999", "soon"])
@pytest.mark.parametrize("command", ["run", "trace"])
def test_a_time_limit_that_is_no_number_of_seconds_is_refused(
    program: Path, capsys: pytest.CaptureFixture[str], command: str, value: str
) -> None:
    assert main([command, str(program), f"--max-seconds={value}"]) == 2
    err = capsys.readouterr().err
    assert "--max-seconds" in err and value in err


@pytest.mark.parametrize(
    ("body", "status", "err"),
    [
        ('print("fine")', 0, ""),
        ("1 / 0", 1, "ZeroDivisionError: division by zero"),
        ('{}["missing"]', 1, "KeyError: 'missing'"),
        ("import sys\nsys.exit(3)", 3, ""),
        ('import sys\nsys.exit("bye")', 1, "bye\n"),
        ("import sys\nsys.exit(None)", 0, ""),
        ("import sys\nsys.exit(0)", 0, ""),
        ("import sys\nsys.exit(True)", 1, ""),
        ("import threading\nthreading.Thread(target=lambda: 1 / 0).start()", 0, "Exception in"),
    ],
)
def test_trace_exits_with_the_status_python_gives_the_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, status: int, err: str
) -> None:
    script = tmp_path / "mine.py"
    script.write_text(body + "\n", encoding="utf-8")
    data = tmp_path / "t.json"
    assert main(["trace", str(script), "--json", str(data)]) == status
    said = capsys.readouterr().err
    assert err in said and "hilos: completed" not in said and "hilos: error" not in said
    outcome = json.loads(data.read_text(encoding="utf-8"))["outcome"]
    assert outcome["status"] == ("error" if err.startswith(("Zero", "Key")) else "completed")


def test_sys_exit_with_a_message_records_it_as_the_main_codes_print() -> None:
    from app.runner import run_source

    trace = run_source('print("hi")\nraise SystemExit("bye")\n')
    assert trace.outcome.status == "completed" and trace.outcome.exit_code == 1
    prints = [(e.thread, e.line, e.arg) for e in trace.events if e.kind == "print"]
    assert prints == [(0, 1, "hi"), (0, 2, "bye")]
    assert run_source("raise SystemExit(0)\n").outcome.to_json().get("exit_code") is None


def test_trace_of_a_program_hilos_stops_is_not_a_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "stuck.py"
    script.write_text("import queue\nqueue.Queue().get()\n", encoding="utf-8")
    assert main(["trace", str(script), "--json", str(tmp_path / "t.json")]) == 3
    assert "hilos: stalled: " in capsys.readouterr().err


def test_trace_reports_a_syntax_error_as_python_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "syn.py"
    script.write_text("import threading\ndef f(:\n    pass\n", encoding="utf-8")
    expected = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert main(["trace", str(script), "--json", str(tmp_path / "t.json")]) == 1
    assert expected.returncode == 1
    assert capsys.readouterr().err == expected.stderr
    assert not (tmp_path / "t.json").exists()


def test_ctrl_c_stops_the_run_writes_the_trace_and_exits_130(tmp_path: Path) -> None:
    import signal
    import time

    script = tmp_path / "sleepy.py"
    script.write_text('import time\nprint("ready", flush=True)\ntime.sleep(100)\n')
    data = tmp_path / "t.json"
    command = [sys.executable, "-m", "app.cli", "trace", str(script), "--json", str(data)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
        time.sleep(0.3)  # the main code is in its sleep
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    assert p.returncode == 130
    assert err.startswith("Traceback (most recent call last):\n")
    assert "line 3, in <module>\n    time.sleep(100)\nKeyboardInterrupt\n" in err
    assert "app/" not in err.replace(str(data), "")
    outcome = json.loads(data.read_text(encoding="utf-8"))["outcome"]
    assert outcome["status"] == "interrupted" and outcome["error"]["line"] == 3


def test_serve_on_a_port_in_use_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    import app.server

    monkeypatch.setattr(app.server, "serve", lambda *a, **k: pytest.fail("it started"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


def test_serve_db_chooses_the_file_every_worker_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import socket

    import app.server

    seen: list[str | None] = []
    started = lambda *a, **k: seen.append(os.environ.get("HILOS_DB"))  # noqa: E731
    monkeypatch.setattr(app.server, "serve", started)
    monkeypatch.delenv("HILOS_DB", raising=False)
    db = tmp_path / "runs.sqlite3"
    assert main(["serve", "--port", "0", "--db", str(db)]) == 2  # port 0 is no port
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert main(["serve", "--db", str(db), "--port", str(port)]) == 0
    assert seen == [str(db)]
