"""The threads and objects of one run: ids, names, labels and what each thread became."""

from __future__ import annotations

import threading as _std
from types import FrameType
from typing import Any

from .labels import label_from_frame
from .trace import ObjectInfo, ThreadInfo

__all__ = ["Registry", "alive"]


def alive(thread: _std.Thread) -> bool:
    """Whether `thread` runs, read without `Thread.is_alive()`'s side effect.

    `is_alive()` on a thread that has just ended marks it stopped, which changes what a later
    `join(timeout=inf)` does in CPython 3.11 (it raises only until the end was seen). The
    supervisor looks all the time; the program must see what it would see without it.
    """
    lock = getattr(thread, "_tstate_lock", None)
    if lock is None:
        return thread.is_alive()  # not started, already seen ended, or a dummy thread
    return bool(lock.locked())


class Registry:
    """Thread and object ids of one run; safe to use from any thread."""

    def __init__(self, filename: str | None, source_lines: list[str] | None) -> None:
        self.filename = filename
        self.source_lines = source_lines
        self.threads: list[ThreadInfo] = []
        self.objects: list[ObjectInfo] = []
        self.tids: dict[int, int] = {}  # real ident -> thread id
        self._thread_objects: dict[int, _std.Thread] = {}
        self._lock = _std.Lock()
        self._label_counts: dict[tuple[int, object, int], int] = {}
        self._labels_used: dict[str, int] = {}
        self._fallback_counts: dict[str, int] = {}
        self._thread_number = 0
        self.started_threads = 0

    # -- threads ---------------------------------------------------------------------------

    def thread_objects(self) -> dict[int, _std.Thread]:
        """A copy of thread id -> Thread: safe to iterate while threads register."""
        with self._lock:
            return dict(self._thread_objects)

    def thread_object(self, tid: int) -> _std.Thread | None:
        return self._thread_objects.get(tid)

    def live(self) -> dict[int, _std.Thread]:
        """The run's threads that are alive now."""
        return {tid: t for tid, t in self.thread_objects().items() if alive(t)}

    def next_thread_name(self) -> str:
        with self._lock:
            self._thread_number += 1
            return f"Thread-{self._thread_number}"

    def add_thread(
        self,
        thread: _std.Thread,
        *,
        kind: str,
        target: str | None,
        line: int | None,
        parent: int | None,
        start_ns: int,
        max_threads: int | None,
    ) -> int | None:
        """Register a thread about to run; None when it would exceed `max_threads`."""
        with self._lock:
            if kind in ("thread", "timer") and max_threads is not None:
                if self.started_threads >= max_threads:
                    return None
                self.started_threads += 1
            tid = len(self.threads)
            self.threads.append(
                ThreadInfo(
                    id=tid,
                    name=thread.name,
                    daemon=thread.daemon,
                    parent=parent,
                    kind=kind,
                    target=target,
                    line=line,
                    start_ns=start_ns,
                    end="running",
                )
            )
            self._thread_objects[tid] = thread
            return tid

    def known_id(self, ident: int, thread: _std.Thread) -> int | None:
        """The id of `thread` if it registered under this real ident.

        An ident is reused by the next thread once its owner has ended: trust the mapping only
        for the very thread object that made it.
        """
        with self._lock:
            tid = self.tids.get(ident)
            if tid is not None and self._thread_objects.get(tid) is thread:
                return tid
            return None

    def bind_ident(self, ident: int, tid: int) -> None:
        self.tids[ident] = tid

    def thread_ended(self, tid: int, end: str, end_ns: int) -> None:
        info = self.threads[tid]
        info.end = end
        info.end_ns = end_ns

    def name(self, tid: int) -> str:
        return self.threads[tid].name

    # -- objects ---------------------------------------------------------------------------

    def add_object(self, kind: str, frame: FrameType | None, info: dict[str, Any] | None) -> int:
        """Register an object made at `frame` (the program's frame, or None) and label it."""
        label: str | None = None
        line: int | None = None
        if frame is not None and (
            self.filename is None or frame.f_code.co_filename == self.filename
        ):
            line = frame.f_lineno
            with self._lock:
                scope = frame.f_back if frame.f_code.co_name.startswith("<") else frame
                key = (id(scope), scope.f_code if scope else None, line)
                ordinal = self._label_counts.get(key, 0)
                self._label_counts[key] = ordinal + 1
            label, _ = label_from_frame(frame, self.source_lines, ordinal, kind)
        with self._lock:
            if label is None:
                count = self._fallback_counts.get(kind, 0) + 1
                self._fallback_counts[kind] = count
                label = f"{kind}-{count}"
            uses = self._labels_used.get(label, 0) + 1
            self._labels_used[label] = uses
            if uses > 1:
                label = f"{label}#{uses}"
            oid = len(self.objects) + 1
            self.objects.append(ObjectInfo(oid, kind, label, line, info or {}))
        return oid

    def add_variable(self, scope: str, label: str, line: int | None) -> int:
        """Register a shared variable of the program (`counter`, `Account.balance`)."""
        with self._lock:
            uses = self._labels_used.get(label, 0) + 1
            self._labels_used[label] = uses
            if uses > 1:
                label = f"{label}#{uses}"
            oid = len(self.objects) + 1
            self.objects.append(ObjectInfo(oid, "Variable", label, line, {"scope": scope}))
        return oid

    def relabel(self, oid: int, label: str) -> None:
        with self._lock:
            self.objects[oid - 1].label = label

    def label(self, oid: int) -> str:
        return self.objects[oid - 1].label if oid else ""

    def set_info(self, oid: int, key: str, value: Any) -> None:
        with self._lock:
            self.objects[oid - 1].info[key] = value
