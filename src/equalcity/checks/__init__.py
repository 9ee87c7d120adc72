"""The CI gate's checks: small functions in a registry, each with an id, a severity and a
one-line explanation a translator can act on.

An entry check is ``(context, message) -> Iterable[str]`` (one message per problem); a file check
is ``(context) -> Iterable[tuple[int, str]]`` (line, message); a source check is
``(source_context) -> Iterable[tuple[int, str]]``; ledger and roster checks take a
``LedgerContext`` (a roster check's path is the roster, ``workflows/panel.toml``). Modules of
this package register their checks with the decorators below; ``registry()`` imports them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equalcity.content.names import Person
from equalcity.glossary.termbase import Glossary
from equalcity.po.catalog import Catalog, Message

SEVERITIES = ("error", "warning", "off")


@dataclass(frozen=True)
class Finding:
    """One problem at one place."""

    path: str
    line: int
    check: str
    severity: str
    message: str
    locale: str | None = None
    msgid: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "locale": self.locale,
            "msgid": self.msgid,
        }


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    explanation: str
    scope: str  # "entry" | "file" | "source" | "ledger" | "roster"
    func: Callable[..., Iterable[Any]]


@dataclass
class FileContext:
    """What a check may look at for one PO file."""

    path: str  # as shown to the user
    locale: str
    catalog: Catalog
    text: str
    in_release_scope: bool = False
    contacts: frozenset[str] = frozenset()
    glossary: Glossary | None = None


@dataclass
class SourceContext:
    path: str
    text: str
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    allowed_names: frozenset[str] = frozenset()
    glossary: Glossary | None = None
    people: dict[str, Person] = field(default_factory=dict)


@dataclass
class LedgerContext:
    """A language's review ledger, its roster and the repository it lives in."""

    path: str
    locale: str
    root: Path


_REGISTRY: dict[str, Check] = {}


def _register(scope: str, id: str, severity: str, explanation: str) -> Callable[[Any], Any]:
    def decorate(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        if id in _REGISTRY:
            raise ValueError(f"check {id} registered twice")
        _REGISTRY[id] = Check(id, severity, explanation, scope, func)
        return func

    return decorate


def entry_check(id: str, severity: str, explanation: str) -> Callable[[Any], Any]:
    return _register("entry", id, severity, explanation)


def file_check(id: str, severity: str, explanation: str) -> Callable[[Any], Any]:
    return _register("file", id, severity, explanation)


def source_check(id: str, severity: str, explanation: str) -> Callable[[Any], Any]:
    return _register("source", id, severity, explanation)


def ledger_check(id: str, severity: str, explanation: str) -> Callable[[Any], Any]:
    return _register("ledger", id, severity, explanation)


def roster_check(id: str, severity: str, explanation: str) -> Callable[[Any], Any]:
    return _register("roster", id, severity, explanation)


def registry() -> dict[str, Check]:
    """Every check, by id (importing the check modules registers them)."""
    from equalcity.checks import markup, po, quality, rawhtml, reviews, source, terms, tokens  # noqa: F401

    return dict(sorted(_REGISTRY.items()))


def kind_of(message: Message) -> str:
    """The block kind ``extract`` wrote into the entry's comments ("" if none)."""
    for comment in message.auto_comments:
        if comment.startswith("kind: "):
            return comment[6:]
    return ""


def compare_counts(
    name: str, source: Counter[str], target: Counter[str], missing: str = "changed or missing"
) -> Iterator[str]:
    """One message per entry and kind of token: what is missing, and what came instead.

    >>> list(compare_counts("code span", Counter({"a": 1}), Counter({"b": 1})))
    ['code span changed or missing: a; not in the source: b']
    """
    lost, extra = source - target, target - source
    parts = []
    if lost:
        parts.append(f"{name} {missing}: " + ", ".join(sorted(lost)))
    if extra:
        parts.append("not in the source: " + ", ".join(sorted(extra)))
    if parts:
        yield "; ".join(parts)


def translations(message: Message) -> list[str]:
    """The non-empty msgstr(s) of an entry."""
    return [s for s in message.strings if s]


IGNORE_PREFIX = "equalcity-ignore:"


def ignored(message: Message) -> frozenset[str]:
    """Check ids silenced for this entry by a translator comment.

    ``# equalcity-ignore: doubled-word, identical`` (a translator comment, because GNU msgcat
    and every PO editor keep those, while they drop unknown ``#,`` flags).

    >>> sorted(ignored(Message("a", comments=["equalcity-ignore: identical, doubled-word"])))
    ['doubled-word', 'identical']
    """
    out: set[str] = set()
    for comment in message.comments:
        text = comment.strip()
        if text.startswith(IGNORE_PREFIX):
            out.update(part.strip() for part in text[len(IGNORE_PREFIX) :].split(","))
    return frozenset(out - {""})
