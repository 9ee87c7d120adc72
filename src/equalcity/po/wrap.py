"""GNU gettext's PO layout, written natively for the characters whose line breaking we know.

gettext wraps strings at 79 columns at UAX #14 line-break opportunities (libunistring). This
module ports gettext's ``wrap()`` (write-po.c) and libunistring's greedy width algorithm, and
takes the break opportunities from a table derived from msgcat itself
(``tools/derive_linebreaks.py`` → ``_linebreaks.py``). It covers ASCII, the typography of the
toolbox's languages and the letters of the Latin, Greek, Cyrillic, Arabic and Ethiopic scripts.
A catalog with any other character (CJK, combining marks, control characters) returns ``None``
and the caller asks msgcat; ``tests/po/test_wrap.py`` compares both on generated strings.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache

from equalcity.po._linebreaks import ALPHABET, PAIRS
from equalcity.po.catalog import Catalog, Message, fields

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


_COMBINING = "\u0300-\u036f\u064b-\u065f"


def _letters() -> str:
    return "".join(
        chr(code)
        for low, high in _LETTER_BLOCKS
        for code in range(low, high + 1)
        if unicodedata.category(chr(code)) in ("Lu", "Ll", "Lo", "Lt") and chr(code) not in _INDEX
    )


_LETTERS = _letters()


def _class_of(ch: str) -> str:
    return ch if ch in _INDEX else "a"


def _word_chars() -> str:
    """Characters between which gettext never breaks directly: letters, digits, and marks."""
    candidates = [ch for ch in ALPHABET if ch.isalnum()] + ["a"]
    word: list[str] = []
    for ch in candidates:
        if all(PAIRS[ch][_INDEX[o]] != "D" and PAIRS[o][_INDEX[ch]] != "D" for o in [*word, ch]):
            word.append(ch)
    return "".join(word)


_WORD = _word_chars()
assert all(PAIRS[a][_INDEX[b]] == "I" for a in _WORD for b in _WORD), "see _opportunities"
_SUPPORTED = re.compile(
    "[" + re.escape(ALPHABET + _LETTERS) + " \n\t\r\a\b\f\v" + _COMBINING + "]*"
)
_MARK_AFTER_SPACE = re.compile("(?:^|[ \n])[" + _COMBINING + "]")
# A word starts with a letter or digit and carries its marks; marks after anything else form
# their own token (attached to the preceding character, LB9).
_TOKEN = re.compile(
    "\\\\.| +|["
    + re.escape(_WORD)
    + re.escape(_LETTERS)
    + "]["
    + re.escape(_WORD)
    + re.escape(_LETTERS)
    + _COMBINING
    + "]*|["
    + _COMBINING
    + "]+|.",
    re.DOTALL,
)
_MARKS = re.compile("[" + _COMBINING + "]")
_ESCAPE_OUT = {"\\": "\\\\", '"': '\\"', **{k: "\\" + v for k, v in _ESCAPES.items()}}
_NEEDS_ESCAPE = re.compile('[\\\\"\a\b\f\n\r\t\v]')


# Characters around which libunistring decides by more context than a pair of characters:
# initial and final quotation marks (UAX #14 LB15a/b) and the dashes (LB17 B2 SP* × B2; seen
# to differ in differential fuzzing). Strings with them are laid out by msgcat.
_CONTEXT_QUOTES = re.compile("[«»‘’‚“”„‹›—–]")


def _check(value: str) -> None:
    if (
        not _SUPPORTED.fullmatch(value)
        or _MARK_AFTER_SPACE.search(value)
        or _CONTEXT_QUOTES.search(value)
    ):
        raise Unsupported(value)


_CLASS = {**{ch: "a" for ch in _LETTERS}, **{ch: ch for ch in ALPHABET}}
_WORD_SET = frozenset(_WORD + _LETTERS)
_MARK_SET = frozenset(chr(c) for c in [*range(0x0300, 0x0370), *range(0x064B, 0x0660)])


_WORD_CLASS = re.escape(_WORD + _LETTERS)
_SPACE_BETWEEN_WORDS = re.compile(f"(?<=[{_WORD_CLASS}]) +(?=[{_WORD_CLASS}])")
_NOT_WORD = re.compile(f"\\\\.|[^ {_WORD_CLASS}]", re.DOTALL)


def _fast_opportunities(escaped: str, final_newline: bool) -> list[int]:
    """The same as ``_opportunities`` for text without combining marks, by regular expressions:
    spaces between words, plus the neighbours of each punctuation character or escape."""
    found = {match.end() for match in _SPACE_BETWEEN_WORDS.finditer(escaped)}
    last_backslash = len(escaped) - 2 if final_newline else -1
    length = len(escaped)
    for match in _NOT_WORD.finditer(escaped):
        start, end = match.span()
        before = start
        while before and escaped[before - 1] == " ":
            before -= 1
        if before and start != last_backslash:
            rule = PAIRS[_CLASS[escaped[before - 1]]][_INDEX[_CLASS[escaped[start]]]]
            if rule == "D" or (rule == "I" and before < start):
                found.add(start)
        after = end
        while after < length and escaped[after] == " ":
            after += 1
        if after < length and escaped[after] in _WORD_SET and after != last_backslash:
            rule = PAIRS[_CLASS[escaped[end - 1]]][_INDEX[_CLASS[escaped[after]]]]
            if rule == "D" or (rule == "I" and after > end):
                found.add(after)
    return sorted(found)


def _opportunities(escaped: str, final_newline: bool) -> list[int]:
    """Where libunistring's pair algorithm allows a line break in the escaped text.

    Letters and digits never break among themselves except after spaces (checked against the
    table when the module loads), so only tokens next to punctuation consult the table.
    """
    out: list[int] = []
    previous: str | None = None
    previous_word = False
    seen_space = False
    position = 0
    last_backslash = len(escaped) - 2 if final_newline else -1
    for token in _TOKEN.findall(escaped):
        first = token[0]
        if first == " ":
            seen_space = True
            position += len(token)
            continue
        if first in _MARK_SET:  # (LB9) a mark after punctuation belongs to it
            position += len(token)
            seen_space = False
            continue
        word = first in _WORD_SET
        if previous is not None and position != last_backslash:
            if word and previous_word:
                if seen_space:
                    out.append(position)
            else:
                rule = PAIRS[previous][_INDEX[_CLASS[first]]]
                if rule == "D" or (rule == "I" and seen_space):
                    out.append(position)
        last = token[-1]
        if last in _MARK_SET:
            last = token.rstrip("".join(_MARK_SET))[-1]
        previous = _CLASS[last]
        previous_word = word
        seen_space = False
        position += len(token)
    return out


def _is_opportunity(text: str, position: int, last_backslash: int) -> bool:
    """May gettext break before text[position]? (Text without combining marks.)"""
    ch = text[position]
    previous = text[position - 1]
    if ch in _WORD_SET and previous in _WORD_SET:
        return False  # inside a word (letters and digits never break without a space)
    if ch == " " or position == last_backslash:
        return False
    run = position
    while run and text[run - 1] == "\\":
        run -= 1
    if (position - run) % 2:
        return False  # the second character of an escape sequence
    before = position
    while before and text[before - 1] == " ":
        before -= 1
    if not before:
        return False
    rule = PAIRS[_CLASS[text[before - 1]]][_INDEX[_CLASS[ch]]]
    return rule == "D" or (rule == "I" and before < position)


def _greedy(text: str, final_newline: bool, width: int, start_column: int) -> list[int]:
    """The same breaks as ``_breaks(…, _opportunities(…))`` for text without combining marks,
    found from each line's end backwards instead of computing every opportunity: a line is the
    longest run of pieces that fits (first fit), or one overflowing piece."""
    length = len(text)
    last_backslash = length - 2 if final_newline else -1
    breaks: list[int] = []
    begin, column = 0, start_column
    while True:
        limit = begin + width - column
        if limit >= length:
            return breaks
        end = limit
        while end > begin and not _is_opportunity(text, end, last_backslash):
            end -= 1
        if end == begin:
            end = max(limit, begin) + 1
            while end < length and not _is_opportunity(text, end, last_backslash):
                end += 1
            if end >= length:
                return breaks
        breaks.append(end)
        begin, column = end, 0


def _columns(escaped: str) -> Sequence[int]:
    """Display column before each character (combining marks take none)."""
    if not _MARKS.search(escaped):
        return range(len(escaped) + 1)
    columns = [0]
    for ch in escaped:
        columns.append(columns[-1] + (0 if ch in _MARK_SET else 1))
    return columns


def _breaks(
    columns: Sequence[int], length: int, opportunities: list[int], width: int, start_column: int
) -> list[int]:
    """libunistring's u8_width_linebreaks: greedy, by display columns."""
    out: list[int] = []
    last: int | None = None
    last_column = start_column
    piece_start = 0
    for position in opportunities:
        piece = columns[position] - columns[piece_start]
        if last is not None and last_column + piece > width:
            out.append(last)
            last_column = 0
        last = position
        last_column += piece
        piece_start = position
    if last is not None and last_column + columns[length] - columns[piece_start] > width:
        out.append(last)
    return out


def _portions(value: str) -> list[str]:
    parts = value.split("\n")
    portions = [part + "\n" for part in parts[:-1]]
    if parts[-1] or not portions:
        portions.append(parts[-1])
    return portions


def wrap(name: str, value: str, prefix: str = "") -> list[str]:
    """The lines gettext writes for ``name "value"`` (``prefix``: "#~ ", "#| "...)."""
    return list(_wrap(name, value, prefix))


@lru_cache(maxsize=65536)
def _wrap(name: str, value: str, prefix: str) -> tuple[str, ...]:
    # Cached: the msgids of a document recur in every language.
    _check(value)
    after_break = len(prefix) + 1
    width = PAGE_WIDTH - 1 - after_break
    first_start = len(prefix) + len(name) + 1 + 1 - after_break
    if "\n" not in value[:-1]:
        escaped = _NEEDS_ESCAPE.sub(lambda m: _ESCAPE_OUT[m.group()], value)
        if len(escaped) + first_start <= width:
            return (f'{prefix}{name} "{escaped}"',)
    lines: list[str] = []
    first_line = True
    portions = _portions(value)
    for number, portion in enumerate(portions):
        escaped = _NEEDS_ESCAPE.sub(lambda m: _ESCAPE_OUT[m.group()], portion)
        final_newline = portion.endswith("\n")
        if not _MARKS.search(escaped):
            later = len(prefix) + 1 - after_break
            breaks = _greedy(escaped, final_newline, width, first_start if first_line else later)
            if (
                first_line
                and escaped
                and (number < len(portions) - 1 or first_start > width or breaks)
            ):
                lines.append(f'{prefix}{name} ""')
                first_line = False
                breaks = _greedy(escaped, final_newline, width, later)
            head = f'{prefix}{name} "' if first_line else f'{prefix}"'
            lines += _pieces(escaped, breaks, head, prefix)
            first_line = False
            continue
        if _MARKS.search(escaped):
            opportunities = _opportunities(escaped, final_newline)
        else:
            opportunities = _fast_opportunities(escaped, final_newline)
        columns = _columns(escaped)
        if first_line and escaped:
            # Any opportunity plus an overflow means gettext breaks somewhere: then it starts
            # with an empty first line (and so does a string of several portions).
            overflow = columns[len(escaped)] + first_start > width
            if number < len(portions) - 1 or first_start > width or (opportunities and overflow):
                lines.append(f'{prefix}{name} ""')
                first_line = False
        start = first_start if first_line else len(prefix) + 1 - after_break
        breaks = _breaks(columns, len(escaped), opportunities, width, start)
        head = f'{prefix}{name} "' if first_line else f'{prefix}"'
        lines += _pieces(escaped, breaks, head, prefix)
        first_line = False
    return tuple(lines)


def _pieces(escaped: str, breaks: list[int], head: str, prefix: str) -> list[str]:
    """The quoted lines of one portion cut at ``breaks``: the first after ``head``, the others
    after ``prefix``."""
    cuts = [0, *breaks, len(escaped)]
    pieces = [escaped[a:b] for a, b in itertools.pairwise(cuts)]
    return [head + pieces[0] + '"', *(f'{prefix}"{piece}"' for piece in pieces[1:])]


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
    for keyword, value, prefix in fields(message):
        yield from wrap(keyword, value, prefix)


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
