"""Name a synchronisation object after the code that created it (`lock_1`, `MiThread.lock`)."""

from __future__ import annotations

import ast
import linecache
from functools import lru_cache
from types import FrameType

from ..syntax import parse

__all__ = ["label_from_frame"]

_COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})


def _creates(value: ast.expr, kind: str) -> bool:
    """Whether `value` is itself the call that made the object (not a call it is passed to)."""
    if isinstance(value, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        value = value.elt
    if isinstance(value, ast.IfExp):  # `lock = RLock() if reentrant else Lock()`
        return _creates(value.body, kind) or _creates(value.orelse, kind)
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name == kind:
        return True
    nested = [node for node in ast.walk(value) if isinstance(node, ast.Call)]
    return len(nested) == 1  # an alias (`from threading import Lock as L`), no inner call


@lru_cache(maxsize=1024)
def _parsed_line(line: str) -> ast.Module | None:
    # Runs of one program name their objects from the same few lines: parse each once.
    try:
        return parse(line)
    except SyntaxError:
        return None


def _targets(line: str, kind: str) -> list[ast.expr] | None:
    """Return the assignment targets of a one-line statement, flattened over tuples."""
    tree = _parsed_line(line.strip())
    if tree is None:
        return None
    if len(tree.body) != 1:
        return None
    stmt = tree.body[0]
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
        if len(target.elts) != len(value.elts):
            return None
        return [
            t if _creates(v, kind) else ast.Name("")
            for t, v in zip(target.elts, value.elts, strict=True)
        ]
    if not _creates(value, kind):
        return None
    return [target]


def _owner_class(frame: FrameType) -> str | None:
    """Return the class a method frame belongs to, from its qualified name."""
    parts = frame.f_code.co_qualname.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":
        return parts[-2]
    return None


def label_from_frame(
    frame: FrameType, source_lines: list[str] | None, ordinal: int, kind: str
) -> tuple[str | None, bool]:
    """Return (label, indexed) for an object created in `frame`, or (None, False).

    `ordinal` counts objects already created at this line by this statement; it picks
    the element of a tuple assignment or becomes the index of a comprehension.
    """
    comprehension = frame.f_code.co_name in _COMPREHENSIONS
    scope = frame.f_back if comprehension and frame.f_back is not None else frame
    lineno = frame.f_lineno
    if source_lines is not None:
        line = source_lines[lineno - 1] if 0 < lineno <= len(source_lines) else ""
    else:
        line = linecache.getline(frame.f_code.co_filename, lineno)
    targets = _targets(line, kind) if line else None
    if not targets:
        return None, False
    if comprehension:
        target = targets[0]
    elif len(targets) > 1:
        if ordinal >= len(targets):
            return None, False
        target = targets[ordinal]
    else:
        target = targets[0]
    text = ast.unparse(target)
    if not text:
        return None, False
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        if target.value.id in ("self", "cls"):
            owner = _owner_class(scope)
            if owner is not None:
                text = f"{owner}.{target.attr}"
    elif isinstance(target, ast.Name):
        f_locals = scope.f_locals
        if "__module__" in f_locals and "__qualname__" in f_locals:
            text = f"{f_locals['__qualname__']}.{text}"
    if comprehension:
        return f"{text}[{ordinal}]", True
    return text, False
