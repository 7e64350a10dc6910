"""Python's parser and compiler, one caller at a time.

CPython 3.11 keeps the recursion depth of its AST conversions (C tree to `ast` objects and
back) in state that every thread of the interpreter shares. Two threads converting at once,
or a finaliser that converts while another thread does, can leave the count unbalanced and
the conversion raises `SystemError: AST constructor recursion depth mismatch` (gh-106905).
The server records many runs at once, so every `ast.parse` and every `compile` of a tree in
Hilos goes through here, behind one lock, and a stray failure (an AST conversion elsewhere in
the process, outside this lock) is tried again rather than reported.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from types import CodeType
from typing import TypeVar

__all__ = ["compile_tree", "parse"]

T = TypeVar("T")

_LOCK = threading.RLock()
_ATTEMPTS = 3
_ast_parse = ast.parse


def _serialised(action: Callable[[], T]) -> T:
    with _LOCK:
        for attempt in range(_ATTEMPTS):
            try:
                return action()
            except SystemError as exc:
                if "recursion depth mismatch" not in str(exc) or attempt == _ATTEMPTS - 1:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(source, filename)`; raises SyntaxError as it does."""
    return _serialised(lambda: _ast_parse(source, filename))


def compile_tree(tree: ast.Module, filename: str) -> CodeType:
    """`compile(tree, filename, "exec")`; raises SyntaxError as it does."""
    return _serialised(lambda: compile(tree, filename, "exec"))
