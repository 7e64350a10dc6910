"""CPython's own words about a program that does not compile, said in the writer's language.

Python says why it cannot read a program in English ("expected ':'", "unexpected indent"). The
English page shows that as it is; the Spanish page says the common ones in Spanish. A message
not in the table is None here, and the page then quotes Python's English words as a detail.
"""

from __future__ import annotations

import re

__all__ = ["syntax_detail"]

# What a message names ("after 'if' statement", "cannot assign to literal"), in Spanish.
_NAMED = {
    "function definition": "la definición de función",
    "class definition": "la definición de clase",
    "function call": "una llamada a función",
    "literal": "un literal",
    "expression": "una expresión",
    "comparison": "una comparación",
    "conditional expression": "una expresión condicional",
    "lambda": "una lambda",
    "attribute": "un atributo",
    "subscript": "un índice",
    "f-string expression": "una expresión de f-string",
    "True": "True",
    "False": "False",
    "None": "None",
    "__debug__": "__debug__",
    "Ellipsis": "Ellipsis",
}
_STATEMENT = re.compile(r"'(\w+)' statement")

_MEANT = " ¿Querías decir «==» en lugar de «=»?"
_SPANISH: list[tuple[str, str]] = [
    (r"invalid syntax", "sintaxis no válida"),
    (r"invalid syntax\. Perhaps you forgot a comma\?", "sintaxis no válida. ¿Falta una coma?"),
    (
        r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?",
        "sintaxis no válida. ¿Querías decir «==» o «:=» en lugar de «=»?",
    ),
    (r"expected '(?P<q>[^']+)'", "falta «{q}»"),
    (r"expected 'except' or 'finally' block", "falta un bloque «except» o «finally»"),
    (r"expected an indented block", "falta un bloque sangrado"),
    (
        r"expected an indented block after (?P<what>.+) on line (?P<n>\d+)",
        "falta un bloque sangrado después de {what} de la línea {n}",
    ),
    (r"unexpected indent", "sangría inesperada"),
    (
        r"unindent does not match any outer indentation level",
        "la sangría no coincide con la de ningún bloque exterior",
    ),
    (
        r"inconsistent use of tabs and spaces in indentation",
        "la sangría mezcla tabuladores y espacios",
    ),
    (r"'(?P<q>.)' was never closed", "«{q}» no se cierra nunca"),
    (r"unmatched '(?P<q>.)'", "«{q}» cierra algo que no se abrió"),
    (
        r"closing parenthesis '(?P<a>.)' does not match opening parenthesis '(?P<b>.)'",
        "«{a}» no cierra el «{b}» que se abrió",
    ),
    (
        r"closing parenthesis '(?P<a>.)' does not match opening parenthesis '(?P<b>.)' "
        r"on line (?P<n>\d+)",
        "«{a}» no cierra el «{b}» que se abrió en la línea {n}",
    ),
    (
        r"unterminated string literal \(detected at line (?P<n>\d+)\)",
        "una cadena sin cerrar (vista en la línea {n})",
    ),
    (
        r"unterminated triple-quoted string literal \(detected at line (?P<n>\d+)\)",
        "una cadena de comillas triples sin cerrar (vista en la línea {n})",
    ),
    (r"'(?P<q>return|yield|await)' outside function", "«{q}» fuera de una función"),
    (r"'(?P<q>break)' outside loop", "«{q}» fuera de un bucle"),
    (r"'continue' not properly in loop", "«continue» fuera de un bucle"),
    (
        r"cannot assign to (?P<what>.+?) here\. Maybe you meant '==' instead of '='\?",
        "no se puede asignar a {what} aquí." + _MEANT,
    ),
    (r"cannot assign to (?P<what>.+)", "no se puede asignar a {what}"),
    (r"cannot delete (?P<what>.+)", "no se puede borrar {what}"),
    (r"invalid decimal literal", "número no válido"),
    (r"invalid character '(?P<c>.)' \((?P<u>U\+[0-9A-F]+)\)", "carácter no válido «{c}» ({u})"),
    (
        r"invalid non-printable character (?P<u>U\+[0-9A-F]+)",
        "carácter invisible no válido ({u})",
    ),
    (
        r"Missing parentheses in call to '(?P<q>\w+)'\. Did you mean (?P<r>.+)\?",
        "faltan los paréntesis de la llamada a «{q}». ¿Querías decir {r}?",
    ),
    (
        r"positional argument follows keyword argument",
        "un argumento sin nombre después de uno con nombre",
    ),
    (r"keyword argument repeated: (?P<q>\w+)", "el argumento «{q}» se da dos veces"),
    (
        r"duplicate argument '(?P<q>\w+)' in function definition",
        "la función tiene dos parámetros llamados «{q}»",
    ),
    (
        r"leading zeros in decimal integer literals are not permitted; use an 0o prefix for "
        r"octal integers",
        "un número entero no puede empezar por cero; para un octal, usa el prefijo 0o",
    ),
    (
        r"unexpected character after line continuation character",
        "hay algo después de la barra invertida que continúa la línea",
    ),
    (
        r"name '(?P<q>\w+)' is (?:assigned to before|used prior to) global declaration",
        "«{q}» se usa antes de su declaración global",
    ),
    (
        r"name '(?P<q>\w+)' is (?:assigned to before|used prior to) nonlocal declaration",
        "«{q}» se usa antes de su declaración nonlocal",
    ),
    (
        r"nonlocal declaration not allowed at module level",
        "«nonlocal» solo puede ir dentro de una función",
    ),
    (r"Generator expression must be parenthesized", "el generador tiene que ir entre paréntesis"),
    (
        r"expression expected after dictionary key and ':'",
        "falta el valor después de la clave del diccionario y «:»",
    ),
    (r"f-string: expecting '}'", "f-string: falta «}}»"),
    (r"unexpected EOF while parsing", "el programa se acaba a medias"),
    (r"too many statically nested blocks", "demasiados bloques anidados"),
    (r"source code string cannot contain null bytes", "el programa contiene un carácter nulo"),
]
_TABLE = [(re.compile(pattern), words) for pattern, words in _SPANISH]


def _named(what: str) -> str | None:
    statement = _STATEMENT.fullmatch(what)
    if statement:
        return f"la sentencia «{statement.group(1)}»"
    return _NAMED.get(what)


def syntax_detail(message: str, lang: str) -> str | None:
    """Python's `message` about a program it cannot read, in `lang`; None when it is not one
    this table knows (the caller then quotes Python's words)."""
    if lang == "en":
        return message
    for pattern, words in _TABLE:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = found.groupdict()
        if "what" in values:
            named = _named(values["what"])
            if named is None:
                continue
            values["what"] = named
        return words.format(**values)
    return None
