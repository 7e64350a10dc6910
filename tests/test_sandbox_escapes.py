"""The escape battery: every way out a program was seen to take, and the usual others.

Each attempt runs in the sandbox and must end as a contained error or a harmless run, and
leave the server (this process: alive, no signal received), its files, the store and the
next run as they were. A few attempts also run in-process, to show that they are real.
"""

from __future__ import annotations

import hashlib
import json
import platform
import signal
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType

import pytest

from app.runner import run_source
from app.sandbox import (
    LimitExceeded,
    ProgramCrashed,
    RunRefused,
    SandboxError,
    SandboxLimits,
)
from app.store import open_store
from app.tracing import Trace

from .sandboxed import normal_run, printed, require_sandbox, sandboxed

pytestmark = pytest.mark.timeout(120)

_WATCHED = (signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP)

# Ways a program reached the real `os` module from the allowed ones.
ROUTES = {
    "collections._sys": 'import collections\nos = collections._sys.modules["os"]',
    "dataclasses.sys": 'import dataclasses\nos = dataclasses.sys.modules["os"]',
    "random.seed globals": 'import random\nos = random.seed.__func__.__globals__["_os"]',
    "Thread.__init__ globals": (
        'import threading\nos = threading.Thread.__init__.__globals__["sys"].modules["os"]'
    ),
    "subclasses": """
        for cls in ().__class__.__base__.__subclasses__():
            if cls.__name__ == "_wrap_close":
                os = cls.__init__.__globals__["sys"].modules["os"]
    """,
    "traceback frames": """
        try:
            1 / 0
        except ZeroDivisionError as exc:
            frame = exc.__traceback__.tb_frame
        while frame is not None:
            if "builtins" in frame.f_globals:
                os = frame.f_globals["builtins"].__import__("os")
                break
            frame = frame.f_back
    """,
}

# What a program tries with `os` once it has it; each line says what it got.
HARM = """
def attempt(name, call):
    try:
        print(name, call())
    except OSError as exc:
        print(name, "refused", exc.errno)

attempt("system", lambda: os.system("touch {new}"))
attempt("fork", lambda: os._exit(0) if os.fork() == 0 else "forked")
attempt("kill", lambda: os.kill(os.getppid(), 10))
attempt("killpg", lambda: os.killpg(os.getpgid(os.getppid()), 15))
attempt("write", lambda: os.open("{sentinel}", os.O_WRONLY | os.O_TRUNC))
attempt("store", lambda: os.open("{store}", os.O_RDWR))
attempt("read", lambda: os.open("/etc/passwd", os.O_RDONLY))
attempt("mem", lambda: os.open("/proc/self/mem", os.O_RDWR))
attempt("listdir", lambda: os.listdir("/"))
"""


@dataclass
class Server:
    """What an attempt must leave as it was."""

    folder: Path
    sentinel: Path
    store: Path
    new: Path

    def fill(self, code: str) -> str:
        return (
            textwrap.dedent(code)
            .replace("{sentinel}", str(self.sentinel))
            .replace("{store}", str(self.store))
            .replace("{new}", str(self.new))
        )


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@cache
def _reference() -> Trace:
    return normal_run()


@pytest.fixture(scope="module", autouse=True)
def _sandbox() -> None:
    require_sandbox()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("untouched\n")
    store = open_store(tmp_path / "runs.sqlite3")
    saved = store.save(
        b'{"kept": true}', run_id="keptrun1", scenario=None, lang="en", params="{}", status="ok"
    )
    before = _digest(tmp_path)
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in _WATCHED}
    try:
        yield Server(tmp_path, sentinel, tmp_path / "runs.sqlite3", tmp_path / "new-file")
        time.sleep(0.05)  # a signal sent at the very end is delivered by now
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert received == [], f"the server received signals {received}"
    assert _digest(tmp_path) == before, "the server's files changed"
    kept = store.get(saved.id)
    store.close()
    assert kept is not None and json.loads(kept.document()) == {"kept": True}
    after = normal_run()
    reference = _reference()
    assert (after.outcome, after.events, printed(after)) == (
        reference.outcome,
        reference.events,
        ["total 6"],
    )


def contained(server: Server, code: str, **kwargs: object) -> Trace | SandboxError:
    """The attempt's run, or the error that contained it (any other exception fails)."""
    try:
        return sandboxed(server.fill(code), **kwargs)  # type: ignore[arg-type]
    except SandboxError as exc:
        return exc


# -- reading and writing files ------------------------------------------------------------------


def test_reading_etc_passwd_finds_nothing(server: Server) -> None:
    trace = contained(
        server,
        """
        try:
            print(open("/etc/passwd").read())
        except OSError as exc:
            print("refused", type(exc).__name__)
        """,
    )
    assert isinstance(trace, Trace) and printed(trace) == ["refused PermissionError"]


def test_writing_files_is_refused(server: Server) -> None:
    trace = contained(
        server,
        """
        for path in ["{sentinel}", "{new}", "{store}", "/tmp/x", "x"]:
            try:
                open(path, "a").write("pwned")
                print("wrote", path)
            except OSError as exc:
                print("refused", exc.errno)
        """,
    )
    assert isinstance(trace, Trace) and printed(trace) == ["refused 13"] * 5


def test_writing_a_file_works_without_the_sandbox(tmp_path: Path) -> None:
    # The same attempt in the server's own process: what the sandbox is for.
    target = tmp_path / "written"
    trace = run_source(f"with open({str(target)!r}, 'w') as f:\n    f.write('pwned')\n")
    assert trace.outcome.status == "completed" and target.read_text() == "pwned"


def test_proc_self_mem_is_not_there(server: Server) -> None:
    trace = contained(
        server,
        """
        for path in ["/proc/self/mem", "/proc/self/environ", "/dev/mem", "/sys/kernel"]:
            try:
                open(path, "rb")
                print("opened", path)
            except OSError as exc:
                print("refused", exc.errno)
        """,
    )
    assert isinstance(trace, Trace) and printed(trace) == ["refused 13"] * 4


# -- reaching the real modules ------------------------------------------------------------------


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_the_real_os_module_can_do_no_harm(server: Server, route: str) -> None:
    trace = contained(server, textwrap.dedent(ROUTES[route]) + HARM)
    assert isinstance(trace, Trace), trace
    lines = dict(line.split(" ", 1) for line in printed(trace))
    # os.system cannot start a shell: -1, or the shell's "not found" (127 << 8).
    assert lines.pop("system") in ("-1", str(127 << 8))
    assert lines == {
        "fork": "refused 1",
        "kill": "refused 1",
        "killpg": "refused 1",
        "write": "refused 13",
        "store": "refused 13",
        "read": "refused 13",
        "mem": "refused 13",
        "listdir": "refused 13",
    }
    assert not server.new.exists()


def test_the_subclasses_route_runs_shell_commands_without_the_sandbox(tmp_path: Path) -> None:
    target = tmp_path / "made-by-a-shell"
    trace = run_source(
        textwrap.dedent(ROUTES["subclasses"]) + f"os.system('touch {target}')\n",
        max_seconds=10,
    )
    assert trace.outcome.status == "completed" and target.exists()


def test_ctypes_through_an_allowed_module_reaches_only_refusals(server: Server) -> None:
    trace = contained(
        server,
        """
        import collections
        ctypes = collections._sys.modules["ctypes"]
        libc = ctypes.CDLL(None)
        print("system", libc.system(b"touch {new}") != 0)
        print("socket", libc.socket(2, 1, 0), libc.socket(1, 1, 0), libc.socket(16, 3, 0))
        print("unshare", libc.unshare(0x10000000))
        print("mount", libc.mount(b"none", b"/", b"tmpfs", 0, None))
        print("ptrace", libc.ptrace(16, libc.getppid(), 0, 0))
        print("execv", libc.execv(b"/bin/sh", None))
        print("setuid", libc.setuid(0))
        """,
    )
    assert isinstance(trace, Trace), trace
    assert printed(trace) == [
        "system True",
        "socket -1 -1 -1",
        "unshare -1",
        "mount -1",
        "ptrace -1",
        "execv -1",
        "setuid -1",
    ]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="i386 machine code")
def test_a_system_call_through_the_i386_abi_ends_the_process(server: Server) -> None:
    found = contained(
        server,
        """
        import collections
        ctypes = collections._sys.modules["ctypes"]
        libc = ctypes.CDLL(None)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t] + [ctypes.c_int] * 3 + [
            ctypes.c_long
        ]
        area = libc.mmap(None, 4096, 7, 0x22, -1, 0)  # read, write, execute; private, anonymous
        code = bytes([0xB8, 0x14, 0, 0, 0, 0xCD, 0x80, 0xC3])  # getpid through int 0x80
        ctypes.memmove(area, code, len(code))
        print("pid", ctypes.CFUNCTYPE(ctypes.c_int)(area)())
        """,
    )
    assert isinstance(found, ProgramCrashed) and "SIGSYS" in str(found)


def test_no_network(server: Server) -> None:
    trace = contained(
        server,
        """
        import collections
        modules = collections._sys.modules
        try:
            socket = modules["builtins"].__import__("socket")
        except ImportError:
            print("no socket module")  # not loaded in the worker, and no file to load it from
        else:
            for family, address in [(2, ("127.0.0.1", 9)), (2, ("1.1.1.1", 53)), (10, ("::1", 9))]:
                try:
                    socket.socket(family, socket.SOCK_STREAM).connect(address)
                    print("connected", address[0])
                except OSError as exc:
                    print("refused", exc.errno)
        libc = modules["ctypes"].CDLL(None)
        print("raw", libc.socket(2, 2, 0), libc.socket(10, 1, 0), libc.socketpair(1, 1, 0, None))
        """,
    )
    assert isinstance(trace, Trace), trace
    *tried, raw = printed(trace)
    assert tried in (["no socket module"], ["refused 1"] * 3)
    assert raw == "raw -1 -1 -1"


# -- the recorder: forging a run ----------------------------------------------------------------


def test_a_run_claiming_another_source_is_refused(server: Server) -> None:
    found = contained(server, "print.__self__.source = 'print(\"all good\")\\n'\n")
    assert isinstance(found, RunRefused) and "not a run of the program" in str(found)


def test_an_event_made_up_through_lock_rec_is_refused(server: Server) -> None:
    found = contained(
        server,
        """
        import threading
        lock = threading.Lock()
        threading.Lock._rec.emit("release", lock._oid)
        """,
    )
    assert isinstance(found, RunRefused) and "released while nobody holds it" in str(found)


def test_an_outcome_made_up_through_the_recorder_is_refused(server: Server) -> None:
    found = contained(
        server,
        """
        recorder = type(print.__self__)
        Outcome = recorder.finish.__globals__["Outcome"]
        recorder._completed = lambda self: Outcome("deadlock", "made up")
        """,
    )
    assert isinstance(found, RunRefused) and "trace schema" in str(found)


@pytest.mark.parametrize(
    "forged",
    [
        '{"type": "trace", "trace": {"schema": "hilos.trace/2.3"}}',
        '{"type": "error", "reason": "unavailable", "message": "fake"}',
        "not json at all",
    ],
)
def test_an_answer_written_by_the_program_is_refused(server: Server, forged: str) -> None:
    found = contained(
        server,
        f"""
        import collections
        os = collections._sys.modules["os"]
        for fd in range(3, 16):
            try:
                os.write(fd, {forged!r}.encode() + b"\\n")
            except OSError:
                pass
        os._exit(0)
        """,
    )
    assert isinstance(found, RunRefused | ProgramCrashed), found


def test_an_answer_beside_the_real_one_is_refused(server: Server) -> None:
    found = contained(
        server,
        """
        import collections
        os = collections._sys.modules["os"]
        for fd in range(3, 16):
            try:
                os.write(fd, b'{"type": "error", "reason": "memory"}\\n')
            except OSError:
                pass
        """,
    )
    assert isinstance(found, RunRefused) and "answered 2 times" in str(found)


def test_json_printed_on_stdout_is_only_output(server: Server) -> None:
    trace = contained(
        server,
        """
        import collections
        sys = collections._sys
        sys.stdout.write('{"type": "trace", "trace": {}}\\n')
        sys.stdout.flush()
        print("done")
        """,
    )
    assert isinstance(trace, Trace) and printed(trace) == ["done"]


def test_patching_shared_classes_reaches_no_other_run(server: Server) -> None:
    found = contained(
        server,
        """
        import threading
        real = threading.Thread.__init__.__globals__["_std"]
        real.Thread.start = lambda self: None
        real.Lock = None
        type(print.__self__).finish = lambda self: 1 / 0
        """,
    )
    # This run is broken by its own hand; the fixture checks that the next one is not.
    assert isinstance(found, SandboxError), found


# -- resources ----------------------------------------------------------------------------------


def test_a_loop_in_c_is_stopped_at_the_time_limit(server: Server) -> None:
    started = time.monotonic()
    found = contained(server, "sum(range(10**12))\n", limits=SandboxLimits(seconds=1.0))
    assert isinstance(found, LimitExceeded) and found.reason == "timeout"
    assert time.monotonic() - started < 30


def test_a_fork_bomb_cannot_fork(server: Server) -> None:
    trace = contained(
        server,
        """
        import collections
        os = collections._sys.modules["os"]
        children = 0
        try:
            while True:
                if os.fork() == 0:
                    os._exit(0)
                children += 1
        except OSError as exc:
            print("refused after", children, exc.errno)
        """,
    )
    assert isinstance(trace, Trace) and printed(trace) == ["refused after 0 1"]


def test_a_thread_bomb_stops_at_the_process_limit(server: Server) -> None:
    trace = contained(
        server,
        """
        import collections
        modules = collections._sys.modules
        start, sleep = modules["_thread"].start_new_thread, modules["time"].sleep
        started = 0
        try:
            while started < 10_000:
                start(sleep, (1,))
                started += 1
        except RuntimeError:
            pass
        print("started", started)
        """,
        limits=SandboxLimits(seconds=3.0, threads=8),
    )
    assert isinstance(trace, Trace), trace
    (line,) = printed(trace)
    assert int(line.split()[1]) < 8 + 16


@pytest.mark.parametrize(
    "code",
    [
        "block = bytearray(1 << 40)\n",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))\n",
        "text = 'x'\nwhile True:\n    text = text + text\n",
    ],
)
def test_a_memory_bomb_is_contained(server: Server, code: str) -> None:
    found = contained(server, code)
    if isinstance(found, Trace):
        assert found.outcome.status == "error"
        assert found.outcome.error is not None and found.outcome.error["type"] == "MemoryError"
    else:
        assert isinstance(found, ProgramCrashed | SandboxError) and found.reason in (
            "memory",
            "crashed",
        )


def test_printing_without_end_stops_at_the_event_limit(server: Server) -> None:
    trace = contained(
        server, "while True:\n    print('x' * 100_000)\n", limits=SandboxLimits(events=2_000)
    )
    assert isinstance(trace, Trace) and trace.outcome.status == "limit"
    assert all(len(line) <= 200 for line in printed(trace))


def test_flooding_the_answer_pipe_stops_at_the_output_limit(server: Server) -> None:
    found = contained(
        server,
        """
        import collections
        os = collections._sys.modules["os"]
        for fd in range(3, 16):
            try:
                for _ in range(64):
                    os.write(fd, b"x" * 65536)
            except OSError:
                pass
        """,
        limits=SandboxLimits(output_kb=512),
    )
    assert isinstance(found, LimitExceeded) and found.reason == "output"


@pytest.mark.parametrize(
    "forged",
    [
        '"[" * 100_000 + "]" * 100_000',  # nested past the decoder's limit
        '\'{"type": "trace", "trace": \' + "[" * 900 + "]" * 900 + "}"',
        '\'{"type": "exploration", "exploration": {"outcomes": [\' + "[" * 900 + "]" * 900 + "]}}"',
        '\'{"type": "trace", "trace": {"seed": \' + "9" * 5000 + "}}"',  # past int's digit limit
    ],
)
def test_an_answer_made_to_break_the_reader_is_refused(server: Server, forged: str) -> None:
    found = contained(
        server,
        f"""
        import collections
        os = collections._sys.modules["os"]
        forged = {forged}
        for fd in range(3, 16):
            try:
                os.write(fd, forged.encode() + b"\\n")
            except OSError:
                pass
        os._exit(0)
        """,
    )
    assert isinstance(found, RunRefused), found
    assert "times, not once" not in str(found)  # refused for what it says, not for saying it twice
