"""CPython's words about a program it cannot read, said in Spanish: the common messages, taken
from this interpreter itself, so that a changed wording in a new Python shows up here."""

from __future__ import annotations

import ast

import pytest

from app.web.python_words import syntax_detail

# Programs that cannot be read, each with a common mistake of someone learning.
COMMON = [
    "if True\n    pass\n",
    "a b\n",
    "f(a b)\n",
    "if x = 1:\n    pass\n",
    "def f():\nreturn 1\n",
    "class A:\nx = 1\n",
    "for i in range(3):\nprint(i)\n",
    "while True:\nx = 1\n",
    "if x:\npass\n",
    "if x:\n    a\nelse:\nb\n",
    "try:\nx\n",
    "try:\n    x\ny\n",
    "with a:\nx\n",
    "  x = 1\n",
    "if x:\n    a\n  b\n",
    "if x:\n\ta\n        b\n",
    "x = (1,\n",
    "x = 1)\n",
    "x = [1)\n",
    "x = [1,\n2)\n",
    "x = 'abc\n",
    'x = """abc\n',
    "return 1\n",
    "break\n",
    "continue\n",
    "yield 1\n",
    "f() = 1\n",
    "1 = x\n",
    "True = 1\n",
    "del f()\n",
    "x = 1a\n",
    "x = 1 $ 2\n",
    "x = \u00a01\n",
    "print 'hola'\n",
    "f(a=1, 2)\n",
    "f(x=1, x=2)\n",
    "def f(x, x):\n    pass\n",
    "x = 01\n",
    "x = a \\ b\n",
    "def f():\n    x = 1\n    global x\n",
    "nonlocal x\n",
    "f(x for x in y, 1)\n",
    "x = {1: }\n",
    "print(f'{')\n",
]


def python_says(source: str) -> str:
    try:
        compile(ast.parse(source), "<program>", "exec")
    except SyntaxError as exc:
        return str(exc.msg)
    raise AssertionError(f"{source!r} compiles")


@pytest.mark.parametrize("source", COMMON)
def test_the_common_messages_are_said_in_spanish(source: str) -> None:
    message = python_says(source)
    spanish = syntax_detail(message, "es")
    assert spanish is not None, message
    assert spanish != message


def test_english_is_pythons_own_and_an_unknown_message_is_none() -> None:
    assert syntax_detail("invalid syntax", "en") == "invalid syntax"
    assert syntax_detail("something Python may say one day", "es") is None
    # A known shape naming something the table does not know is not half translated.
    assert syntax_detail("cannot assign to set display", "es") is None
    assert syntax_detail("expected an indented block after 'match' statement on line 3", "es") == (
        "falta un bloque sangrado después de la sentencia «match» de la línea 3"
    )
