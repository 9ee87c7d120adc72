"""Markdown inside a message: what the translation must keep so that the page still works."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from equalcity.checks import FileContext, compare_counts, entry_check, kind_of, translations
from equalcity.po.catalog import Message

_MISSING = "missing in the translation"

_MARKUP_CHARS = re.compile(r"[*_`\[\]()<>!~\\|#]")
_BLOCK_START = re.compile(
    r"^\s{0,3}(?:#{1,6}(?:\s|$)|>|[-+*]\s|\d{1,9}[.)]\s|```|~~~|=+\s*$|-+\s*$)"
)
_PIPE = re.compile(r"(?<!\\)\|")
_BRACKETS = re.compile(r"[\[\]()]")


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["strikethrough"])


@dataclass(frozen=True)
class Inventory:
    """The markup of one inline text: what must survive translation."""

    links: Counter[str]
    images: Counter[str]
    code: Counter[str]
    strong: int
    emphasis: int
    strike: int


# Everything CommonMark's inline parser decides depends on: delimiter runs (*, _, ~, `) and the
# kind of character on each side of them (flanking rules), brackets and what follows them, the
# text of link destinations and code spans. Two texts with the same "skeleton" therefore parse
# to the same markup; only texts whose skeletons differ are parsed. Backslashes, angle brackets
# and entities always take the full parser.
_SKELETON = re.compile(
    r"(?:(?<=(.))|^)(`+[^`]*`+|\]\([^)]*\)|\*+|_+|~+|[\[\]()!])(?=(.?))", re.DOTALL
)
_FULL_PARSE = re.compile(r"[\\<&]")


@lru_cache(maxsize=4096)
def _side(ch: str) -> str:
    if not ch or ch.isspace():
        return " "
    if ch.isalnum():
        return "a"
    return "."


@lru_cache(maxsize=65536)
def skeleton(text: str) -> tuple[str, ...] | None:
    """The markup-relevant shape of ``text`` (None: parse it in full).

    >>> skeleton("a **b** [c](x)")
    ('  ** a', 'a **  ', '  [ a', 'a ](x)  ')
    """
    if _FULL_PARSE.search(text):
        return None
    return tuple(
        f"{_side(before)} {token} {_side(after)}"
        for before, token, after in _SKELETON.findall(text)
    )


def same_markup(source: str, target: str) -> bool:
    """True when ``target`` certainly has the same inline markup as ``source``."""
    a = skeleton(source)
    return a is not None and a == skeleton(target)


@lru_cache(maxsize=65536)
def inventory(text: str) -> Inventory:
    """The markup of ``text`` parsed as CommonMark inline content.

    >>> inventory("See **the [law](https://e.org/x)** and `code`.").links
    Counter({'https://e.org/x': 1})
    """
    links: Counter[str] = Counter()
    images: Counter[str] = Counter()
    code: Counter[str] = Counter()
    strong = emphasis = strike = 0
    if _MARKUP_CHARS.search(text):
        parser = _inline_parser()
        tokens: list[Token] = []
        parser.inline.parse(text, parser, {}, tokens)
        for token in tokens:
            if token.type == "link_open":
                links[str(token.attrGet("href"))] += 1
            elif token.type == "image":
                images[str(token.attrGet("src"))] += 1
            elif token.type == "code_inline":
                code[token.content] += 1
            elif token.type == "strong_open":
                strong += 1
            elif token.type == "em_open":
                emphasis += 1
            elif token.type == "s_open":
                strike += 1
    return Inventory(links, images, code, strong, emphasis, strike)


@entry_check(
    "markup-links",
    "error",
    "Links and images must point where the source points (order may change); "
    "translate the link text, never the address.",
)
def links(context: FileContext, message: Message) -> Iterator[str]:
    source = inventory(message.msgid)
    for text in translations(message):
        if same_markup(message.msgid, text):
            continue
        target = inventory(text)
        yield from compare_counts("link target", source.links, target.links, _MISSING)
        yield from compare_counts("image", source.images, target.images, _MISSING)


@entry_check(
    "markup-code",
    "error",
    "Text in `backticks` is code or a literal name: keep it exactly.",
)
def code(context: FileContext, message: Message) -> Iterator[str]:
    source = inventory(message.msgid)
    for text in translations(message):
        if same_markup(message.msgid, text):
            continue
        yield from compare_counts("code span", source.code, inventory(text).code, _MISSING)


@entry_check(
    "markup-emphasis",
    "error",
    "Keep as many **strong**, *emphasis* and ~~strike~~ spans as the source: an unbalanced "
    "marker shows as a literal asterisk on the page.",
)
def emphasis(context: FileContext, message: Message) -> Iterator[str]:
    source = inventory(message.msgid)
    for text in translations(message):
        if same_markup(message.msgid, text):
            continue
        target = inventory(text)
        for name, a, b in (
            ("strong (**…**)", source.strong, target.strong),
            ("emphasis (*…*)", source.emphasis, target.emphasis),
            ("strikethrough (~~…~~)", source.strike, target.strike),
        ):
            if a != b:
                yield f"{b} {name} span(s), the source has {a}"


def _bracket_balance(text: str) -> tuple[int, int]:
    text = re.sub(r"\\.", "", re.sub(r"`[^`]*`", "", text))
    return text.count("[") - text.count("]"), text.count("(") - text.count(")")


@entry_check(
    "markup-brackets",
    "error",
    "Square and round brackets must be balanced as in the source, or links break.",
)
def brackets(context: FileContext, message: Message) -> Iterator[str]:
    source = _bracket_balance(message.msgid)
    for text in translations(message):
        if source == (0, 0) and (
            not _BRACKETS.search(text)
            or (
                "\\" not in text
                and "`" not in text
                and text.count("[") == text.count("]")
                and text.count("(") == text.count(")")
            )
        ):
            continue
        target = _bracket_balance(text)
        if target != source and target != (0, 0):
            yield "unbalanced brackets: check every [ has its ] and every ( its )"


@entry_check(
    "markup-table-pipe",
    "error",
    "In a table cell a | ends the cell: write \\| for a literal pipe.",
)
def table_pipe(context: FileContext, message: Message) -> Iterator[str]:
    if kind_of(message) not in ("table cell", "table header"):
        return
    for text in translations(message):
        if _PIPE.search(text):
            yield "unescaped | in a table cell; write \\|"


@entry_check(
    "markup-structure",
    "error",
    "A translation must not change the block: a heading stays one line, and no line may start "
    "like a heading, list, quote or code fence.",
)
def structure(context: FileContext, message: Message) -> Iterator[str]:
    kind = kind_of(message)
    if not kind or kind in ("title", "summary"):
        return
    for text in translations(message):
        lines = text.split("\n")
        if kind in ("heading", "table cell", "table header", "image alt") and len(lines) > 1:
            yield f"a {kind} must stay on one line"
        for number, line in enumerate(lines):
            if _BLOCK_START.match(line) and not _BLOCK_START.match(
                message.msgid.split("\n")[min(number, message.msgid.count("\n"))]
            ):
                yield f"line {number + 1} of the translation starts a new block: {line[:20]!r}"
