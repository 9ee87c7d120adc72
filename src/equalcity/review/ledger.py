"""The append-only review ledger (``locales/<lang>/reviews.jsonl``): decisions pinned to the text.

A decision is pinned to the exact text: each ledger line carries the hash of (msgctxt, msgid) and
of every msgstr. An approval counts only while both hashes match the entry; editing either makes
it stale, and reverting the edit makes it count again. Nothing about review is stored in the PO
files except the translator-facing ``# review:`` comment of a change request.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from equalcity.errors import EqualcityError
from equalcity.fs import decode_utf8, write_atomic
from equalcity.po.catalog import Message

LEDGER = "reviews.jsonl"
DECISIONS = ("approve", "request-changes")
_HASH = re.compile(r"[0-9a-f]{16}")


def key_hash(msgctxt: str | None, msgid: str) -> str:
    """The pin of an entry's source text.

    >>> key_hash(None, "Safety planning")
    'defee27bbac99a67'
    """
    data = (msgctxt or "") + "\x04" + msgid
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def text_hash(message: Message) -> str:
    """The pin of an entry's translation (every plural form)."""
    data = "\x00".join(message.strings)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    doc: str
    msgctxt: str | None
    key: str
    text: str  # hash of the msgstr(s)
    reviewer: str
    decision: str
    comment: str
    time: str
    translation: str = ""  # the text decided on, for diffs against later versions
    line: int = 0

    def as_json(self) -> str:
        data = {
            "doc": self.doc,
            "msgctxt": self.msgctxt,
            "key": self.key,
            "text": self.text,
            "reviewer": self.reviewer,
            "decision": self.decision,
            "comment": self.comment,
            "time": self.time,
            "translation": self.translation,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Reason:
    """Why a ledger line does not count, under the id of the check that reports it."""

    check: str  # review-signature, review-roster, review-self-approval, review-edited, …
    message: str


@dataclass(frozen=True)
class Verdict:
    """Whether one ledger line counts toward review, and every reason it does not."""

    line: int
    reasons: tuple[Reason, ...] = ()

    @property
    def counts(self) -> bool:
        return not self.reasons


@dataclass
class Ledger:
    """The decisions of a language's ledger and, once judged (``reviewindex``), a verdict per
    line: a decision without a verdict that counts is shown, never counted."""

    decisions: list[Decision] = field(default_factory=list)
    problems: list[EqualcityError] = field(default_factory=list)  # corrupt lines, kept
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # by ledger line
    _index: dict[tuple[str, str], list[Decision]] | None = field(default=None, repr=False)
    _indexed: int = field(default=-1, repr=False)

    def for_entry(self, doc: str, key: str) -> list[Decision]:
        """The decisions on one entry's source text, oldest first."""
        if self._index is None or self._indexed != len(self.decisions):
            self._indexed = len(self.decisions)
            self._index = {}
            for decision in self.decisions:
                self._index.setdefault((decision.doc, decision.key), []).append(decision)
        return self._index.get((doc, key), [])

    def counts(self, decision: Decision) -> bool:
        verdict = self.verdicts.get(decision.line)
        return verdict is not None and verdict.counts


def ledger_path(root: Path, locale: str) -> Path:
    return root / "locales" / locale / LEDGER


def read_ledger(root: Path, locale: str) -> Ledger:
    """Every well-formed line; malformed ones are reported, never dropped or rewritten."""
    path = ledger_path(root, locale)
    display = f"locales/{locale}/{LEDGER}"
    if not path.exists():
        return Ledger()
    return parse_ledger(decode_utf8(path.read_bytes(), display), display)


def parse_ledger(text: str, display: str) -> Ledger:
    """The decisions in the text of a ledger; malformed lines become located problems."""
    ledger = Ledger()
    fields = {"doc", "key", "text", "reviewer", "decision", "time"}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict) or not fields <= set(data):
                raise ValueError("missing fields " + ", ".join(sorted(fields - set(data or {}))))
            if data["decision"] not in DECISIONS:
                raise ValueError("decision must be approve or request-changes")
            for name in ("key", "text"):
                if not isinstance(data[name], str) or not _HASH.fullmatch(data[name]):
                    raise ValueError(f"{name} must be a hash of 16 hex digits, not {data[name]!r}")
            for name in ("doc", "reviewer", "time", "comment", "translation"):
                if name in data and not isinstance(data[name], str):
                    raise ValueError(f"{name} must be text, not {data[name]!r}")
            if data.get("msgctxt") is not None and not isinstance(data["msgctxt"], str):
                raise ValueError(f"msgctxt must be text or null, not {data['msgctxt']!r}")
            ledger.decisions.append(
                Decision(
                    str(data["doc"]),
                    data.get("msgctxt"),
                    str(data["key"]),
                    str(data["text"]),
                    str(data["reviewer"]),
                    str(data["decision"]),
                    str(data.get("comment", "")),
                    str(data["time"]),
                    str(data.get("translation", "")),
                    number,
                )
            )
        except (ValueError, TypeError) as exc:
            ledger.problems.append(
                EqualcityError(
                    f"malformed ledger line ({exc}); ledger lines are never edited",
                    path=display,
                    line=number,
                )
            )
    return ledger


def append_decisions(root: Path, locale: str, decisions: Iterable[Decision]) -> Path:
    """Append lines to the ledger, keeping every existing byte; the new file replaces the old
    atomically, so a crash never leaves half a line."""
    path = ledger_path(root, locale)
    lines = "".join(d.as_json() + "\n" for d in decisions).encode("utf-8")
    existing = path.read_bytes() if path.exists() else b""
    if existing and not existing.endswith(b"\n"):
        lines = b"\n" + lines
    write_atomic(path, existing + lines)
    return path
