"""Build the traced `threading`, `queue` and `time` modules bound to one Runtime."""

from __future__ import annotations

import math
import queue as _std_queue
import threading as _std
import time as _std_time
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import primitives, queues, threads
from .common import RunAborted, Runtime, Waiting
from .output import report_thread_exception
from .trace import KIND_CODE as K

__all__ = ["build_modules"]


def _bind(base: type, name: str, rec: Runtime, module: str) -> type:
    """A subclass of `base` that records into `rec`, named as the standard class is."""
    namespace: dict[str, Any] = {"_rec": rec, "__module__": module, "__qualname__": name}
    if "__slots__" in base.__dict__:
        namespace["__slots__"] = ()
    return type(name, (base,), namespace)


def _copy_public(source: ModuleType, name: str) -> ModuleType:
    module = ModuleType(name, source.__doc__)
    for key, value in vars(source).items():
        if not key.startswith("_") or key in ("__excepthook__",):
            setattr(module, key, value)
    return module


def _one_argument(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The single positional argument of builtin `name`, or the TypeError the builtin raises."""
    if kwargs:
        raise TypeError(f"{name}() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"{name}() takes exactly one argument ({len(args)} given)")
    return args[0]


def _module_functions(module: ModuleType, functions: dict[str, Callable[..., Any]]) -> None:
    """Put `functions` in `module`, each named as a module-level function is named."""
    for name, function in functions.items():
        function.__qualname__ = function.__name__
        setattr(module, name, function)


def _lock_class(rec: Runtime) -> type:
    """The compiled fast path when this Runtime uses it, else the Python reference."""
    if rec.fast_state is not None and primitives.FastTracedLock is not None:
        return primitives.FastTracedLock
    return primitives.TracedLock


def _threading(rec: Runtime) -> ModuleType:
    module = _copy_public(_std, "threading")
    for name, base in (
        ("Lock", _lock_class(rec)),
        ("RLock", primitives.TracedRLock),
        ("Condition", primitives.TracedCondition),
        ("Semaphore", primitives.TracedSemaphore),
        ("Event", primitives.TracedEvent),
        ("Barrier", primitives.TracedBarrier),
        ("Thread", threads.TracedThread),
    ):
        setattr(module, name, _bind(base, name, rec, "threading"))
    namespace = vars(module)
    namespace["BoundedSemaphore"] = type(
        "BoundedSemaphore",
        (primitives.TracedBoundedSemaphore, namespace["Semaphore"]),
        {"_rec": rec, "__module__": "threading", "__qualname__": "BoundedSemaphore"},
    )
    namespace["Thread"]._hilos_stands_for_std = True
    timer = type(
        "Timer",
        (threads.TracedTimer, vars(module)["Thread"]),
        {"_rec": rec, "__module__": "threading", "__qualname__": "Timer"},
    )
    vars(module)["Timer"] = timer

    def current_thread() -> _std.Thread:
        """Return the Thread object of the caller."""
        return _std.current_thread()

    def main_thread() -> _std.Thread:
        """Return the main thread: the one that runs the program's top-level code."""
        return rec.main if rec.main is not None else _std.main_thread()

    def enumerate() -> list[_std.Thread]:
        """Return every thread of this program that is alive."""
        rec.tid()
        return rec.live_threads()

    def active_count() -> int:
        """Return how many threads of this program are alive."""
        return len(enumerate())

    def currentThread() -> _std.Thread:
        """Return the Thread object of the caller (deprecated: use current_thread)."""
        warnings.warn(
            "currentThread() is deprecated, use current_thread() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return current_thread()

    def activeCount() -> int:
        """Return how many threads of this program are alive (deprecated: use active_count)."""
        warnings.warn(
            "activeCount() is deprecated, use active_count() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return active_count()

    def excepthook(*args: Any, **kwargs: Any) -> None:
        """Handle an uncaught exception of Thread.run(): report it on stderr, when echoing.

        The report is CPython's, with only the program's frames in the traceback.
        """
        hook_args = _one_argument("_thread._excepthook", args, kwargs)
        if hook_args.exc_type is SystemExit:
            return
        if rec.echo:
            report_thread_exception(hook_args)

    _module_functions(
        module,
        {
            "current_thread": current_thread,
            "main_thread": main_thread,
            "enumerate": enumerate,
            "active_count": active_count,
            "currentThread": currentThread,
            "activeCount": activeCount,
            "excepthook": excepthook,
            "__excepthook__": excepthook,
        },
    )
    return module


def _queue(rec: Runtime) -> ModuleType:
    module = _copy_public(_std_queue, "queue")
    queue_cls = _bind(queues.TracedQueue, "Queue", rec, "queue")
    vars(module)["Queue"] = queue_cls
    for name, base in (
        ("LifoQueue", queues.TracedLifoQueue),
        ("PriorityQueue", queues.TracedPriorityQueue),
    ):
        setattr(
            module,
            name,
            type(
                name, (base, queue_cls), {"_rec": rec, "__module__": "queue", "__qualname__": name}
            ),
        )
    vars(module)["SimpleQueue"] = _bind(queues.TracedSimpleQueue, "SimpleQueue", rec, "queue")
    return module


def _time(rec: Runtime) -> ModuleType:
    module = _copy_public(_std_time, "time")
    real_sleep = _std_time.sleep
    sleep_request, sleep_done = K["sleep_request"], K["sleep_done"]

    def sleep(*args: float, **kwargs: Any) -> None:
        """Suspend the calling thread for `secs` seconds: sleep(secs)."""
        secs = _one_argument("time.sleep", args, kwargs)
        tid, line = rec.begin(sleep_request, 0)
        if not isinstance(secs, int | float) or not 0 <= secs < math.inf:
            # Not a plain finite duration: let the real sleep raise its own error (and
            # sleep, untraced, for the rare numeric types it accepts).
            real_sleep(secs)
            return
        rec.append((rec.now(), tid, sleep_request, 0, line, secs))
        if secs > 0:
            # Woken early only by the end of the run.
            rec.block(tid, Waiting("sleep", 0, line, True), rec.abort_event.wait, secs)
            if rec.aborted is not None:
                rec.append((rec.now(), tid, K["aborted"], 0, line, None))
                raise RunAborted(rec.aborted)
        else:
            real_sleep(0)  # still lets other threads run, as the real sleep(0) does
        rec.append((rec.now(), tid, sleep_done, 0, line, None))

    _module_functions(module, {"sleep": sleep})
    return module


def build_modules(rec: Runtime) -> dict[str, ModuleType]:
    return {"threading": _threading(rec), "queue": _queue(rec), "time": _time(rec)}
