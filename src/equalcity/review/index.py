"""The review index: every ledger line of the repository judged once (``verdicts.judge``).

``review_index(root)`` gathers the facts from git — the roster's chain of trust, which commit
added each ledger line, what its signature proves, who wrote the approved msgstr — and returns
ledgers whose lines carry their verdicts. ``status``, ``check``, ``review list/show``, the
dashboard, the review page and the release gate all read this index, so a decision counts
everywhere or nowhere.

Signature facts are cached by commit id in ``.git/equalcity/signatures.json`` (inside the git
directory: never in the working tree, never committed): a commit is immutable, so what its
signature proves never changes; which roster it is judged against is decided afresh on every
run. The index itself is kept in memory for one repository state
(HEAD and the files it reads).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from equalcity.errors import EqualcityError
from equalcity.fs import decode_utf8, write_atomic
from equalcity.po.catalog import Catalog, read_po
from equalcity.repository.gitrepo import (
    author_email,
    blob,
    blobs_at,
    commits_topo,
    file_at,
    head_commit,
    head_id,
    is_ancestor,
    is_shallow,
    ledger_rewrites,
    line_commits,
    open_repo,
    raw_commit,
    resolve_commit,
    same_since,
    touched_since,
)
from equalcity.repository.project import Document, Project
from equalcity.review.ledger import (
    LEDGER,
    Decision,
    Ledger,
    Reason,
    Verdict,
    key_hash,
    parse_ledger,
    text_hash,
)
from equalcity.review.panel import PANEL, Panel, load_panel, parse_panel
from equalcity.review.signatures import CommitSignature, check_commit
from equalcity.review.state import msgstr_lines
from equalcity.review.verdicts import LineFacts, RosterChain, judge, roster_chain

if TYPE_CHECKING:
    import git  # only the type: git operations stay in gitrepo.py

# The trust root can be pinned only from outside the repository: a file in it would let anyone
# who can push re-root the chain at a roster of their own.
TRUST_ROOT_ENV = "EQUALCITY_TRUST_ROOT"
CACHE = Path("equalcity/signatures.json")  # under the repository's (common) git directory
HISTORY = Path("equalcity/blame.json")
_CACHE_VERSION = 1


@dataclass
class ReviewIndex:
    """The roster in force and every language's ledger with a verdict per line."""

    panel: Panel  # the trusted roster at HEAD (the working tree's when none is trusted)
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    roster_problems: list[tuple[str, str]] = field(default_factory=list)  # (commit, why)
    roster_note: str = ""  # e.g. the working tree's roster is not the one in force
    rewrites: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # locale → (sha, email)
    # locale → the commit that added each ledger line (None: not committed), by line - 1: where
    # the review page finds the English an earlier approval was given for.
    added: dict[str, list[str | None]] = field(default_factory=dict)
    # The trusted roster in force at each commit (contact checks are judged against the one
    # at their commit's parent, like decisions); empty outside git.
    rosters: dict[str, Panel | None] = field(default_factory=dict)

    def ledger(self, locale: str) -> Ledger:
        """The judged ledger of ``locale`` (empty when it has none)."""
        return self.ledgers.get(locale, Ledger())

    def judged(self, locale: str, decisions: Iterable[Decision]) -> Ledger:
        """Decisions read from an earlier commit, judged as they are now: a line keeps the
        verdict of the same decision on the same line of today's ledger (the ledger is
        append-only), and counts for nothing if today's ledger no longer has it."""
        today = self.ledger(locale)
        by_line = {d.line: d for d in today.decisions}
        out = Ledger(list(decisions))
        for decision in out.decisions:
            if by_line.get(decision.line) == decision and decision.line in today.verdicts:
                out.verdicts[decision.line] = today.verdicts[decision.line]
        return out


_MEMO: dict[Path, tuple[tuple[object, ...], ReviewIndex]] = {}
_MEMO_LOCK = threading.Lock()
_BUILDING: dict[Path, threading.Lock] = {}


def review_index(root: Path) -> ReviewIndex:
    """The index of the repository at ``root`` in its current state (computed once per state)."""
    root = root.resolve()
    state = _state(root)
    with _MEMO_LOCK:
        hit = _MEMO.get(root)
        if hit is not None and hit[0] == state:
            return hit[1]
        building = _BUILDING.setdefault(root, threading.Lock())
    # One build per repository at a time: twenty requests arriving together after a commit
    # wait for the first one's index instead of each judging the whole ledger again.
    with building:
        with _MEMO_LOCK:
            hit = _MEMO.get(root)
            if hit is not None and hit[0] == state:
                return hit[1]
        index = build_index(root)
        with _MEMO_LOCK:
            _MEMO[root] = (state, index)
    return index


_PANELS: dict[Path, tuple[str, tuple[object, ...], Panel]] = {}


def panel_in_force(root: Path) -> Panel:
    """``review_index(root).panel`` — the roster in force at HEAD — without judging every ledger
    line again when HEAD only moved on by commits that leave the roster alone (the shared
    service records a decision per commit: rebuilding the index for each took most of a
    decision's time). A roster stays in force until a commit changes it, so the roster found
    at an earlier HEAD still holds when no commit on either side of their fork touched it."""
    root = root.resolve()
    stamp = (os.environ.get(TRUST_ROOT_ENV, ""), *_stat(root / PANEL))
    try:
        with open_repo(root) as repo:
            head = head_commit(repo) or ""
            hit = _PANELS.get(root)
            if (
                hit is not None
                and head
                and not is_shallow(repo)
                and hit[1] == stamp
                and (hit[0] == head or same_since(repo, hit[0], PANEL))
            ):
                _PANELS[root] = (head, stamp, hit[2])
                return hit[2]
    except EqualcityError:
        return review_index(root).panel  # not a repository: nothing to keep
    panel = review_index(root).panel
    _PANELS[root] = (head, stamp, panel)
    return panel


def _stat(path: Path) -> tuple[object, ...]:
    try:
        info = path.stat()
    except OSError:
        return (None,)
    return (info.st_mtime_ns, info.st_size)


def _state(root: Path) -> tuple[object, ...]:
    """What the index depends on: HEAD and the files it reads (by size and mtime)."""
    head = head_id(root)
    stats: list[object] = [os.environ.get(TRUST_ROOT_ENV, ""), head]
    files = [root / PANEL]
    locales = root / "locales"
    if locales.is_dir():
        files += sorted(locales.glob(f"*/{LEDGER}")) + sorted(locales.glob("*/*/*.po"))
    for path in files:
        try:
            info = path.stat()
            stats.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            stats.append((str(path), None))
    return tuple(stats)


def build_index(root: Path) -> ReviewIndex:
    """Judge every ledger line of the repository at ``root`` (see the module docstring)."""
    working = load_panel(root)  # a broken roster is a located error, whatever git says
    locales = sorted(p.parent.name for p in (root / "locales").glob(f"*/{LEDGER}"))
    try:
        repo = open_repo(root)
    except EqualcityError:
        return _without_git(root, working, locales)
    with repo:
        if is_shallow(repo):
            # The commits that prove each decision are not here: nothing counts, and each
            # decision says why (commands that must judge — check, release — refuse instead).
            return _without_git(root, working, locales, SHALLOW)
        return _Builder(root, repo, working).build(locales)


SHALLOW = (
    "this clone is shallow: the commits that prove decisions are missing (git fetch "
    "--unshallow; in CI actions/checkout fetch-depth: 0)"
)


def _without_git(
    root: Path,
    working: Panel,
    locales: list[str],
    why: str = "not a git repository: no decision can be verified",
) -> ReviewIndex:
    index = ReviewIndex(working, roster_note=why)
    for locale in locales:
        ledger = _parse_ledger(root, locale)
        facts = LineFacts(None, None, None, unavailable=why)
        ledger.verdicts = {d.line: judge(d, locale, facts, working) for d in ledger.decisions}
        index.ledgers[locale] = ledger
    return index


def _parse_ledger(root: Path, locale: str) -> Ledger:
    display = f"locales/{locale}/{LEDGER}"
    return parse_ledger(decode_utf8((root / display).read_bytes(), display), display)


class _Builder:
    def __init__(self, root: Path, repo: git.Repo, working: Panel) -> None:
        self.root = root
        self.repo = repo
        self.working = working
        self.cache = _SignatureCache(Path(repo.common_dir) / CACHE)
        self.history = _History(repo, Path(repo.common_dir) / HISTORY)
        self.rosters: dict[str, Panel | None] = {}
        self.added: dict[str, list[str | None]] = {}

    def signature(self, sha: str) -> CommitSignature:
        return self.cache.get(sha, lambda: check_commit(raw_commit(self.repo, sha)))

    def roster(self, blob_id: str) -> Panel | None:
        if blob_id not in self.rosters:
            try:
                data = blob(self.repo, blob_id)
                self.rosters[blob_id] = parse_panel(decode_utf8(data, PANEL))
            except EqualcityError:
                self.rosters[blob_id] = None
        return self.rosters[blob_id]

    def build(self, locales: list[str]) -> ReviewIndex:
        commits = commits_topo(self.repo)
        self.parents = dict(commits)
        blobs = blobs_at(self.repo, [sha for sha, _ in commits], PANEL)
        root = self._pinned_root() or self._first_with_maintainers(commits, blobs)
        chain = roster_chain(commits, blobs, root, self.roster, self.signature)
        head = head_commit(self.repo)
        in_force = chain.in_force.get(head) if head else None
        trusted = self.roster(in_force) if in_force else None
        index = ReviewIndex(trusted or self.working, roster_problems=list(chain.ignored))
        index.rosters = {
            sha: self.roster(blob) if blob else None for sha, blob in chain.in_force.items()
        }
        if trusted is None:
            index.roster_note = (
                "no trusted roster: decisions cannot count until a roster is committed "
                "(docs/review.md, 'Trust model')"
            )
        elif trusted != self.working:
            index.roster_note = (
                "the roster in workflows/panel.toml is not the one in force (uncommitted, or "
                "changed without a maintainer's signature): the last trusted roster applies"
            )
        for locale in locales:
            index.ledgers[locale], index.rewrites[locale] = self._judge(locale, index.panel, chain)
        index.added = self.added
        self.cache.save()
        self.history.save()
        return index

    def _first_with_maintainers(
        self, commits: list[tuple[str, tuple[str, ...]]], blobs: dict[str, str | None]
    ) -> str | None:
        """The first commit whose roster names a maintainer (None: no roster ever does, and
        the first roster is the root)."""
        for sha, _parents in commits:
            blob_id = blobs.get(sha)
            roster = self.roster(blob_id) if blob_id else None
            if roster is not None and roster.maintainers:
                return sha
        return None

    def _pinned_root(self) -> str | None:
        pin = os.environ.get(TRUST_ROOT_ENV, "").strip()
        if not pin:
            return None
        # an unknown pin matches no commit: nothing is trusted
        return resolve_commit(self.repo, pin) or "unknown:" + pin

    def _judge(
        self, locale: str, now: Panel, chain: RosterChain
    ) -> tuple[Ledger, list[tuple[str, str]]]:
        ledger = _parse_ledger(self.root, locale)
        path = self.root / "locales" / locale / LEDGER
        added, history = self.history.ledger(path)
        self.added[locale] = added
        rewrites, tainted = _rewrites(history)
        docs: dict[str, _DocWriters | None] = {}
        for decision in ledger.decisions:
            sha = added[decision.line - 1] if decision.line <= len(added) else None
            roster = None
            if sha is not None:
                parents = self.parents.get(sha, ())
                blob = chain.in_force.get(parents[0]) if parents else None
                roster = self.roster(blob) if blob else None
            facts = LineFacts(
                sha,
                self.signature(sha) if sha else None,
                roster,
                edited_by=tainted.get((decision.doc, decision.key), ""),
            )
            verdict = judge(decision, locale, facts, now)
            if verdict.counts and decision.decision == "approve":
                if decision.doc not in docs:
                    docs[decision.doc] = self._writers(locale, decision.doc)
                writers = docs[decision.doc]
                where = writers.wrote(decision, now, self.signature) if writers else ""
                if where:
                    verdict = judge(
                        decision, locale, LineFacts(sha, facts.signature, roster, where), now
                    )
            ledger.verdicts[decision.line] = verdict
        return ledger, rewrites

    def _writers(self, locale: str, doc_id: str) -> _DocWriters | None:
        project = Project(self.root)
        try:
            po = project.po_path(locale, Document.parse(doc_id))
            catalog = read_po(po, project.rel(po))
        except EqualcityError:
            return None  # a missing or broken file is reported by other checks
        text = po.read_text(encoding="utf-8")
        return _DocWriters(doc_id, catalog, text, self.history.lines(po), self.repo)


class _DocWriters:
    """Who last wrote each msgstr line of one PO file, for the four-eyes rule."""

    def __init__(
        self,
        doc_id: str,
        catalog: Catalog,
        text: str,
        commits: list[str | None],
        repo: git.Repo,
    ) -> None:
        self.doc_id = doc_id
        self.entries = {key_hash(m.msgctxt, m.msgid): m for m in catalog.active}
        lines = text.split("\n")
        self.lines = {key: msgstr_lines(lines, m.msgstr_line) for key, m in self.entries.items()}
        self.commits = commits
        self.repo = repo
        self.emails: dict[str, str] = {}

    def wrote(
        self, decision: Decision, now: Panel, signature: Callable[[str], CommitSignature]
    ) -> str:
        """``doc:line`` when the reviewer last wrote the msgstr this decision approves."""
        message = self.entries.get(decision.key)
        reviewer = now.by_id(decision.reviewer)
        if message is None or reviewer is None or text_hash(message) != decision.text:
            return ""
        for number in self.lines.get(decision.key, ()):
            sha = self.commits[number - 1] if 0 < number <= len(self.commits) else None
            if sha is None:
                continue
            if sha not in self.emails:
                self.emails[sha] = author_email(self.repo, sha)
            # the e-mail is a claim; a signature by the reviewer's own key is proof
            if self.emails[sha].casefold() == reviewer.email.casefold() or (
                signature(sha).key in reviewer.keys
            ):
                return f"{self.doc_id}:{message.msgstr_line}"
        return ""


Rewrite = tuple[str, str, list[str]]  # (commit, author e-mail, removed lines)


def _rewrites(history: list[Rewrite]) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """Commits that broke the append-only rule, and the entries whose lines they touched."""
    found: list[tuple[str, str]] = []
    tainted: dict[tuple[str, str], str] = {}
    for sha, email, removed in history:
        found.append((sha, email))
        for line in removed:
            try:
                data = json.loads(line)
                tainted.setdefault((str(data["doc"]), str(data["key"])), sha)
            except (ValueError, TypeError, KeyError):
                continue  # a removed line that was never a decision never counted
    return found, tainted


class _History:
    """Blame and ledger rewrites, kept between runs in the git directory.

    A file's blame stays true while no commit touches it: it is kept for the same bytes as long
    as HEAD descends from the commit it was made at and nothing since changed the file.
    A ledger is append-only, so the blame of the lines it had at an earlier commit C stays true
    at a later HEAD when C is an ancestor, HEAD's file starts with C's bytes and no commit since
    C removed or changed a line: then only the new lines are blamed, and only the commits since
    C are searched for rewrites. Anything else is blamed afresh.
    """

    def __init__(self, repo: git.Repo, path: Path) -> None:
        self.repo = repo
        self.path = path
        self.head = head_commit(repo) or ""
        self.dirty = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.data: dict[str, dict[str, Any]] = dict(data) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.data = {}

    def _rel(self, path: Path) -> str:
        root = Path(self.repo.working_tree_dir or ".").resolve()
        return str(path.resolve().relative_to(root))

    def lines(self, path: Path) -> list[str | None]:
        """Blame of a working-tree file (kept for the same HEAD and bytes)."""
        rel = self._rel(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        hit = self.data.get("file:" + rel)
        if hit and hit.get("digest") == digest and isinstance(hit.get("head"), str):
            since = hit["head"]
            if since == self.head or (
                is_ancestor(self.repo, since, self.head)
                and not touched_since(self.repo, since, rel)
            ):
                hit["head"] = self.head
                self.dirty = True
                return list(hit["lines"])
        found = line_commits(self.repo, path)
        self.data["file:" + rel] = {"head": self.head, "digest": digest, "lines": found}
        self.dirty = True
        return found

    def ledger(self, path: Path) -> tuple[list[str | None], list[Rewrite]]:
        """(commit that added each line of the working-tree ledger, rewrites in history)."""
        rel = self._rel(path)
        working = path.read_bytes()
        committed = file_at(self.repo, self.head, rel) if self.head else None
        if committed is None or not committed.endswith(b"\n") or not working.startswith(committed):
            # not committed yet, or edited in the working tree: plain blame, nothing kept
            return line_commits(self.repo, path), self._rewrites(path, None, [])
        count = committed.count(b"\n")
        known = self.data.get("ledger:" + rel)
        lines: list[str | None] | None = None
        rewrites: list[Rewrite] = []
        if known and self._extends(known, committed):
            rewrites = self._rewrites(path, known["commit"], known["rewrites"])
            if len(rewrites) == len(known["rewrites"]):  # nothing rewritten since
                lines = list(known["lines"])
                if count > len(lines):
                    lines += line_commits(self.repo, path, self.head, len(lines) + 1)
        if lines is None or len(lines) != count:
            lines = line_commits(self.repo, path, self.head)
            rewrites = self._rewrites(path, None, [])
        self.data["ledger:" + rel] = {
            "commit": self.head,
            "size": len(committed),
            "digest": hashlib.sha256(committed).hexdigest(),
            "lines": lines,
            "rewrites": rewrites,
        }
        self.dirty = True
        extra = working[len(committed) :].count(b"\n") + (
            1 if working[len(committed) :] and not working.endswith(b"\n") else 0
        )
        return lines + [None] * extra, rewrites

    def _extends(self, known: dict[str, Any], committed: bytes) -> bool:
        size = known.get("size")
        return (
            isinstance(size, int)
            and len(committed) >= size
            and hashlib.sha256(committed[:size]).hexdigest() == known.get("digest")
            and isinstance(known.get("commit"), str)
            and is_ancestor(self.repo, known["commit"], self.head)
        )

    def _rewrites(self, path: Path, since: str | None, before: list[Rewrite]) -> list[Rewrite]:
        if since == self.head:
            return [(str(a), str(b), list(c)) for a, b, c in before]
        new = ledger_rewrites(self.repo, path, since)
        return [*new, *((str(a), str(b), list(c)) for a, b, c in before)]

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(self.data) + "\n")
        except OSError:
            pass  # a read-only checkout blames again next time
        self.dirty = False


class _SignatureCache:
    """Commit id → signature fact, persisted between runs (commits never change)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, list[object]] = {}
        self.dirty = False
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if loaded.get("version") == _CACHE_VERSION:
                self.data = dict(loaded["commits"])
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            self.data = {}  # no cache, or an unreadable one: verify again

    def get(self, sha: str, compute: Callable[[], CommitSignature]) -> CommitSignature:
        hit = self.data.get(sha)
        if isinstance(hit, list) and len(hit) == 3:
            key, problem, names = hit
            return CommitSignature(
                key if isinstance(key, str) else None,
                str(problem),
                tuple(str(n) for n in names) if isinstance(names, list) else (),
            )
        fact = compute()
        self.data[sha] = [fact.key, fact.problem, list(fact.reviewers)]
        self.dirty = True
        return fact

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(
                self.path, json.dumps({"version": _CACHE_VERSION, "commits": self.data}) + "\n"
            )
        except OSError:
            pass  # a read-only checkout verifies again next time; nothing depends on the cache
        self.dirty = False


def reasons_by_check(index: ReviewIndex, locale: str, check: str) -> list[tuple[int, str]]:
    """(ledger line, message) of every reason filed under ``check`` (for ``equalcity check``)."""
    ledger = index.ledger(locale)
    out: list[tuple[int, str]] = []
    for decision in ledger.decisions:
        verdict = ledger.verdicts.get(decision.line, Verdict(decision.line, ()))
        out += [(decision.line, r.message) for r in verdict.reasons if r.check == check]
    return out


__all__ = ["Reason", "ReviewIndex", "build_index", "reasons_by_check", "review_index"]
