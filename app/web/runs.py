"""Recording runs for the web: a bounded executor, and the store of what was recorded."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ..analysis import analyse
from ..analysis.document import is_current
from ..analysis.goals import goal_document
from ..export import run_document
from ..runner import ScenarioError, run_source
from ..sandbox import SandboxError, SandboxLimits, WorkerPool, run_program
from ..scenarios import Scenario
from ..store import RunStore, StoredRun, new_run_id
from ..tracing import Trace
from .admission import run_started

__all__ = ["Saturated", "RunExecutor", "RunService"]

T = TypeVar("T")
_ANALYSES_KEPT = 256  # of about 20-80 KB each
_CLAIM_POLL = 0.1  # seconds between looks for a default run another replica is recording


class Saturated(Exception):
    """Every slot is taken and the waiting line is full: come back later."""


class CpuGauge:
    """How many CPU cores this process used lately: its CPU time over the last half second
    or so, sampled at most every 50 ms."""

    WINDOW, STEP = 0.5, 0.05

    def __init__(
        self,
        wall: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
    ) -> None:
        self._wall, self._cpu = wall, cpu
        self._samples: deque[tuple[float, float]] = deque([(wall(), cpu())])

    def cores(self) -> float:
        now, used = self._wall(), self._cpu()
        if now - self._samples[-1][0] >= self.STEP:
            self._samples.append((now, used))
            while len(self._samples) > 2 and now - self._samples[1][0] >= self.WINDOW:
                self._samples.popleft()
        then, before = self._samples[0]
        return (used - before) / (now - then) if now > then else 0.0


class RunExecutor:
    """Live runs on worker threads, admitted by CPU rather than by wall time.

    A run mostly sleeps (a default run: seconds of wall time, milliseconds of CPU), so many
    may run at once (`workers`); a new one starts only while this process uses less than
    `cpu` cores, else it waits in line (at most `queue`, first come first served) and starts
    as CPU frees up. Past that, `Saturated` at once instead of a queue without bound.
    """

    def __init__(
        self, workers: int, queue: int, cpu: float | None = None, gauge: CpuGauge | None = None
    ) -> None:
        self._workers, self._queue, self._cpu = workers, queue, cpu
        self._gauge = gauge or CpuGauge()
        self._pool: ThreadPoolExecutor | None = None
        self._running = 0
        self._waiting: deque[tuple[Callable[[], Any], Future[Any]]] = deque()
        self._changed = threading.Condition()
        self._dispatcher: threading.Thread | None = None
        self._closed = False

    def saturated(self) -> bool:
        """Whether a run asked for now would be refused (cheap: for the edge of the app)."""
        return self._running >= self._workers and len(self._waiting) >= self._queue

    def load(self) -> dict[str, float]:
        """Runs going, runs waiting, and the CPU cores this process used lately."""
        return {
            "running": self._running,
            "waiting": len(self._waiting),
            "cores": round(self._gauge.cores(), 2),
        }

    def _cpu_free(self) -> bool:
        return self._cpu is None or self._gauge.cores() < self._cpu

    def _start(self, fn: Callable[[], T], future: Future[T]) -> None:
        # Called with `_changed` held.
        if self._pool is None:  # made on first use, and again after a shutdown
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="hilos-run")
        self._running += 1
        self._pool.submit(self._work, fn, future)

    def _work(self, fn: Callable[[], T], future: Future[T]) -> None:
        try:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def _dispatch(self) -> None:
        """Start waiting runs as slots and CPU allow; a thread of its own."""
        with self._changed:
            while not self._closed:
                if not self._waiting or self._running >= self._workers:
                    self._changed.wait()
                elif not self._cpu_free():
                    self._changed.wait(CpuGauge.STEP / 2)
                else:
                    self._start(*self._waiting.popleft())

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Start `fn` now, or line it up, or raise Saturated; the caller keeps the future."""
        future: Future[T] = Future()
        with self._changed:
            self._closed = False
            if not self._waiting and self._running < self._workers and self._cpu_free():
                run_started()
                self._start(fn, future)
                return future
            if len(self._waiting) >= self._queue:
                raise Saturated
            run_started()
            self._waiting.append((fn, future))
            if self._dispatcher is None or not self._dispatcher.is_alive():
                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="hilos-run-dispatch", daemon=True
                )
                self._dispatcher.start()
            self._changed.notify_all()
        return future

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on a worker and wait for it, or raise Saturated at once."""
        return await asyncio.wrap_future(self.submit(fn))

    def shutdown(self) -> None:
        with self._changed:
            self._closed = True
            pool, self._pool = self._pool, None
            waiting, self._waiting = list(self._waiting), deque()
            self._changed.notify_all()
        for _, future in waiting:
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class RunService:
    """Record scenario runs and keep them: each document serialised and compressed once."""

    def __init__(
        self,
        store: RunStore,
        executor: RunExecutor,
        max_seconds: float,
        sandbox: tuple[SandboxLimits, WorkerPool] | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        self.max_seconds = max_seconds
        # HILOS_SANDBOX_SCENARIOS: the built-in scenarios' runs in the sandbox too.
        self.sandbox = sandbox
        self._default_locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        # A claim on recording a default run older than a run can take (waiting for a worker
        # included) was left by a replica that died: another one takes it over.
        self._claim_stale = max_seconds * 4 + 30
        # Analyses in the other language, for runs viewed in a language they were not
        # recorded in: computed once per (run, language), the most recent kept.
        self._analyses: OrderedDict[tuple[str, str], tuple[bytes, str]] = OrderedDict()
        self._analyses_lock = threading.Lock()

    def analysis_body(self, run: StoredRun, lang: str) -> tuple[bytes, str]:
        """The run's analysis with its sentences in `lang` (es or en), as JSON bytes and their
        ETag. A run keeps the analysis of the language it was recorded in; a student who reads
        the site in the other one gets the narration and the notes in theirs. Computed once
        per run and language, serialised once, the most recent kept."""
        key = (run.id, lang)
        with self._analyses_lock:
            cached = self._analyses.get(key)
            if cached is not None:
                self._analyses.move_to_end(key)
                return cached
        document = json.loads(run.document())
        # A run saved before the current analysis format is analysed again from its trace.
        if document.get("lang") == lang and is_current(document.get("analysis")):
            found: dict[str, Any] = document["analysis"]
        else:
            found = analyse(Trace.from_json(document["trace"])).to_json(lang)
        body = json.dumps(found, separators=(",", ":"), ensure_ascii=False).encode()
        answer = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        with self._analyses_lock:
            self._analyses[key] = answer
            while len(self._analyses) > _ANALYSES_KEPT:
                self._analyses.popitem(last=False)
        return answer

    def analysis(self, run: StoredRun, lang: str) -> dict[str, Any]:
        """`analysis_body`, read back (for the offline download)."""
        found: dict[str, Any] = json.loads(self.analysis_body(run, lang)[0])
        return found

    def _run(
        self, scenario: Scenario, lang: str, params: Mapping[str, object], **control: Any
    ) -> Trace:
        """Record `scenario` in `lang` with `params` (and a schedule, for a controlled run)."""
        if self.sandbox is not None:
            limits, pool = self.sandbox
            try:
                return run_program(
                    scenario.source(lang),
                    params,
                    lang,
                    specs=scenario.params,
                    scenario=scenario.id,
                    limits=limits,
                    pool=pool,
                    **control,
                )
            except SandboxError as exc:
                if isinstance(exc, ScenarioError):
                    raise
                raise ScenarioError(exc.message) from None
        return run_source(
            scenario.source(lang),
            params,
            specs=scenario.params,
            scenario=scenario.id,
            lang=lang,
            max_seconds=self.max_seconds,
            **control,
        )

    def _record(
        self, scenario: Scenario, lang: str, params: Mapping[str, object], default: bool
    ) -> StoredRun:
        trace = self._run(scenario, lang, params)
        run_id = new_run_id()
        document = run_document(trace, lang, run_id)
        run = self.store.save(
            json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(),
            run_id=run_id,
            scenario=scenario.id,
            lang=lang,
            params=json.dumps(trace.params, sort_keys=True),
            status=trace.outcome.status,
            default_for=(scenario.id, lang, scenario.version(lang)) if default else None,
        )
        if default:  # the first default saved stays; a replica that took over late gets it
            return self.store.default_run(scenario.id, lang, scenario.version(lang)) or run
        return run

    def _schedule(
        self,
        scenario: Scenario,
        lang: str,
        params: Mapping[str, object],
        choices: list[str],
        pause: bool,
    ) -> bytes:
        trace = self._run(scenario, lang, params, schedule=choices, pause=pause)
        document = run_document(trace, lang)
        document["schedule"] = trace.schedule
        document["goal"] = goal_document(scenario.goal, trace, document["analysis"], lang)
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()

    async def schedule(
        self,
        scenario: Scenario,
        lang: str,
        params: Mapping[str, object],
        choices: list[str],
        pause: bool = True,
    ) -> bytes:
        """Re-run `scenario` under control up to the first decision past `choices`: the run
        document (not stored: the scenario, its values and the choices are its permalink).
        Raises Saturated, or ScenarioError for bad values or choices that do not fit."""
        return await self.executor.run(
            lambda: self._schedule(scenario, lang, params, choices, pause)
        )

    async def record(
        self, scenario: Scenario, lang: str, params: Mapping[str, object]
    ) -> StoredRun:
        """Record a fresh run (raises Saturated, or ScenarioError for bad parameters)."""
        return await self.executor.run(lambda: self._record(scenario, lang, params, False))

    async def default_run(self, scenario: Scenario, lang: str) -> StoredRun:
        """The scenario's run with default parameters, recorded once and then reused: once
        per process (an asyncio lock) and once across the replicas sharing the database (a
        claim in it; the others wait for the run it records)."""
        key = (scenario.id, lang, scenario.version(lang))
        stored = await asyncio.to_thread(self.store.default_run, *key)
        if stored is not None:
            return stored
        async with self._default_locks.setdefault(key, asyncio.Lock()):
            while True:
                stored = await asyncio.to_thread(self.store.default_run, *key)
                if stored is not None:
                    return stored
                if await asyncio.to_thread(self.store.claim_default, key, self._claim_stale):
                    break
                await asyncio.sleep(_CLAIM_POLL)  # another replica is recording it
            try:
                # Shielded: a reader who leaves does not leave the claim behind unfinished.
                return await asyncio.shield(
                    self.executor.run(lambda: self._record(scenario, lang, {}, True))
                )
            except Exception:
                await asyncio.to_thread(self.store.release_default, key)
                raise
