"""Programs from users, run in an operating-system sandbox (docs/architecture.md, "The
sandbox"): one fresh worker process per program, jailed, killed at the time limit, its answer
checked by the server before anything uses it."""

from __future__ import annotations

from .errors import (
    LimitExceeded,
    ProgramCrashed,
    ProgramError,
    RunRefused,
    SandboxError,
    SandboxUnavailable,
)
from .programs import SandboxLimits, explore_program, run_program

__all__ = [
    "LimitExceeded",
    "ProgramCrashed",
    "ProgramError",
    "RunRefused",
    "SandboxError",
    "SandboxLimits",
    "SandboxUnavailable",
    "explore_program",
    "run_program",
]
