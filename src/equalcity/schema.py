"""Types of configuration values, checked with the line they stand on.

A configuration file read by hand-written code fails late and far from the cause: a string
where a list belongs (``languages = "fr"``) silently becomes the list ``["f", "r"]``. Each
reader declares its fields here and gets one ``path:line: what is wrong`` error instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from equalcity.errors import EqualcityError

#: A field's type: str, int, bool, float, "list[str]", "table" (any mapping), "any".
Kind = Any


@dataclass(frozen=True)
class Field:
    kind: Kind
    required: bool = False


def _type_name(kind: Kind) -> str:
    return {
        str: "text in quotes",
        int: "a whole number",
        bool: "true or false",
        float: "a number",
        "list[str]": 'a list of texts, e.g. ["a", "b"]',
        "table": "a table",
    }.get(kind, str(kind))


def _fits(value: object, kind: Kind) -> bool:
    if kind == "any":
        return True
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "table":
        return isinstance(value, Mapping)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def key_line(text: str, key: str, after: int = 0) -> int | None:
    """The line (1-based) where ``key = …`` is written, at or after line ``after``.

    >>> key_line('[a]\\nx = 1\\n[b]\\nx = 2\\n', "x", after=3)
    4
    """
    pattern = re.compile(rf'^\s*(?:"{re.escape(key)}"|{re.escape(key)})\s*=')
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= after and pattern.match(line):
            return number
    return None


def table_line(text: str, header: str, index: int = 0) -> int | None:
    """The line of the ``index``-th ``[header]`` or ``[[header]]`` of a TOML text."""
    found = [x.number for x in toml_lines(text) if x.header and x.table == header]
    return found[index] if index < len(found) else None


def check_fields(
    data: Mapping[str, Any],
    fields: Mapping[str, Field],
    *,
    text: str,
    display: str,
    what: str,
    start: int = 0,
    extra: bool = False,
) -> None:
    """Refuse a missing required field, a value of the wrong type, or (unless ``extra``) an
    unknown field, naming the file, the line and the table (``what``)."""
    for name, value in data.items():
        spec = fields.get(name)
        line = key_line(text, name, start) or start or None
        if spec is None:
            if extra:
                continue
            known = ", ".join(fields)
            raise EqualcityError(
                f"{what}: unknown field {name!r} (known: {known})", path=display, line=line
            )
        if not _fits(value, spec.kind):
            raise EqualcityError(
                f"{what}: {name} must be {_type_name(spec.kind)}, not {value!r}",
                path=display,
                line=line,
            )
    for name, spec in fields.items():
        if spec.required and name not in data:
            raise EqualcityError(f"{what}: {name} is missing", path=display, line=start or None)


@dataclass(frozen=True)
class TomlLine:
    """Where one line of a TOML text stands: the table it belongs to (dotted, quotes and spaces
    dropped; "" before the first header), whether it is that table's header, and the key it
    assigns (None on a line that continues a value, a comment or a blank line)."""

    number: int
    table: str
    header: bool = False
    key: str | None = None


_HEADER = re.compile(r"^\[\[?(?P<name>[^\[\]]+)\]\]?\s*(?:#.*)?$")


def toml_lines(text: str) -> list[TomlLine]:
    r"""Each line of ``text`` with its table and key, for the line numbers of messages and for
    rewriting one table by hand. A line inside a value over several lines (an array, a
    multi-line string) is never a header or a key, whatever it starts with.

    >>> found = toml_lines("[a]\nk = '''\n[b]\n'''\n[ 'c' ]\nx = 1")
    >>> [(x.table, x.key) for x in found if x.header or x.key]
    [('a', None), ('a', 'k'), ('c', None), ('c', 'x')]
    """
    out: list[TomlLine] = []
    table = ""
    depth = 0  # open [ and { of a value
    string: str | None = None  # the delimiter of a multi-line string still open
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if string is None and depth == 0:
            header = _HEADER.match(stripped)
            if header:
                table = header["name"].replace('"', "").replace("'", "").replace(" ", "")
                out.append(TomlLine(number, table, header=True))
                continue
            if "=" in stripped and not stripped.startswith("#"):
                key = stripped.split("=", 1)[0].strip().strip("\"'")
                out.append(TomlLine(number, table, key=key))
                depth, string = _scan(stripped.split("=", 1)[1], depth, string)
                continue
        else:
            depth, string = _scan(line, depth, string)
        out.append(TomlLine(number, table))
    return out


def _scan(part: str, depth: int, string: str | None) -> tuple[int, str | None]:
    """The brackets still open and the multi-line string still open after ``part``."""
    i = 0
    while i < len(part):
        if string is not None:
            end = part.find(string, i)
            while end > 0 and string == '"""' and _escaped(part, end):
                end = part.find(string, end + 1)
            if end < 0:
                return depth, string
            i, string = end + 3, None
            continue
        char = part[i]
        if part.startswith(('"""', "'''"), i):
            string, i = part[i : i + 3], i + 3
        elif char in "\"'":
            end = i + 1
            while end < len(part) and (part[end] != char or (char == '"' and _escaped(part, end))):
                end += 1
            i = end + 1
        elif char == "#":
            break
        else:
            depth += (char in "[{") - (char in "]}")
            i += 1
    return depth, string


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd number of backslashes."""
    count = 0
    while at - count - 1 >= 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def dotted_table_line(text: str, *names: str) -> int | None:
    """The line of ``[names...]`` (a table header) in a TOML text."""
    wanted = ".".join(names).replace(" ", "")
    return next((x.number for x in toml_lines(text) if x.header and x.table == wanted), None)
