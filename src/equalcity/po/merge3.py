"""Three-way merge of PO files, entry by entry (what ``git merge`` does with text, for PO).

Two translators (or a translator and ``equalcity update``) change one file in parallel. Git's
line merge conflicts as soon as their edits touch neighbouring lines, and writes ``<<<<<<<``
markers that no PO editor opens. Here entries are matched by (msgctxt, msgid) and each part of
an entry is merged on its own:

- the translation (every msgstr and the fuzzy flag): a side that changed it wins; both sides
  changing it differently is a *conflict*: the entry keeps our text, is marked fuzzy, and both
  versions are kept in translator comments (``# merge conflict …``) for a person to choose;
- translator comments: a side that changed them wins; both: ours, then their new lines;
- what ``update`` writes from the template (references, extracted comments, ``#|``, other
  flags, obsolete or not): a side that changed it wins; both: theirs (newer templates win
  rarely matters, the next ``update`` rewrites it anyway);
- an entry only one side added is kept; an entry one side removed goes only if the other side
  left it unchanged — a translation is never dropped.

The result is always a valid PO file; conflicts are listed for the caller.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from equalcity.po.catalog import Catalog, Key, Message, format_header, parse_header

CONFLICT_PREFIX = "merge conflict"


@dataclass(frozen=True)
class Conflict:
    key: Key
    ours: tuple[str, ...]
    theirs: tuple[str, ...]


@dataclass
class MergeResult:
    catalog: Catalog
    conflicts: list[Conflict] = field(default_factory=list)


def _translation(message: Message) -> tuple[Any, ...]:
    return (tuple(message.strings), message.fuzzy)


def _template_part(message: Message) -> tuple[Any, ...]:
    return (
        tuple(message.locations),
        tuple(message.auto_comments),
        tuple(f for f in message.flags if f != "fuzzy"),
        message.previous_msgctxt,
        message.previous_msgid,
        message.previous_msgid_plural,
        message.obsolete,
        message.msgid_plural,
    )


def _pick(base: object, ours: object, theirs: object, prefer_theirs: bool = False) -> str:
    """Which side's value a three-way merge takes: "ours", "theirs" or "conflict"."""
    if ours == theirs or theirs == base:
        return "ours"
    if ours == base:
        return "theirs"
    return "theirs" if prefer_theirs else "conflict"


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _merge_entry(
    base: Message | None, ours: Message, theirs: Message, conflicts: list[Conflict]
) -> Message:
    empty = Message(ours.msgid, msgctxt=ours.msgctxt)
    if ours.msgid_plural is not None:
        empty.msgstr_plural = ["" for _ in ours.msgstr_plural]
    origin = base or empty
    result = copy.deepcopy(ours)
    # Template part first: it decides the entry's shape (plural or not, obsolete or not).
    if _pick(_template_part(origin), _template_part(ours), _template_part(theirs), True) == (
        "theirs"
    ):
        fuzzy = result.fuzzy
        result.locations = list(theirs.locations)
        result.auto_comments = list(theirs.auto_comments)
        result.flags = [f for f in theirs.flags if f != "fuzzy"]
        result.fuzzy = fuzzy
        result.previous_msgctxt = theirs.previous_msgctxt
        result.previous_msgid = theirs.previous_msgid
        result.previous_msgid_plural = theirs.previous_msgid_plural
        result.obsolete = theirs.obsolete
    choice = _pick(_translation(origin), _translation(ours), _translation(theirs))
    if choice == "theirs":
        result.msgstr = theirs.msgstr
        result.msgstr_plural = list(theirs.msgstr_plural)
        result.msgid_plural = theirs.msgid_plural
        result.fuzzy = theirs.fuzzy
    comments = _merge_comments(origin.comments, ours.comments, theirs.comments)
    if choice == "conflict":
        conflicts.append(Conflict(ours.key, tuple(ours.strings), tuple(theirs.strings)))
        result.fuzzy = True
        comments = [c for c in comments if not c.startswith(CONFLICT_PREFIX)]
        for side, message in (("ours", ours), ("theirs", theirs)):
            for index, text in enumerate(message.strings):
                form = f"[{index}]" if message.msgid_plural is not None else ""
                comments.append(f"{CONFLICT_PREFIX} ({side}{form}): {_one_line(text)}")
    result.comments = comments
    return result


def _merge_comments(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    choice = _pick(base, ours, theirs)
    if choice == "ours":
        return list(ours)
    if choice == "theirs":
        return list(theirs)
    return list(ours) + [c for c in theirs if c not in ours and c not in base]


def _merge_header(base: Catalog, ours: Catalog, theirs: Catalog) -> Message | None:
    if ours.header is None or theirs.header is None:
        return ours.header or theirs.header
    fields_base = parse_header(base.header.msgstr) if base.header else {}
    fields_ours = parse_header(ours.header.msgstr)
    fields_theirs = parse_header(theirs.header.msgstr)
    merged: dict[str, str] = {}
    for name in [*fields_ours, *(n for n in fields_theirs if n not in fields_ours)]:
        a, b = fields_ours.get(name), fields_theirs.get(name)
        value = b if _pick(fields_base.get(name), a, b) == "theirs" else a
        if name == "PO-Revision-Date" and a and b:
            value = max(a, b)  # the later save, whichever side made it
        if value is not None:
            merged[name] = value
    header = copy.deepcopy(ours.header)
    header.msgstr = format_header(merged)
    header.comments = _merge_comments(
        base.header.comments if base.header else [], ours.header.comments, theirs.header.comments
    )
    return header


def merge3(base: Catalog, ours: Catalog, theirs: Catalog) -> MergeResult:
    """Merge ``theirs`` into ``ours`` with ``base`` as the common ancestor."""
    if [m.key for m in ours.messages] == [m.key for m in base.messages] and (
        ours.header is None or base.header is None or ours.header.msgstr == base.header.msgstr
    ):
        # We kept base's order and header: theirs gives the order (they may have moved
        # entries), the merge itself is the same seen from their side.
        swapped = _merge3(base, theirs, ours)
        if not swapped.conflicts:
            return swapped
    return _merge3(base, ours, theirs)


def _merge3(base: Catalog, ours: Catalog, theirs: Catalog) -> MergeResult:
    base_by_key = {m.key: m for m in base.messages}
    ours_by_key = {m.key: m for m in ours.messages}
    theirs_by_key = {m.key: m for m in theirs.messages}
    conflicts: list[Conflict] = []
    merged: dict[Key, Message] = {}
    for message in ours.messages:
        other = theirs_by_key.get(message.key)
        origin = base_by_key.get(message.key)
        if other is not None:
            merged[message.key] = _merge_entry(origin, message, other, conflicts)
        elif origin is None or _changed(origin, message):
            merged[message.key] = copy.deepcopy(message)  # added by us, or changed: kept
        # else: they removed it and we left it alone
    order = [m.key for m in ours.messages if m.key in merged]
    for index, message in enumerate(theirs.messages):
        if message.key in merged or message.key in ours_by_key:
            continue
        origin = base_by_key.get(message.key)
        if origin is not None and not _changed(origin, message):
            continue  # we removed it and they left it alone
        merged[message.key] = copy.deepcopy(message)
        _insert_after(order, message.key, theirs.messages[:index], merged)
    return MergeResult(
        Catalog(header=_merge_header(base, ours, theirs), messages=[merged[k] for k in order]),
        conflicts,
    )


def _changed(a: Message, b: Message) -> bool:
    return _translation(a) != _translation(b) or a.comments != b.comments


def _insert_after(
    order: list[Key], key: Key, before: list[Message], merged: dict[Key, Message]
) -> None:
    """Place ``key`` after the nearest entry that precedes it on their side."""
    position: Callable[[Key], int] = order.index
    for message in reversed(before):
        if message.key in order:
            order.insert(position(message.key) + 1, key)
            return
    order.insert(0, key)
