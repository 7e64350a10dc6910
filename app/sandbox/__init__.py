"""Programs from users, run in an operating-system sandbox (docs/architecture.md, "The
sandbox"): one fresh worker process per program, jailed, killed at the time limit, its answer
checked by the server before anything uses it.

The worker (`worker.py`) lives in this package too, and must not pay at every start for what
only the server uses (the schema validator, pydantic, the analysis): the names below load on
first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import (
        LimitExceeded,
        ProgramCrashed,
        ProgramError,
        RunRefused,
        SandboxError,
        SandboxUnavailable,
    )
    from .process import WorkerPool
    from .programs import SandboxLimits, explore_program, run_program

__all__ = [
    "LimitExceeded",
    "ProgramCrashed",
    "ProgramError",
    "RunRefused",
    "SandboxError",
    "SandboxLimits",
    "SandboxUnavailable",
    "WorkerPool",
    "explore_program",
    "run_program",
]
_WHERE = {
    "SandboxLimits": ".programs",
    "WorkerPool": ".process",
    "explore_program": ".programs",
    "run_program": ".programs",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE.get(name, ".errors"), __name__), name)
