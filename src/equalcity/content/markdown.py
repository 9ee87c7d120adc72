"""Markdown ⇄ segments: what translators see, and the document rebuilt from their work.

``extract(text)`` cuts a CommonMark/GFM document into translatable segments (one per heading,
paragraph, list-item paragraph, table cell, blockquote paragraph, lone image's alt text and
front-matter ``title``/``summary``). ``render(text, translate)`` rebuilds the document by
*splicing*: the source bytes stay, only the inline text of translated segments is replaced, and
every container prefix (``>``, list markers, indentation, table pipes) is kept. A segment whose
translation is ``None`` or equal to its msgid keeps its source bytes, so an identity translation
reproduces the document byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from equalcity.errors import MarkdownError

Translate = Callable[[str], "str | None"]

KINDS = (
    "title",
    "summary",
    "heading",
    "paragraph",
    "list item",
    "blockquote",
    "footnote",
    "table header",
    "table cell",
    "image alt",
)

#: A source marker line, ``<!-- equalcity: testimony risk-high -->``.
MARKER = re.compile(r"^\s*<!--\s*equalcity:\s*(?P<flags>[\w\s-]*?)\s*-->\s*$")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_FRONT_MATTER_OPEN = re.compile(r"^---[ \t]*(?:\r\n|\r|\n)")
_CONTAINER_MARK = re.compile(r"[ \t]*(?:>|[-+*]|\d{1,9}[.)])[ \t]*")
_FRONT_MATTER_KEYS = ("title", "summary")


@dataclass(frozen=True)
class Segment:
    """One translatable string of a document."""

    msgid: str
    line: int  # 1-based line of the block's first line
    kind: str  # one of KINDS
    section: tuple[str, ...] = ()  # headings above the segment, outermost first
    flags: frozenset[str] = frozenset()  # source markers, e.g. "testimony", "risk-high"


@dataclass(frozen=True)
class _Piece:
    """Where a segment's text sits in the source, and how to write a translation there."""

    segment: Segment
    start: int  # absolute offsets of the replaced text
    end: int
    style: str  # "lines" | "inline" | "cell" | "yaml"
    line_prefixes: tuple[str, ...] = ()  # prefixes of source lines 2..n (style "lines")
    continuation: str = ""  # prefix for translation lines beyond the source's
    newline: str = "\n"


@dataclass
class _Lines:
    """The source split into lines the way markdown-it counts them."""

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)  # end of content, before the terminator
    newlines: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> _Lines:
        lines = cls(text)
        pos = 0
        for match in _NEWLINE.finditer(text):
            lines.starts.append(pos)
            lines.ends.append(match.start())
            lines.newlines.append(match.group())
            pos = match.end()
        if pos < len(text) or not text:
            lines.starts.append(pos)
            lines.ends.append(len(text))
            lines.newlines.append("")
        return lines

    def __getitem__(self, index: int) -> str:
        # markdown-it replaces NUL by U+FFFD; the same-length substitution keeps offsets valid.
        return self.text[self.starts[index] : self.ends[index]].replace("\x00", "\ufffd")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(footnote_plugin)
    )
    # The plugin also fires on "- --- text" at the very start of a document, inside the list
    # item; front matter is only a top-level block whose first line is dashes alone.
    rules = md.block.ruler.__rules__
    plugin_rule = rules[md.block.ruler.__find__("front_matter")].fn

    def front_matter(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if state.parentType != "root" or state.level != 0:
            return False
        if not _FRONT_MATTER_OPEN.match(state.src):
            return False
        return bool(plugin_rule(state, start, end, silent))

    md.block.ruler.at(
        "front_matter", front_matter, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    return md


def extract(text: str) -> list[Segment]:
    """Return the document's translatable segments in reading order (duplicates included)."""
    return [piece.segment for piece in _pieces(text)]


def render(text: str, translate: Translate) -> str:
    """Rebuild ``text`` with each segment's text replaced by ``translate(msgid)``.

    ``translate`` returns ``None`` to keep the source text.

    >>> render("# Hello\\n\\n- one\\n- two\\n", {"one": "un", "Hello": "Bonjour"}.get)
    '# Bonjour\\n\\n- un\\n- two\\n'
    """
    return render_segments(text, lambda segment: translate(segment.msgid))


def render_segments(text: str, translate: Callable[[Segment], str | None]) -> str:
    """Like :func:`render`, with the whole segment (kind, flags, line) passed to ``translate``."""
    out: list[str] = []
    pos = 0
    for piece in _pieces(text):
        translation = translate(piece.segment)
        if translation is None or translation == piece.segment.msgid:
            continue
        out.append(text[pos : piece.start])
        out.append(_splice(piece, translation))
        pos = piece.end
    out.append(text[pos:])
    return "".join(out)


def msgid_of_lines(lines: list[str]) -> str:
    """Join a block's content lines into one msgid: soft line breaks become one space.

    Hard breaks (two trailing spaces or a backslash) stay, so the translator sees them.

    >>> msgid_of_lines(["Hold on", "  to this.  ", "Next\\\\", "last"])
    'Hold on to this.  \\nNext\\\\\\nlast'
    """
    out = lines[0]
    for line in lines[1:]:
        if out.endswith("  ") or _ends_with_unescaped_backslash(out):
            out += "\n" + line.lstrip(" \t")
        else:
            out = out.rstrip(" \t") + " " + line.lstrip(" \t")
    return out


def _ends_with_unescaped_backslash(text: str) -> bool:
    run = len(text) - len(text.rstrip("\\"))
    return run % 2 == 1


def _splice(piece: _Piece, translation: str) -> str:
    if piece.style == "yaml":
        return json.dumps(translation, ensure_ascii=False)
    if piece.style == "cell":
        return _escape_pipes(" ".join(translation.split("\n")))
    if piece.style == "inline":
        return " ".join(translation.split("\n"))
    lines = translation.split("\n")
    out = [_escape_block_start(lines[0])]
    for index, line in enumerate(lines[1:]):
        prefix = (
            piece.line_prefixes[index] if index < len(piece.line_prefixes) else piece.continuation
        )
        if _BLOCK_START.match(line) or ("|" in line and _TABLE_DELIMITER.match(line)):
            # Indented by four, a line cannot start a list, heading, quote, fence, table or
            # setext underline: it stays a line of this block (its leading spaces are dropped).
            line = "    " + line
        out.append(piece.newline + prefix + line)
    return "".join(out)


# The start of a line that would open a block of its own (or end a paragraph) if a translation
# put it at the beginning of a line: ATX heading, quote, bullet or ordered list item, fence,
# thematic break, setext underline, HTML block, footnote definition.
_BLOCK_START = re.compile(
    r"^ {0,3}(?:[#>]|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|`{3,}|~{3,}"
    r"|(?:[-*_][ \t]*){3,}$|=+[ \t]*$|\[\^"
    r"|<(?:[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|/[A-Za-z]|[!?]))"
)


_QUOTE_PREFIX = re.compile(r"(?:[ \t]*>)*[ \t]*")
_ROWMARKER = re.compile(r"(?:[-+*]|\d{1,9}[.)]|#{1,6}|>)[ \t]+")
_TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


def _escape_block_start(line: str) -> str:
    r"""Backslash-escape what would make a translation's first line open another block.

    >>> _escape_block_start("1. Schritt: zuhören")
    '1\\. Schritt: zuhören'
    >>> _escape_block_start("- oder")
    '\\- oder'
    >>> _escape_block_start("*Betonung* bleibt")
    '*Betonung* bleibt'
    """
    match = _BLOCK_START.match(line)
    if not match:
        return line
    start = len(line) - len(line.lstrip(" "))
    ordered = re.match(r"\d{1,9}", line[start:])
    if ordered:
        start += ordered.end()
    return line[:start] + "\\" + line[start:]


def _escape_pipes(text: str) -> str:
    r"""Escape every pipe that would end a table cell.

    >>> _escape_pipes(r"a | b \| c")
    'a \\| b \\| c'
    """
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def _blank(prefix: str) -> str:
    """The continuation prefix of a block whose first line has ``prefix``.

    >>> _blank("> 1. ")
    '>    '
    """
    return "".join(ch if ch in "> \t" else " " for ch in prefix)


class _Walker:
    """One pass over markdown-it's tokens, yielding where each segment's text is."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _Lines.of(text)
        self.tokens = _parser().parse(text)
        self.headings: list[tuple[int, str]] = []
        self.containers: list[str] = []
        self.pending: tuple[int, frozenset[str]] | None = None
        self.flag_scopes: list[tuple[str, int, frozenset[str]]] = []

    # -- context -----------------------------------------------------------------------------

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.headings)

    @property
    def flags(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for _, _, flags in self.flag_scopes:
            out |= flags
        return out

    def _track(self, token: Token) -> None:
        """Keep container and marker scopes current before ``token`` is looked at."""
        if self.pending is not None and token.level == self.pending[0] and token.nesting >= 0:
            if token.nesting == 1:
                close = token.type.removesuffix("_open") + "_close"
                self.flag_scopes.append((close, token.level, self.pending[1]))
            self.pending = None
        if token.nesting == 1 and token.type in (
            "blockquote_open",
            "list_item_open",
            "footnote_open",
        ):
            self.containers.append(token.type.removesuffix("_open"))
        elif token.nesting == -1 and token.type in (
            "blockquote_close",
            "list_item_close",
            "footnote_close",
        ):
            self.containers.pop()
        if token.nesting == -1:
            while (
                self.flag_scopes
                and self.flag_scopes[-1][0] == token.type
                and self.flag_scopes[-1][1] == token.level
            ):
                self.flag_scopes.pop()

    # -- walk --------------------------------------------------------------------------------

    def pieces(self) -> Iterator[_Piece]:
        self._check_front_matter_closed()
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            self._track(token)
            if token.type == "front_matter":
                yield from self._front_matter(token)
            elif token.type == "html_block":
                match = MARKER.match(token.content.strip())
                if match:
                    self.pending = (token.level, frozenset(match.group("flags").split()))
            elif token.type == "heading_open":
                inline = tokens[index + 1]
                piece = self._heading(token, inline)
                if piece is not None:
                    yield piece
                if not self.containers:
                    level = int(token.tag[1:])
                    self.headings = [h for h in self.headings if h[0] < level]
                    self.headings.append((level, inline.content))
            elif token.type == "paragraph_open":
                piece = self._paragraph(tokens[index + 1])
                if piece is not None:
                    yield piece
            elif token.type == "tr_open":
                end = index
                while tokens[end].type != "tr_close":
                    end += 1
                cells = [t for t in tokens[index:end] if t.type == "inline"]
                header = tokens[index + 1].type == "th_open"
                yield from self._row(token, cells, header)
            index += 1

    def _check_front_matter_closed(self) -> None:
        if not _FRONT_MATTER_OPEN.match(self.text):
            return
        if not any(t.type == "front_matter" for t in self.tokens[:1]):
            raise MarkdownError("front matter is not closed: end it with a line '---'", line=1)

    def _front_matter(self, token: Token) -> Iterator[_Piece]:
        try:
            node = yaml.compose(token.content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise MarkdownError(
                f"front matter is not valid YAML ({problem}); "
                "write each value on one line in double quotes",
                line=line,
            ) from None
        if node is None:
            return
        if not isinstance(node, yaml.MappingNode):
            raise MarkdownError("front matter must be a mapping such as 'title: \"...\"'", line=2)
        for key, value in node.value:
            if key.value not in _FRONT_MATTER_KEYS:
                # An unknown key would be neither translated nor shown: most likely a typo
                # ("tittle") that silently drops a title from every language.
                raise MarkdownError(
                    f"front matter key {key.value!r} is not allowed; documents have "
                    + " and ".join(repr(k) for k in _FRONT_MATTER_KEYS),
                    line=key.start_mark.line + 2,
                )
            if not isinstance(value, yaml.ScalarNode) or value.tag != "tag:yaml.org,2002:str":
                raise MarkdownError(
                    f"front matter '{key.value}' must be a text value in quotes",
                    line=key.start_mark.line + 2,
                )
            if not value.value.strip():
                continue
            start = self._offset(1 + value.start_mark.line, value.start_mark.column)
            end = self._offset(1 + value.end_mark.line, value.end_mark.column)
            segment = Segment(value.value, value.start_mark.line + 2, key.value, (), frozenset())
            yield _Piece(segment, start, end, "yaml")

    def _offset(self, line: int, column: int) -> int:
        return self.lines.starts[line] + column

    def _heading(self, token: Token, inline: Token) -> _Piece | None:
        if not inline.content.strip():
            return None
        segment = Segment(
            msgid_of_lines(inline.content.split("\n")),
            _line(token) + 1,
            "heading",
            self.section_for_heading(int(token.tag[1:])),
            self.flags,
        )
        if token.markup.startswith("#"):
            line = self.lines[_line(token)]
            opening = re.search(r"#+", line)
            assert opening is not None
            pos = line.find(inline.content, opening.end())
            if pos < 0:
                raise MarkdownError("cannot locate the heading's text", line=_line(token) + 1)
            start = self.lines.starts[_line(token)] + pos
            return _Piece(segment, start, start + len(inline.content), "inline")
        return self._lines_piece(segment, inline)

    def section_for_heading(self, level: int) -> tuple[str, ...]:
        if self.containers:
            return self.section
        return tuple(title for lvl, title in self.headings if lvl < level)

    def _paragraph(self, inline: Token) -> _Piece | None:
        content = inline.content
        if not content.strip():
            return None
        kind = {
            "list_item": "list item",
            "blockquote": "blockquote",
            "footnote": "footnote",
        }.get(self.containers[-1] if self.containers else "", "paragraph")
        image = self._lone_image(inline)
        if image is not None:
            return image
        segment = Segment(
            msgid_of_lines(content.split("\n")),
            _line(inline) + 1,
            kind,
            () if kind == "footnote" else self.section,
            self.flags,
        )
        return self._lines_piece(segment, inline)

    def _lone_image(self, inline: Token) -> _Piece | None:
        """A paragraph that is one image is translated through its alt text only."""
        children = [
            child
            for child in inline.children or []
            if not (child.type in ("softbreak", "text") and not child.content.strip())
        ]
        if len(children) != 1 or children[0].type != "image" or "\n" in inline.content:
            return None
        line_no = _line(inline)
        line = self.lines[line_no]
        content = inline.content.strip()
        pos = line.rfind(content)
        if pos < 0 or not content.startswith("!["):
            return None
        alt_end = _closing_bracket(content, 2)
        if alt_end is None or alt_end == 2:
            return None
        alt = content[2:alt_end]
        start = self.lines.starts[line_no] + pos + 2
        segment = Segment(alt, line_no + 1, "image alt", self.section, self.flags)
        return _Piece(segment, start, start + len(alt), "inline")

    def _lines_piece(self, segment: Segment, inline: Token) -> _Piece:
        first = _line(inline)
        content_lines = inline.content.split("\n")
        positions: list[int] = []
        prefixes: list[str] = []
        for offset, content in enumerate(content_lines):
            line = self.lines[first + offset]
            wanted = content.lstrip(" \t")
            pos = line.rfind(wanted) if wanted else len(line.rstrip())
            if pos < 0 or line[pos + len(wanted) :].strip(" \t"):
                raise MarkdownError(
                    "cannot locate this block's text in the source line "
                    "(unusual tabs or indentation); simplify the block's indentation",
                    line=first + offset + 1,
                )
            positions.append(pos)
            prefixes.append(line[:pos])
        last = first + len(content_lines) - 1
        start = self.lines.starts[first] + positions[0]
        end = self.lines.starts[last] + positions[-1] + len(content_lines[-1].lstrip(" \t"))
        continuation = prefixes[-1] if len(prefixes) > 1 else _blank(prefixes[0])
        return _Piece(
            segment,
            start,
            end,
            "lines",
            tuple(prefixes[1:]),
            continuation,
            self.lines.newlines[first] or "\n",
        )

    def _row(self, tr: Token, cells: list[Token], header: bool) -> Iterator[_Piece]:
        line_no = _line(tr)
        line = self.lines[line_no]
        expected = [cell.content for cell in cells]
        spans = _row_spans(line, expected)
        if spans is None:
            raise MarkdownError(
                "cannot locate this table row's cells; start the row with '|'",
                line=line_no + 1,
            )
        kind = "table header" if header else "table cell"
        base = self.lines.starts[line_no]
        first_text = _QUOTE_PREFIX.match(line).end()  # type: ignore[union-attr]
        for start, end in spans:
            if start == end:
                continue
            marker = _ROWMARKER.match(line, start) if start == first_text else None
            if marker and marker.end() < end:
                # A row that starts with a list, quote or heading marker ends the table above
                # it; the marker is structure, so it stays whatever the translation says.
                start = marker.end()
            segment = Segment(line[start:end], line_no + 1, kind, self.section, self.flags)
            yield _Piece(segment, base + start, base + end, "cell")


def _row_spans(line: str, expected: list[str]) -> list[tuple[int, int]] | None:
    """Spans of a table row's cells, split the way markdown-it splits them."""
    for begin in _prefix_candidates(line):
        spans = _split_row(line, begin)
        texts = [line[s:e].replace("\\|", "|") for s, e in spans]
        count = min(len(texts), len(expected))
        if texts[:count] == expected[:count] and all(not e for e in expected[count:]):
            return spans[:count]
    return None


def _prefix_candidates(line: str) -> list[int]:
    """Where a table row may start after container markers, longest prefix first.

    >>> _prefix_candidates("> - | a |")
    [4, 2, 0]
    """
    found = [0]
    pos = 0
    while match := _CONTAINER_MARK.match(line, pos):
        if match.end() == pos:
            break
        pos = match.end()
        found.append(pos)
    return found[::-1]


def _split_row(line: str, begin: int) -> list[tuple[int, int]]:
    end = len(line.rstrip(" \t"))
    while begin < end and line[begin] in " \t":
        begin += 1
    bounds = [begin - 1]
    bounds += [i for i in range(begin, end) if line[i] == "|" and line[i - 1 : i] != "\\"]
    bounds.append(end)
    columns = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
    if columns and columns[0][0] == columns[0][1]:
        columns = columns[1:]
    if columns and columns[-1][0] == columns[-1][1]:
        columns = columns[:-1]
    spans = []
    for start, stop in columns:
        while start < stop and line[start] in " \t":
            start += 1
        while stop > start and line[stop - 1] in " \t":
            stop -= 1
        spans.append((start, stop))
    return spans


def _closing_bracket(text: str, pos: int) -> int | None:
    """Index of the ``]`` closing a link label that starts at ``pos``.

    >>> _closing_bracket("![a [b] c](x)", 2)
    9
    """
    depth = 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return None


def _line(token: Token) -> int:
    """The 0-based first source line of a block token (markdown-it sets it on every one we use)."""
    assert token.map is not None, token
    return token.map[0]


def _pieces(text: str) -> list[_Piece]:
    # Footnote definitions come last in markdown-it's stream; splicing needs source order.
    return sorted(_Walker(text).pieces(), key=lambda piece: piece.start)


#: The source markers (``<!-- equalcity: testimony -->``) and the comment line each one writes.
FLAG_COMMENTS = {
    "testimony": (
        "testimony: a survivor's voice (fictional composite); keep the first person "
        "and the register"
    ),
    "risk-high": "risk: high; safety-critical, needs two approvals",
}


def flags_of(auto_comments: list[str]) -> frozenset[str]:
    """The source markers of an entry, read back from the comments :func:`describe` wrote.

    >>> sorted(flags_of(describe(Segment("x", 1, "paragraph", (), frozenset({"risk-high"})))))
    ['risk-high']
    """
    written = {line: flag for flag, line in FLAG_COMMENTS.items()}
    return frozenset(written[c] for c in auto_comments if c in written)


def describe(segment: Segment) -> list[str]:
    """The extracted comments (``#.``) a translator sees for ``segment``."""
    lines = []
    if segment.section:
        lines.append("section: " + " › ".join(segment.section))
    lines.append("kind: " + segment.kind)
    lines += [line for flag, line in FLAG_COMMENTS.items() if flag in segment.flags]
    return lines
