"""Small helpers shared by the tests."""

from __future__ import annotations

import html
import queue as std_queue
import re
import subprocess
import sys
import textwrap
import threading as std_threading
import time as std_time
from types import ModuleType
from typing import Any

from app.runner import run_source
from app.tracing import Trace

# The modules a program imports: the standard ones, or a run's traced stand-ins.
Mods = dict[str, ModuleType]
STD: Mods = {"threading": std_threading, "queue": std_queue, "time": std_time}


def run(code: str, **kwargs: Any) -> Trace:
    """Record a dedented program with small limits suited to tests."""
    kwargs.setdefault("max_seconds", 8.0)
    return run_source(textwrap.dedent(code), **kwargs)


def kinds(trace: Trace, thread: str | None = None) -> list[str]:
    """The event kinds in order, for one thread (by name) or all."""
    if thread is None:
        return [e.kind for e in trace.events]
    tid = next(t.id for t in trace.threads if t.name == thread)
    return [e.kind for e in trace.events if e.thread == tid]


def label_of(trace: Trace, oid: int) -> str:
    return trace.object(oid).label


def python3(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a dedented program under plain python3, as a student would, and capture it."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def told(analysis: dict[str, Any], trace: Trace) -> list[dict[str, Any]]:
    """The narration of an analysis document written out, as {index, text} rows."""
    from app.analysis.narration import render

    return [{"index": i, "text": text} for i, text in render(analysis["narration"], trace)]


def data_attributes(page: str, opening: str) -> dict[str, str]:
    """The data attributes (unescaped) of the first tag that starts with `opening` (a regular
    expression) in `page`."""
    found = re.search(opening + r"([^>]*)>", page)
    assert found, f"no {opening!r} on the page"
    pairs = re.findall(r"data-([a-z-]+)=(?:'([^']*)'|\"([^\"]*)\")", found.group(1))
    return {name: html.unescape(single or double) for name, single, double in pairs}


def values_used(page: str) -> str:
    """What a run's page says after "Values used", as a reader sees it (tags out, spaces one)."""
    found = re.search(r'<p class="run-meta">(.*?)</p>', page, re.S)
    assert found, "no run-meta paragraph on the page"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())
    return text.split("·", 1)[1].strip() if "·" in text else ""
