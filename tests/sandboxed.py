"""What the sandbox tests share: whether this machine can sandbox, and a quick normal run."""

from __future__ import annotations

import os
import textwrap
from typing import Any

import pytest

from app.sandbox import SandboxLimits, SandboxUnavailable, run_program
from app.tracing import Trace

# Small limits: each test's worker is quick to stop.
LIMITS = SandboxLimits(seconds=2.0, memory_mb=512, output_kb=1024)

NORMAL = """\
import threading
N = 3
total = 0
lock = threading.Lock()

def work():
    global total
    for _ in range(N):
        with lock:
            total += 1

threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("total", total)
"""


def sandboxed(code: str, **kwargs: Any) -> Trace:
    kwargs.setdefault("limits", LIMITS)
    return run_program(textwrap.dedent(code).lstrip("\n"), **kwargs)


def normal_run() -> Trace:
    """The same controlled run every time: what any run after an attack must still give."""
    return run_program(NORMAL, schedule=[], pause=False, limits=LIMITS)


def require_sandbox() -> None:
    """Skip where the kernel has no user namespaces, except in CI, where that is a failure."""
    try:
        run_program("x = 1\n", limits=LIMITS)
    except SandboxUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must be able to sandbox: {exc}")
        pytest.skip(f"no sandbox on this machine: {exc}")


def printed(trace: Trace) -> list[str]:
    return [str(e.arg) for e in trace.events if e.kind == "print"]
