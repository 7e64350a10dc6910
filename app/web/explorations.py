"""Explorations of a scenario's interleavings, for the site: started, watched, kept.

An exploration is deterministic (the same scenario version, language, values and limits give
the same result), so it is kept under a content address and served like a saved run: an id
that is a permalink, an ETag, immutable caching. A search longer than a moment runs on the
live-run executor (so it is bounded like live runs) while the page polls its progress.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from ..explore import Exploration, explore
from ..scenarios import Scenario
from ..store import RunStore, StoredRun
from .runs import RunExecutor

__all__ = ["ExplorationService", "Limits", "Running"]


@dataclass(frozen=True)
class Limits:
    preemptions: int = 2
    max_schedules: int = 1_000
    max_seconds: float = 30.0


@dataclass
class Running:
    """An exploration under way: how far it got."""

    id: str
    future: Future[StoredRun]
    progress: dict[str, int] = field(default_factory=lambda: {"runs": 0, "schedules": 0})

    def to_json(self, limits: Limits) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": "running",
            "progress": dict(self.progress),
            "max_schedules": limits.max_schedules,
            "url": f"/api/explorations/{self.id}",
        }


class ExplorationService:
    """Start explorations, report their progress, keep their results."""

    def __init__(self, store: RunStore, executor: RunExecutor) -> None:
        self.store = store
        self.executor = executor
        self._running: dict[str, tuple[Running, Limits]] = {}
        # Searches that failed (a bug, memory): said once to whoever asks, then forgotten, so
        # asking again starts afresh.
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def address(scenario: Scenario, lang: str, params: Mapping[str, object], limits: Limits) -> str:
        """The content address of an exploration: what determines its result."""
        key = json.dumps(
            [scenario.id, scenario.version(lang), lang, dict(params), limits.__dict__],
            sort_keys=True,
            default=str,
        )
        return "x" + hashlib.sha256(key.encode()).hexdigest()[:15]

    def start(
        self, scenario: Scenario, lang: str, params: Mapping[str, object], limits: Limits
    ) -> StoredRun | tuple[Running, Limits]:
        """The kept result, or the search under way (started now if need be). Raises
        Saturated when the executor is full, ScenarioError for bad values (checked first)."""
        from ..runner import apply_parameters

        apply_parameters(scenario.source(lang), params, scenario.params)  # bad values: 422
        # Those not given are the scenario's values for exploring (`[explore]`), all written
        # down: the same search has one address, and its result says what it ran with.
        given = {name: scenario.params[name].coerce(value) for name, value in params.items()}
        values = scenario.explore_values() | given

        def search(progress: Callable[[int, int], None]) -> Exploration:
            return explore(
                scenario.source(lang),
                values,
                specs=scenario.params,
                scenario=scenario.id,
                lang=lang,
                preemptions=limits.preemptions,
                max_schedules=limits.max_schedules,
                max_seconds=limits.max_seconds,
                progress=progress,
            )

        facts = {"scenario": scenario.id, "lang": lang, "params": values}
        return self._start(self.address(scenario, lang, values, limits), limits, search, facts)

    def start_program(
        self,
        program_id: str,
        params: Mapping[str, object],
        lang: str,
        limits: Limits,
        search: Callable[[Callable[[int, int], None]], Exploration],
    ) -> StoredRun | tuple[Running, Limits]:
        """As `start`, for a program someone wrote (already checked), whose whole search
        `search(progress)` makes (in the sandbox). Kept under the program's id, the language
        and the limits."""
        key = json.dumps(["program", program_id, lang, limits.__dict__], sort_keys=True)
        address = "x" + hashlib.sha256(key.encode()).hexdigest()[:15]
        facts = {"program": program_id, "lang": lang, "params": dict(params)}
        return self._start(address, limits, search, facts)

    def _start(
        self,
        exploration_id: str,
        limits: Limits,
        search: Callable[[Callable[[int, int], None]], Exploration],
        facts: dict[str, Any],
    ) -> StoredRun | tuple[Running, Limits]:
        stored = self.store.get_exploration(exploration_id)
        if stored is not None:
            return stored
        with self._lock:
            running = self._running.get(exploration_id)
            if running is not None:
                return running
            job = Running(exploration_id, Future())
            job.future = self.executor.submit(lambda: self._explore(job, limits, search, facts))
            self._running[exploration_id] = (job, limits)
            return job, limits

    def find(self, exploration_id: str) -> StoredRun | tuple[Running, Limits] | str | None:
        """The kept result, the search under way, why it failed (a message), or None."""
        stored = self.store.get_exploration(exploration_id)
        if stored is not None:
            return stored
        with self._lock:
            running = self._running.get(exploration_id)
            if running is not None:
                return running
            return self._failed.pop(exploration_id, None)

    def _explore(
        self,
        job: Running,
        limits: Limits,
        search: Callable[[Callable[[int, int], None]], Exploration],
        facts: dict[str, Any],
    ) -> StoredRun:
        def progress(runs: int, schedules: int) -> None:
            job.progress.update(runs=runs, schedules=schedules)

        try:
            result = search(progress)
            document = {
                "id": job.id,
                "status": "done",
                **facts,
                "limits": limits.__dict__,
                **result.to_json(),
            }
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
            return self.store.save_exploration(job.id, body.encode())
        except Exception as exc:
            with self._lock:
                self._failed[job.id] = f"the search failed: {type(exc).__name__}: {exc}"
            raise
        finally:
            with self._lock:
                self._running.pop(job.id, None)
