"""GNU gettext's PO layout, written natively for the characters whose line breaking we know.

gettext wraps strings at 79 columns at UAX #14 line-break opportunities (libunistring). This
module ports gettext's ``wrap()`` (write-po.c) and libunistring's greedy width algorithm, and
takes the break opportunities from a table derived from msgcat itself
(``tools/derive_linebreaks.py`` → ``_linebreaks.py``). It covers ASCII, the typography of the
toolbox's languages and the letters of the Latin, Greek, Cyrillic, Arabic and Ethiopic scripts.
A catalog with any other character (CJK, combining marks, control characters) returns ``None``
and the caller asks msgcat; ``tests/test_wrap.py`` compares both on generated strings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from ._linebreaks import ALPHABET, PAIRS
from .catalog import Catalog, Message

PAGE_WIDTH = 79
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_ESCAPES = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v"}
_LETTER_BLOCKS = (
    (0x00C0, 0x024F),  # Latin-1 letters, Latin Extended-A and -B
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic
    (0x0620, 0x06D3),  # Arabic letters (marks and digits are excluded by category)
    (0x06FA, 0x06FF),
    (0x1200, 0x135A),  # Ethiopic syllables
)
# Flags gettext writes back (it drops unknown ones); anything else goes through msgcat.
_KNOWN_FLAGS = frozenset({"fuzzy", "no-wrap", "wrap"})


class Unsupported(Exception):
    """A character or construct this module does not lay out; use msgcat."""


@lru_cache(maxsize=4096)
def _class(ch: str) -> str:
    """The table row/column standing for ``ch``: itself, 'a' for a letter, or Unsupported."""
    if ch in _INDEX:
        return ch
    code = ord(ch)
    if unicodedata.category(ch) in ("Lu", "Ll", "Lo", "Lt") and any(
        low <= code <= high for low, high in _LETTER_BLOCKS
    ):
        return "a"
    raise Unsupported(ch)


def _escape(portion: str) -> tuple[list[str], list[bool]]:
    """The escaped characters of a portion, and where gettext forbids a break.

    gettext lets a line break before an escape sequence (by the backslash's own class) but
    never inside one.
    """
    chars: list[str] = []
    escaped: list[bool] = []
    for ch in portion:
        if ch in _ESCAPES:
            chars += ["\\", _ESCAPES[ch]]
            escaped += [False, True]
        elif ch in '\\"':
            chars += ["\\", ch]
            escaped += [False, True]
        elif ch == " ":
            chars.append(ch)
            escaped.append(False)
        else:
            if not _combining(ch):
                _class(ch)
            elif not 0x0300 <= ord(ch) <= 0x036F and not 0x064B <= ord(ch) <= 0x065F:
                raise Unsupported(ch)
            chars.append(ch)
            escaped.append(False)
    return chars, escaped


def _combining(ch: str) -> bool:
    return unicodedata.category(ch) == "Mn"


def _opportunities(chars: list[str], escaped: list[bool]) -> list[bool]:
    """libunistring's pair algorithm: may a line break before chars[i]?"""
    out = [False] * len(chars)
    previous: str | None = None
    seen_space = False
    for i, ch in enumerate(chars):
        if ch == " ":
            seen_space = True
            continue
        if _combining(ch):
            # (LB9) a combining mark belongs to its base: no break, the base's class stays.
            if previous is None or seen_space:
                raise Unsupported(ch)  # (LB10) a mark after a space: not laid out natively
            continue
        cls = _class(ch)
        if previous is not None and not escaped[i]:
            rule = PAIRS[previous][_INDEX[cls]]
            out[i] = rule == "D" or (rule == "I" and seen_space)
        previous = cls
        seen_space = False
    return out


def _breaks(possible: list[bool], widths: list[int], width: int, start_column: int) -> list[bool]:
    """libunistring's u8_width_linebreaks: greedy, by display columns."""
    out = [False] * len(possible)
    last: int | None = None
    last_column = start_column
    piece = 0
    for i, can in enumerate(possible):
        if can:
            if last is not None and last_column + piece > width:
                out[last] = True
                last_column = 0
            last = i
            last_column += piece
            piece = 0
        piece += widths[i]
    if last is not None and last_column + piece > width:
        out[last] = True
    return out


def _portions(value: str) -> list[str]:
    parts = value.split("\n")
    portions = [part + "\n" for part in parts[:-1]]
    if parts[-1] or not portions:
        portions.append(parts[-1])
    return portions


def wrap(name: str, value: str, prefix: str = "") -> list[str]:
    """The lines gettext writes for ``name "value"`` (``prefix``: "#~ ", "#| "...)."""
    lines: list[str] = []
    first_line = True
    portions = _portions(value)
    after_break = len(prefix) + 1
    width = PAGE_WIDTH - 1 - after_break
    for number, portion in enumerate(portions):
        chars, escaped = _escape(portion)
        if portion.endswith("\n"):
            escaped[-2] = True
        possible = _opportunities(chars, escaped)
        widths = [0 if _combining(ch) else 1 for ch in chars]
        more = number < len(portions) - 1
        start = len(prefix) + (len(name) + 1 if first_line else 0) + 1 - after_break
        breaks = _breaks(possible, widths, width, start)
        if first_line and chars and (more or start > width or any(breaks)):
            lines.append(f'{prefix}{name} ""')
            first_line = False
            start = len(prefix) + 1 - after_break
            breaks = _breaks(possible, widths, width, start)
        line = f'{prefix}{name} "' if first_line else f'{prefix}"'
        for ch, brk in zip(chars, breaks, strict=True):
            if brk:
                lines.append(line + '"')
                line = f'{prefix}"'
            line += ch
        lines.append(line + '"')
        first_line = False
    return lines


def _references(locations: list[str]) -> Iterator[str]:
    line = "#:"
    column = 2
    for location in locations:
        length = len(location) + 1
        if column > 2 and column + length > PAGE_WIDTH:
            yield line
            line, column = "#:", 2
        line += " " + location
        column += length
    yield line


def _entry(message: Message) -> Iterator[str]:
    for comment in message.comments:
        yield "#" + (" " + comment if comment else "")
    for comment in message.auto_comments:
        yield "#." + (" " + comment if comment else "")
    if message.locations:
        if any(" " in location or not location for location in message.locations):
            raise Unsupported("reference with a space")
        yield from _references(message.locations)
    flags = message.flags
    if "fuzzy" in flags and not message.has_translation:
        flags = [f for f in flags if f != "fuzzy"]  # gettext drops fuzzy on untranslated entries
    if flags:
        if not set(flags) <= _KNOWN_FLAGS or (flags[0] != "fuzzy" and "fuzzy" in flags):
            raise Unsupported("flags")
        yield "#, " + ", ".join(flags)
    prefix = "#~ " if message.obsolete else ""
    previous = "#~| " if message.obsolete else "#| "
    if message.previous_msgctxt is not None:
        yield from wrap("msgctxt", message.previous_msgctxt, previous)
    if message.previous_msgid is not None:
        yield from wrap("msgid", message.previous_msgid, previous)
    if message.previous_msgid_plural is not None:
        yield from wrap("msgid_plural", message.previous_msgid_plural, previous)
    if message.msgctxt is not None:
        yield from wrap("msgctxt", message.msgctxt, prefix)
    yield from wrap("msgid", message.msgid, prefix)
    if message.msgid_plural is not None:
        yield from wrap("msgid_plural", message.msgid_plural, prefix)
        for index, value in enumerate(message.msgstr_plural):
            yield from wrap(f"msgstr[{index}]", value, prefix)
    else:
        yield from wrap("msgstr", message.msgstr, prefix)


def format_native(catalog: Catalog) -> str | None:
    """``catalog`` exactly as GNU msgcat writes it, or None if it needs msgcat."""
    entries = []
    if catalog.header is not None:
        entries.append(catalog.header)
    entries += [m for m in catalog.messages if not m.obsolete]
    # msgcat drops obsolete entries that carry no translation.
    entries += [m for m in catalog.messages if m.obsolete and m.has_translation]
    try:
        return "\n\n".join("\n".join(_entry(m)) for m in entries) + "\n" if entries else None
    except Unsupported:
        return None
