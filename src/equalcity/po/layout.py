"""Undo what other PO tools do to a file's layout, so ``format`` can restore gettext's bytes.

GNU gettext never wraps comment lines and writes the header fields in one order; polib and
Babel wrap long ``#`` and ``#.`` comments with Python's ``textwrap`` and Babel writes the header
in its own order. Both are layout, not content: a wrapped comment is still one comment, and a
header is a set of fields. ``normalise`` turns such a catalog back into the one gettext would
have kept, so the canonical writer then reproduces the original bytes.

Re-joining is conservative. Two comment lines are joined only when ``textwrap`` (the way polib
or Babel call it, at a width from 76 to 80 columns) splits the joined text into exactly those
lines, the second line does not start like a comment of its own (``key: value``, as every
comment equalcity writes does) nor a new sentence after a full stop, and the file is not in
gettext's layout already (``pipeline.format_files``). A comment that is longer than the width
cannot come out of those tools unsplit, so the first condition rules out most false joins and
the others the rest; what remains is a line split exactly where a sentence ends, left split.
"""

from __future__ import annotations

import re
import textwrap
from functools import cache

from equalcity.po.catalog import Catalog, Message

# The order xgettext, msginit and msgmerge write; other fields keep their order after these.
HEADER_ORDER = (
    "Project-Id-Version",
    "Report-Msgid-Bugs-To",
    "POT-Creation-Date",
    "PO-Revision-Date",
    "Last-Translator",
    "Language-Team",
    "Language",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Plural-Forms",
)
_WIDTHS = range(76, 81)  # polib's default is 78, Babel's 76; the survey: 76-80
_STARTS_COMMENT = re.compile(r"[a-z][a-z0-9-]*:(\s|$)")


def order_header(text: str) -> str:
    """A header msgstr with its fields in gettext's order (values and other lines untouched).

    >>> order_header("Language: fr\\nProject-Id-Version: x\\nX-Generator: W\\n")
    'Project-Id-Version: x\\nLanguage: fr\\nX-Generator: W\\n'
    """
    lines = text.split("\n")
    trailing = lines.pop() if lines else ""
    rank = {name: index for index, name in enumerate(HEADER_ORDER)}

    def key(item: tuple[int, str]) -> tuple[int, int]:
        index, line = item
        name = line.partition(":")[0].strip()
        return (rank.get(name, len(HEADER_ORDER)), index)

    ordered = [line for _, line in sorted(enumerate(lines), key=key)]
    return "\n".join([*ordered, trailing])


@cache
def _wrappers() -> tuple[tuple[textwrap.TextWrapper, int], ...]:
    """(wrapper, prefix width counted by it) pairs: polib counts the prefix, Babel does not."""
    out: list[tuple[textwrap.TextWrapper, int]] = []
    for width in _WIDTHS:
        out.append((textwrap.TextWrapper(width=width, break_long_words=False), 0))
        for prefix in ("# ", "#. "):
            wrapper = textwrap.TextWrapper(
                width=width,
                initial_indent=prefix,
                subsequent_indent=prefix,
                break_long_words=False,
            )
            out.append((wrapper, len(prefix)))
    return tuple(out)


def _join(first: str, second: str) -> str:
    # textwrap also breaks after a hyphen inside a word ("gender-" / "based").
    if re.search(r"\w-$", first) and re.match(r"\w", second):
        return first + second
    return first + " " + second


def _wrapped_from(lines: list[str], prefix: str) -> bool:
    """True when some polib or Babel wrapping of the joined text gives exactly ``lines``."""
    joined = lines[0]
    for line in lines[1:]:
        joined = _join(joined, line)
    for wrapper, counted in _wrappers():
        if counted and wrapper.initial_indent != prefix:
            continue
        out = wrapper.wrap(joined)
        if counted:
            out = [line[counted:] for line in out]
        if out == lines:
            return True
    return False


def rejoin(comments: list[str], prefix: str) -> list[str]:
    """Comment lines with ``textwrap``'s splits undone (``prefix`` is ``"# "`` or ``"#. "``).

    >>> rejoin(["glossary: sexual and gender-based violence → violences sexuelles et fondées",
    ...         "sur le genre", "kind: paragraph"], "#. ")  # doctest: +NORMALIZE_WHITESPACE
    ['glossary: sexual and gender-based violence → violences sexuelles et fondées sur le genre',
     'kind: paragraph']
    """
    out: list[str] = []
    group: list[str] = []
    for comment in comments:
        if (
            group
            and comment
            and comment == comment.strip()
            and not _STARTS_COMMENT.match(comment)
            and not (group[-1][-1:] in ".!?" and comment[:1].isupper())
            and _wrapped_from([*group, comment], prefix)
        ):
            group.append(comment)
            continue
        if group:
            out.append(_joined(group))
        group = [comment] if comment else []
        if not comment:
            out.append(comment)
    if group:
        out.append(_joined(group))
    return out


def _joined(group: list[str]) -> str:
    text = group[0]
    for line in group[1:]:
        text = _join(text, line)
    return text


def _normalise_message(message: Message) -> None:
    message.comments = rejoin(message.comments, "# ")
    message.auto_comments = rejoin(message.auto_comments, "#. ")


def normalise(catalog: Catalog) -> Catalog:
    """``catalog`` with other tools' comment wrapping undone and the header in gettext's order
    (changed in place and returned)."""
    if catalog.header is not None:
        _normalise_message(catalog.header)
        catalog.header.msgstr = order_header(catalog.header.msgstr)
    for message in catalog.messages:
        _normalise_message(message)
    return catalog
