"""The program's shared variables: the proxies its instrumented code goes through.

`app.instrument` rewrites `counter` as `__hilos_g__.counter`, `self.balance` as
`__hilos_a__[self, "balance"]` and `accounts[i]` as `__hilos_i__[accounts, i, "accounts"]`.
Each proxy performs the access and records it (`read` or `write`, the value) in one step, so
a read always records the value of the last write recorded before it.

These are the pure-Python proxies, the reference. The compiled module has the same three in C
(`_speedups.SharedGlobals`, ...): a Python method call lets the interpreter switch threads on
entry, which would add switch points (and lost updates) the original program does not have,
while a C `tp_getattro` or `mp_subscript` does not. The recorder uses those when it can.

Variables are numbered as they are first touched; `Recorder.finish` keeps those that more than
one thread touched and turns them into objects of kind `Variable`.
"""

from __future__ import annotations

import builtins
import threading as _std
from collections.abc import Hashable
from typing import Any

from .common import Runtime
from .trace import KIND_CODE

__all__ = [
    "ATTRIBUTES",
    "GLOBALS",
    "ITEMS",
    "SCALARS",
    "Variables",
    "proxies",
    "recorded_value",
]

GLOBALS = "__hilos_g__"
ATTRIBUTES = "__hilos_a__"
ITEMS = "__hilos_i__"

READ = KIND_CODE["read"]
WRITE = KIND_CODE["write"]

# Values whose reads are recorded: immutable, so what was read is what the record says.
SCALARS = (int, float, str, bool, type(None), complex, bytes)
_MISSING = object()


def recorded_value(value: Any) -> Any:
    """What a write records: the value itself when immutable, else a marker of its type."""
    if type(value) in SCALARS:
        return value
    return f"<{type(value).__name__}>"


class Variables:
    """The candidates the program touched: a number each, its label, and what holds it.

    The owner of an attribute or the container of an item is kept alive until the run ends,
    so that its `id()` is never taken by a new object mistaken for the same variable.
    """

    def __init__(self) -> None:
        self.table: list[tuple[str, str, Any]] = []  # (scope, label, owner)
        # key -> number; the compiled proxies read it directly (a name, or (id, name/key)).
        self.index: dict[Hashable, int] = {}

    def _number(self, key: Hashable, scope: str, label: str, owner: Any) -> int:
        number = self.index.get(key)
        if number is None:
            number = self.index[key] = len(self.table)
            self.table.append((scope, label, owner))
        return number

    def label(self, number: int) -> str:
        return self.table[number][1]

    def of_global(self, name: str) -> int:
        return self._number(name, "global", name, None)

    def of_attribute(self, owner: Any, name: str) -> int:
        kind = owner if isinstance(owner, type) else type(owner)
        return self._number((id(owner), name), "attribute", f"{kind.__name__}.{name}", owner)

    def of_item(self, container: Any, key: Any, label: str) -> int:
        try:
            return self._number((id(container), key), "item", f"{label}[{key!r}]", container)
        except TypeError:  # an unhashable key: one variable per container
            return self._number((id(container), None), "item", f"{label}[…]", container)


class _Recording:
    """What the three proxies share: the run, its variables, and a lock that makes an access
    and its record one step (Python code may switch threads between any two bytecodes)."""

    def __init__(self, rec: Runtime, variables: Variables) -> None:
        self.rec = rec
        self.variables = variables
        self.lock = _std.RLock()

    def read(self, tid: int, line: int, number: int, value: Any) -> None:
        if type(value) in SCALARS:
            self.rec.append((self.rec.now(), tid, READ, number, line, value))

    def write(self, tid: int, line: int, number: int, value: Any) -> None:
        self.rec.append((self.rec.now(), tid, WRITE, number, line, recorded_value(value)))


class GlobalsProxy:
    """`__hilos_g__.name`: the program's module-level variable `name`."""

    __slots__ = ("_ns", "_on")

    def __init__(self, namespace: dict[str, Any], recording: _Recording) -> None:
        object.__setattr__(self, "_ns", namespace)
        object.__setattr__(self, "_on", recording)

    def __getattribute__(self, name: str) -> Any:
        ns: dict[str, Any] = object.__getattribute__(self, "_ns")
        on: _Recording = object.__getattribute__(self, "_on")
        tid, line = on.rec.begin_access(READ, name)
        with on.lock:
            value = ns.get(name, _MISSING)
            if value is _MISSING:
                value = getattr(builtins, name, _MISSING)
                if value is _MISSING:
                    raise NameError(f"name '{name}' is not defined", name=name)
                return value  # a builtin: not the program's variable
            on.read(tid, line, on.variables.of_global(name), value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        ns: dict[str, Any] = object.__getattribute__(self, "_ns")
        on: _Recording = object.__getattribute__(self, "_on")
        tid, line = on.rec.begin_access(WRITE, name)
        with on.lock:
            on.write(tid, line, on.variables.of_global(name), value)
            ns[name] = value

    def __delattr__(self, name: str) -> None:
        ns: dict[str, Any] = object.__getattribute__(self, "_ns")
        if name not in ns:
            raise NameError(f"name '{name}' is not defined", name=name)
        del ns[name]


class AttributesProxy:
    """`__hilos_a__[obj, "name"]`: the attribute `name` of `obj`."""

    __slots__ = ("_on",)

    def __init__(self, recording: _Recording) -> None:
        self._on = recording

    def __getitem__(self, key: tuple[Any, str]) -> Any:
        owner, name = key
        on = self._on
        number = on.variables.of_attribute(owner, name)
        tid, line = on.rec.begin_access(READ, on.variables.label(number))
        with on.lock:
            value = getattr(owner, name)
            on.read(tid, line, number, value)
        return value

    def __setitem__(self, key: tuple[Any, str], value: Any) -> None:
        owner, name = key
        on = self._on
        number = on.variables.of_attribute(owner, name)
        tid, line = on.rec.begin_access(WRITE, on.variables.label(number))
        with on.lock:
            setattr(owner, name, value)
            on.write(tid, line, number, value)

    def __delitem__(self, key: tuple[Any, str]) -> None:
        delattr(key[0], key[1])


class ItemsProxy:
    """`__hilos_i__[container, key, "label"]`: the item `key` of `container`."""

    __slots__ = ("_on",)

    def __init__(self, recording: _Recording) -> None:
        self._on = recording

    def __getitem__(self, key: tuple[Any, Any, str]) -> Any:
        container, index, label = key
        on = self._on
        number = on.variables.of_item(container, index, label)
        tid, line = on.rec.begin_access(READ, on.variables.label(number))
        with on.lock:
            value = container[index]
            on.read(tid, line, number, value)
        return value

    def __setitem__(self, key: tuple[Any, Any, str], value: Any) -> None:
        container, index, label = key
        on = self._on
        number = on.variables.of_item(container, index, label)
        tid, line = on.rec.begin_access(WRITE, on.variables.label(number))
        with on.lock:
            container[index] = value
            on.write(tid, line, number, value)

    def __delitem__(self, key: tuple[Any, Any, str]) -> None:
        del key[0][key[1]]


def proxies(
    rec: Runtime, namespace: dict[str, Any], variables: Variables, compiled: Any = None
) -> dict[str, Any]:
    """The proxies for a program run in `namespace`, by the names its rewritten code uses.

    `compiled` is the `_speedups` module when the run records through it: its proxies then
    do the work and hand over to the Python ones when they cannot (a gate, a stopping run).
    """
    recording = _Recording(rec, variables)
    python: dict[str, Any] = {
        GLOBALS: GlobalsProxy(namespace, recording),
        ATTRIBUTES: AttributesProxy(recording),
        ITEMS: ItemsProxy(recording),
    }
    if compiled is None:
        return python
    state = rec.fast_state
    return {
        GLOBALS: compiled.SharedGlobals(state, variables, python[GLOBALS], READ, WRITE, namespace),
        ATTRIBUTES: compiled.SharedAttributes(state, variables, python[ATTRIBUTES], READ, WRITE),
        ITEMS: compiled.SharedItems(state, variables, python[ITEMS], READ, WRITE),
    }
