"""Real threads, recorded: traced `threading`, `queue` and `time` modules and the Recorder."""

from .recorder import Recorder, RunAborted
from .trace import SCHEMA, Event, ObjectInfo, Outcome, ThreadInfo, Trace, TraceFormatError

__all__ = [
    "SCHEMA",
    "Event",
    "ObjectInfo",
    "Outcome",
    "Recorder",
    "RunAborted",
    "ThreadInfo",
    "Trace",
    "TraceFormatError",
]
