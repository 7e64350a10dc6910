"""What can go wrong with a sandboxed program, as the web layer maps it to an answer.

Every error has a `reason` (a short code the page translates), a `status` (the HTTP status it
deserves) and, where it points at the program, a `line`. Errors in what the user sent are also
`ScenarioError`s, so a caller that already answers those with a 422 keeps doing so.
"""

from __future__ import annotations

from ..runner import ScenarioError

__all__ = [
    "LimitExceeded",
    "ProgramCrashed",
    "ProgramError",
    "RunRefused",
    "SandboxError",
    "SandboxUnavailable",
]


class SandboxError(Exception):
    """A program run in the sandbox did not give a run."""

    status = 422

    def __init__(self, reason: str, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.line = line

    def to_json(self) -> dict[str, object]:
        return {"reason": self.reason, "detail": self.message, "line": self.line}


class ProgramError(SandboxError, ScenarioError):
    """The program cannot be run as sent: reason `syntax`, `import`, `param`, `schedule` or
    `size` (too long, or not text). The reasons are the web layer's problem kinds."""


class LimitExceeded(SandboxError):
    """The program went past a limit and was stopped: reason `timeout`, `memory` or `output`.
    `limit` is the bound it hit, in seconds, MiB or KiB."""

    def __init__(self, reason: str, message: str, *, limit: float) -> None:
        super().__init__(reason, message)
        self.limit = limit

    def to_json(self) -> dict[str, object]:
        return super().to_json() | {"limit": self.limit}


class ProgramCrashed(SandboxError):
    """The program's process ended without a result (a signal, or it exited itself):
    reason `crashed`."""


class RunRefused(SandboxError):
    """The worker's answer failed the server's checks (schema, consistency, the source that
    was sent): reason `refused`. Only a program that took over its own process gets this."""


class SandboxUnavailable(SandboxError):
    """This machine cannot put the sandbox on (no user namespaces, no seccomp): reason
    `unavailable`. Not the program's fault."""

    status = 503
