"""Raw HTML: translators cannot inject markup into the bundles."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from equalcity.checks import FileContext, entry_check
from equalcity.po.catalog import Message

TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>|<!--.*?-->", re.DOTALL)
DANGEROUS_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "form", "link", "meta"})
EVENT = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def tags(text: str) -> Counter[str]:
    """Raw HTML tags in ``text`` (outside code spans), by their lower-case source text."""
    text = re.sub(r"`[^`]*`", "", text)
    return Counter(m.group().lower() for m in TAG.finditer(text))


@entry_check(
    "raw-html",
    "error",
    "Raw HTML that the source does not have is not allowed in a translation; script, style, "
    "iframe and event attributes never are.",
)
def raw_html(context: FileContext, message: Message) -> Iterator[str]:
    source = tags(message.msgid) if "<" in message.msgid else Counter()
    for text in (s for s in message.strings if s):
        if "<" not in text and "javascript:" not in text:
            continue
        found = tags(text)
        for tag in sorted(found):
            name = TAG.match(tag)
            tag_name = (name.group(1) or "").lower() if name else ""
            if tag_name in DANGEROUS_TAGS or EVENT.search(tag):
                yield f"forbidden HTML {tag[:40]!r}"
        extra = found - source
        if extra:
            yield "HTML not in the source: " + ", ".join(t[:40] for t in sorted(extra))
