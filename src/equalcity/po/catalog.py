"""PO catalogs: the data model, a strict reader, and the canonical writer.

Why our own reader and writer rather than polib, Babel or translate-toolkit (measured in
``docs/po-layer.md``): none of them writes what GNU gettext writes, which is what Poedit saves,
so any of them would cause diff noise; and the reader is on the hot path of ``update``,
``status`` and ``check``, where a small state machine is several times faster than polib.
Canonical form is defined as *what GNU ``msgcat`` writes*. ``render_canonical`` writes it
natively (``wrap.py``: a port of gettext's wrapping with line-break opportunities derived from
msgcat, differential-tested against it) when every character of a catalog is covered, and
otherwise passes ``format_po``'s plain serialisation through ``msgcat``; so GNU gettext stays a
runtime dependency.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from equalcity.errors import EqualcityError, PoSyntaxError, ToolMissingError
from equalcity.fs import decode_utf8, write_atomic

Key = tuple[str | None, str]


@dataclass
class Message:
    """One PO entry."""

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    auto_comments: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    previous_msgctxt: str | None = None
    previous_msgid: str | None = None
    previous_msgid_plural: str | None = None
    obsolete: bool = False
    line: int = 0  # line of the msgid keyword, 1-based (0 = not read from a file)
    msgstr_line: int = 0  # line of the (first) msgstr keyword

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @fuzzy.setter
    def fuzzy(self, value: bool) -> None:
        if value and "fuzzy" not in self.flags:
            self.flags.insert(0, "fuzzy")
        elif not value:
            self.flags = [flag for flag in self.flags if flag != "fuzzy"]

    @property
    def strings(self) -> list[str]:
        """Every msgstr of the entry (one, or one per plural form)."""
        return self.msgstr_plural if self.msgid_plural is not None else [self.msgstr]

    @property
    def has_translation(self) -> bool:
        """True when any msgstr is non-empty (fuzzy or not): text a translator wrote."""
        return any(self.strings)

    @property
    def translated(self) -> bool:
        """True when every msgstr is filled and the entry is not fuzzy."""
        return all(self.strings) and not self.fuzzy and not self.obsolete


@dataclass
class Catalog:
    """A PO file: its header entry and its messages (obsolete ones included)."""

    header: Message | None = None
    messages: list[Message] = field(default_factory=list)

    @property
    def active(self) -> list[Message]:
        return [m for m in self.messages if not m.obsolete]

    @property
    def obsolete(self) -> list[Message]:
        return [m for m in self.messages if m.obsolete]

    def header_fields(self) -> dict[str, str]:
        """The header's ``Name: value`` lines."""
        return parse_header(self.header.msgstr if self.header else "")

    def index(self) -> dict[Key, Message]:
        return {m.key: m for m in self.messages}


def parse_header(text: str) -> dict[str, str]:
    """Parse a header msgstr into fields.

    >>> parse_header("Language: fr\\nPlural-Forms: nplurals=2; plural=(n > 1);\\n")
    {'Language': 'fr', 'Plural-Forms': 'nplurals=2; plural=(n > 1);'}
    """
    fields: dict[str, str] = {}
    for line in text.split("\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            fields[name.strip()] = value.strip()
    return fields


def format_header(fields: dict[str, str]) -> str:
    """The inverse of ``parse_header``."""
    return "".join(f"{name}: {value}\n" for name, value in fields.items())


# -- reading ---------------------------------------------------------------------------------

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s*(\".*)?$")
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\\"])|([0-7]{1,3})|x([0-9a-fA-F]+))")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPES.update({"\\": "\\", '"': '"'})


def _unescape(literal: str, path: str, line: int) -> str:
    literal = literal.rstrip()
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise PoSyntaxError("string must be in double quotes on one line", path=path, line=line)
    body = literal[1:-1]
    if "\\" not in body:
        if '"' in body:
            raise PoSyntaxError('unescaped " inside a string; write \\"', path=path, line=line)
        return body

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return _ESCAPES[match.group(1)]
        if match.group(2):
            return chr(int(match.group(2), 8))
        return chr(int(match.group(3), 16))

    if re.search(r'(?<!\\)(?:\\\\)*"', body) or re.search(r"(?<!\\)(?:\\\\)*\\$", body):
        raise PoSyntaxError('unescaped " inside a string; write \\"', path=path, line=line)
    bad = re.search(r"\\[^abfnrtv\\\"0-7x]", _ESCAPE.sub("", body))
    if bad:
        raise PoSyntaxError(f"invalid escape sequence {bad.group()!r}", path=path, line=line)
    value = _ESCAPE.sub(replace, body)
    _refuse_control(value, path, line)
    return value


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.catalog = Catalog()
        self.seen: dict[Key, int] = {}
        self._reset()

    def _reset(self) -> None:
        self.entry = Message("")
        self.has_msgid = False
        self.has_msgstr = False
        self.field: str | None = None  # where continuation strings go
        self.plural_index = 0
        self.started = 0

    def error(self, message: str, line: int) -> PoSyntaxError:
        return PoSyntaxError(message, path=self.path, line=line)

    def read(self) -> Catalog:
        lineno = 0
        entry_fields = ("msgid", "msgstr", "msgctxt", "msgid_plural")
        for lineno, raw in enumerate(self.text.split("\n"), start=1):
            line = raw.rstrip("\r")
            # Fast path for the commonest line: a plain continuation string of the current field.
            if (
                line[:1] == '"'
                and line[-1:] == '"'
                and len(line) > 1
                and "\\" not in line
                and '"' not in line[1:-1]
                and self.field in entry_fields
            ):
                setattr(self.entry, self.field, getattr(self.entry, self.field) + line[1:-1])
                continue
            if not line.strip():
                self._finish(lineno)
                continue
            obsolete = False
            if line.startswith("#~"):
                obsolete = True
                line = line[2:]
                if line.startswith("|"):
                    self._previous(line[1:].strip(), lineno, obsolete)
                    continue
                line = line.lstrip(" ")
                if not line.strip():
                    continue
            if line.startswith("#"):
                if line.startswith("#|"):
                    self._previous(line[2:].strip(), lineno, obsolete)
                    continue
                if self.has_msgstr:
                    self._finish(lineno)
                self._comment(line, lineno)
                continue
            self._keyword_or_string(line.strip(), lineno, obsolete)
        self._finish(lineno + 1)
        return self.catalog

    def _comment(self, line: str, lineno: int) -> None:
        if not self.started:
            self.started = lineno
        kind = line[1:2]
        rest = line[2:].strip() if kind in ".:," else line[1:]
        if kind == ".":
            self.entry.auto_comments.append(line[3:] if line[2:3] == " " else line[2:])
        elif kind == ":":
            self.entry.locations.extend(rest.split())
        elif kind == ",":
            self.entry.flags.extend(f.strip() for f in rest.split(",") if f.strip())
        else:
            self.entry.comments.append(rest[1:] if rest.startswith(" ") else rest)

    def _previous(self, line: str, lineno: int, obsolete: bool) -> None:
        if self.has_msgstr:
            self._finish(lineno)
        if not self.started:
            self.started = lineno
        match = _KEYWORD.match(line)
        if line.startswith('"'):
            value = _unescape(line, self.path, lineno)
            if self.field is None or not self.field.startswith("previous_"):
                raise self.error("continuation string without a keyword", lineno)
            setattr(self.entry, self.field, (getattr(self.entry, self.field) or "") + value)
            return
        if not match or match.group(1) not in ("msgctxt", "msgid", "msgid_plural"):
            raise self.error("'#|' must be followed by msgctxt, msgid or msgid_plural", lineno)
        self.field = "previous_" + match.group(1)
        setattr(self.entry, self.field, _unescape(match.group(3) or "", self.path, lineno))

    def _keyword_or_string(self, line: str, lineno: int, obsolete: bool) -> None:
        if line.startswith('"'):
            if self.field is None or self.field.startswith("previous_"):
                raise self.error("string without a keyword before it", lineno)
            value = _unescape(line, self.path, lineno)
            if self.field == "msgstr_plural":
                self.entry.msgstr_plural[-1] += value
            else:
                setattr(self.entry, self.field, (getattr(self.entry, self.field) or "") + value)
            return
        match = _KEYWORD.match(line)
        if not match:
            word = line.split()[0]
            raise self.error(
                f"unexpected {word!r}: expected msgctxt, msgid, msgstr, a comment or a string",
                lineno,
            )
        keyword, index, literal = match.group(1), match.group(2), match.group(3)
        if literal is None:
            raise self.error(f"{keyword} needs a string in double quotes", lineno)
        value = _unescape(literal, self.path, lineno)
        if keyword in ("msgctxt", "msgid") and self.has_msgstr:
            self._finish(lineno)
        if not self.started:
            self.started = lineno
        self.entry.obsolete = self.entry.obsolete or obsolete
        if keyword == "msgctxt":
            if self.has_msgid:
                raise self.error("msgctxt after msgid; msgctxt comes first", lineno)
            self.entry.msgctxt = value
            self.field = "msgctxt"
        elif keyword == "msgid":
            if self.has_msgid:
                raise self.error("msgid without a msgstr before it", lineno - 1)
            self.entry.msgid = value
            self.entry.line = lineno
            self.has_msgid = True
            self.field = "msgid"
        elif keyword == "msgid_plural":
            if not self.has_msgid or self.has_msgstr:
                raise self.error("msgid_plural must follow msgid", lineno)
            self.entry.msgid_plural = value
            self.field = "msgid_plural"
        else:
            if not self.has_msgid:
                raise self.error("msgstr without a msgid before it", lineno)
            if not self.entry.msgstr_line:
                self.entry.msgstr_line = lineno
            if index is None:
                if self.entry.msgid_plural is not None:
                    raise self.error("a plural entry needs msgstr[0], msgstr[1], …", lineno)
                self.entry.msgstr = value
                self.field = "msgstr"
            else:
                if self.entry.msgid_plural is None:
                    raise self.error("msgstr[N] without msgid_plural", lineno)
                if int(index) != len(self.entry.msgstr_plural):
                    raise self.error(
                        f"msgstr[{index}] out of order; expected "
                        f"msgstr[{len(self.entry.msgstr_plural)}]",
                        lineno,
                    )
                self.entry.msgstr_plural.append(value)
                self.field = "msgstr_plural"
            self.has_msgstr = True

    def _finish(self, lineno: int) -> None:
        if not self.started:
            return
        if not self.has_msgid:
            if self.entry.previous_msgid is not None or self.entry.msgctxt is not None:
                raise self.error("entry without msgid", self.started)
            # Comments without an entry (e.g. a trailing comment block): gettext drops them.
            self._reset()
            return
        if not self.has_msgstr:
            raise self.error("msgid without msgstr", self.entry.line)
        entry = self.entry
        if entry.msgid == "" and entry.msgctxt is None and not entry.obsolete:
            if self.catalog.header is not None:
                raise self.error('second header entry (msgid "")', entry.line)
            self.catalog.header = entry
        else:
            if entry.key in self.seen and not entry.obsolete:
                raise self.error(
                    f"duplicate message definition (first defined at line {self.seen[entry.key]})",
                    entry.line,
                )
            if not entry.obsolete:
                self.seen[entry.key] = entry.line
            self.catalog.messages.append(entry)
        self._reset()


# Control characters other than tab and newline: a NUL cuts a translation short in every
# gettext runtime (C strings), the others are invisible in editors and break layouts.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _refuse_control(text: str, path: str, line: int) -> None:
    bad = _CONTROL.search(text)
    if bad:
        raise PoSyntaxError(
            f"control character U+{ord(bad.group()):04X} in the file; remove it "
            "(only tab and newline, written \\t and \\n, may appear in a string)",
            path=path,
            line=line,
        )


def read_po_text(text: str, path: str = "<string>") -> Catalog:
    """Parse PO text; a syntax error raises ``PoSyntaxError`` naming ``path`` and the line."""
    lines = text.replace("\r\n", "\n")
    bad = _CONTROL.search(lines)
    if bad:
        _refuse_control(bad.group(), path, lines.count("\n", 0, bad.start()) + 1)
    return _Reader(text, path).read()


def read_po(path: Path, display: str | None = None) -> Catalog:
    """Read and parse a PO file (UTF-8 only)."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EqualcityError("no such file", path=name) from None
    return read_po_bytes(data, name)


def read_po_bytes(data: bytes, name: str) -> Catalog:
    """Parse the bytes of a PO file named ``name`` in messages (UTF-8 only)."""
    catalog = read_po_text(decode_utf8(data, name), name)
    charset = _charset(catalog)
    if charset and charset.upper() not in ("UTF-8", "UTF8", "CHARSET"):
        line = catalog.header.line if catalog.header else 1
        raise EqualcityError(
            f"charset {charset} is not supported; convert with 'msgconv -t UTF-8'",
            path=name,
            line=line,
        )
    return catalog


def _charset(catalog: Catalog) -> str | None:
    content_type = catalog.header_fields().get("Content-Type", "")
    match = re.search(r"charset=([^\s;]+)", content_type)
    return match.group(1) if match else None


# -- writing ---------------------------------------------------------------------------------

_ESCAPE_OUT = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_ESCAPE_OUT.update({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"})
_NEEDS_ESCAPE = re.compile(r'[\\"\n\t\r\a\b\f\v]')


def _quote(value: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPE_OUT[m.group()], value) + '"'


def _field(keyword: str, value: str, prefix: str = "") -> Iterator[str]:
    """``keyword "value"``, split after each ``\\n`` the way gettext does."""
    parts = value.split("\n")
    pieces = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        pieces.append(parts[-1])
    if len(pieces) <= 1:
        yield f"{prefix}{keyword} {_quote(value)}"
        return
    yield f'{prefix}{keyword} ""'
    for piece in pieces:
        yield prefix + _quote(piece)


def fields(message: Message) -> Iterator[tuple[str, str, str]]:
    """``(keyword, value, line prefix)`` of an entry's strings, in gettext's order."""
    prefix = "#~ " if message.obsolete else ""
    previous = "#~| " if message.obsolete else "#| "
    if message.previous_msgctxt is not None:
        yield "msgctxt", message.previous_msgctxt, previous
    if message.previous_msgid is not None:
        yield "msgid", message.previous_msgid, previous
    if message.previous_msgid_plural is not None:
        yield "msgid_plural", message.previous_msgid_plural, previous
    if message.msgctxt is not None:
        yield "msgctxt", message.msgctxt, prefix
    yield "msgid", message.msgid, prefix
    if message.msgid_plural is not None:
        yield "msgid_plural", message.msgid_plural, prefix
        for index, value in enumerate(message.msgstr_plural):
            yield f"msgstr[{index}]", value, prefix
    else:
        yield "msgstr", message.msgstr, prefix


def _entry_lines(message: Message) -> Iterator[str]:
    for comment in message.comments:
        yield ("# " + comment) if comment else "#"
    if not message.obsolete:
        for comment in message.auto_comments:
            yield ("#. " + comment) if comment else "#."
        if message.locations:
            yield "#: " + " ".join(message.locations)
    if message.flags:
        yield "#, " + ", ".join(message.flags)
    for keyword, value, prefix in fields(message):
        yield from _field(keyword, value, prefix)


def format_po(catalog: Catalog) -> str:
    """Serialise ``catalog`` (unwrapped; ``canonical`` gives gettext's exact layout)."""
    blocks = []
    if catalog.header is not None:
        blocks.append("\n".join(_entry_lines(catalog.header)))
    blocks.extend("\n".join(_entry_lines(m)) for m in catalog.messages if not m.obsolete)
    blocks.extend("\n".join(_entry_lines(m)) for m in catalog.messages if m.obsolete)
    return "\n\n".join(blocks) + "\n"


def msgcat_path() -> str:
    found = shutil.which("msgcat")
    if found is None:
        raise ToolMissingError(
            "GNU gettext's msgcat is not installed; install it (Debian: apt-get install gettext)"
        )
    return found


def canonical(text: str, path: str = "<string>") -> str:
    """``text`` as GNU msgcat writes it: the canonical form of every PO file we write."""
    process = subprocess.run(
        [msgcat_path(), "--force-po", "-o", "-", "-"],
        input=text.encode("utf-8"),
        capture_output=True,
        env={**os.environ, "LC_ALL": "C.UTF-8", "LANGUAGE": ""},
        check=False,
    )
    if process.returncode != 0:
        message = process.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[0] if message else f"exit status {process.returncode}"
        detail = re.sub(r"^msgcat: |^<stdin>:(\d+:)?\s*", "", detail)
        raise EqualcityError(f"msgcat rejected the catalog: {detail}", path=path)
    return process.stdout.decode("utf-8")


def canonical_many(texts: Iterable[tuple[str, str]]) -> list[str]:
    """``canonical`` over ``(text, path)`` pairs, one msgcat process per core at a time."""
    items = list(texts)
    if len(items) <= 1:
        return [canonical(text, path) for text, path in items]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda item: canonical(*item), items))


def render_canonical(items: Iterable[tuple[Catalog, str]]) -> list[str]:
    """Catalogs in GNU gettext's layout: natively where ``wrap`` knows every character,
    through msgcat (in parallel) for the rest."""
    from equalcity.po.wrap import format_native

    pairs = list(items)
    texts: list[str | None] = [format_native(catalog) for catalog, _ in pairs]
    missing = [i for i, text in enumerate(texts) if text is None]
    done = canonical_many((format_po(pairs[i][0]), pairs[i][1]) for i in missing)
    for index, text in zip(missing, done, strict=True):
        texts[index] = text
    return [text for text in texts if text is not None]


def write_po_files(outputs: Iterable[tuple[Path, Catalog, str]]) -> list[Path]:
    """Write catalogs canonically and atomically; returns the paths whose bytes changed.

    Every catalog is serialised and normalised before the first file is touched, so a failure
    leaves every file as it was.
    """
    items = list(outputs)
    texts = render_canonical((catalog, display) for _, catalog, display in items)
    return [
        path for (path, _, _), text in zip(items, texts, strict=True) if write_atomic(path, text)
    ]
