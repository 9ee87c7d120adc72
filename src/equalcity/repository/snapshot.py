"""The one read model of a content repository: a ``Snapshot``.

A snapshot is the repository's inputs as they are in the working tree (``Snapshot.of``) or at
a commit (``Snapshot.at``), each parsed once, on first use, into typed objects: the source
documents and the templates derived from them, the translation catalogs, the roster, the
judged review ledgers, the glossary, the editions and their contacts, the check settings.
Every command that reads — ``status``, ``check``'s repository checks, ``review list/show``,
the release gate and its content, the dashboard and its trend, ``release notes``, the review
page — asks a snapshot, so they all see the same files parsed the same way and the same
review state of every entry (``Snapshot.review``): a decision counts everywhere or nowhere.

Only this module and ``gitrepo`` read the repository's files or ask git; writers (extract,
update, review decisions, the service) write through ``fs.write_atomic`` and git commits.

An entry's tier (how many approvals it needs) follows the *template* derived from the English
source — its section and its source markers — never the extracted comments of a PO file, which
anyone who edits that file could delete.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol, TypeVar

from equalcity.errors import EqualcityError
from equalcity.fs import decode_utf8
from equalcity.po.catalog import Catalog, Message, read_po_bytes
from equalcity.repository.project import CONTENT_FOLDERS, TEMPLATES, Document, Project
from equalcity.review.ledger import LEDGER, Ledger
from equalcity.review.panel import PANEL, Panel, parse_panel
from equalcity.review.state import EntryReview, review_state

if TYPE_CHECKING:
    import git

    from equalcity.checks.runner import CheckConfig
    from equalcity.glossary.termbase import Glossary
    from equalcity.release.contacts import Contact
    from equalcity.release.editions import Release
    from equalcity.review.index import ReviewIndex

T = TypeVar("T")
_MISSING = object()


class Files(Protocol):
    """Where a snapshot's files come from: the working tree or a commit."""

    def read(self, rel: str) -> bytes | None:
        """The bytes of the file at ``rel`` (a POSIX path from the root), None if absent."""

    def listing(self, folder: str) -> list[str]:
        """Every file below ``folder`` (relative POSIX paths from the root), sorted."""

    def version(self, rel: str) -> object:
        """What identifies this version of the file (for caches shared across snapshots)."""


@dataclass(frozen=True)
class WorkingFiles:
    root: Path

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def listing(self, folder: str) -> list[str]:
        top = self.root / folder
        if not top.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix() for path in top.rglob("*") if path.is_file()
        )

    def version(self, rel: str) -> object:
        try:
            info = (self.root / rel).stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

    def refuse_links(self) -> None:
        """Refuse symbolic links that leave the repository in the content folders, and any
        link in place of a review ledger: a read through them would take text from elsewhere,
        a write would change a file outside, or another language's decisions."""
        root = self.root.resolve()
        for folder in CONTENT_FOLDERS:
            top = self.root / folder
            if top.is_symlink():
                self._check_link(top, root)
            if not top.is_dir():
                continue
            for current, dirs, files in os.walk(top):
                for name in [*dirs, *files]:
                    path = Path(current) / name
                    if path.is_symlink():
                        self._check_link(path, root)

    def _check_link(self, path: Path, root: Path) -> None:
        target = path.resolve()
        if path.name == LEDGER:
            raise EqualcityError(
                "a review ledger must be a file, not a symbolic link; replace the link with "
                "the ledger of this language",
                path=os.path.relpath(path, self.root),
            )
        if target != root and root not in target.parents:
            raise EqualcityError(
                f"symbolic link to {target}, outside the repository; copy the file in instead",
                path=os.path.relpath(path, self.root),
            )


@dataclass(frozen=True)
class MemoryFiles:
    """Files held in memory (relative path → bytes): a snapshot without a disk or git, for
    the pure core's tests and for text that is not committed anywhere (an upload)."""

    data: dict[str, bytes]

    def read(self, rel: str) -> bytes | None:
        return self.data.get(rel)

    def listing(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(path for path in self.data if path.startswith(prefix))

    def version(self, rel: str) -> object:
        found = self.data.get(rel)
        return None if found is None else hashlib.sha256(found).hexdigest()


class CommitFiles:
    """The files of one commit, read through git's object store (``gitrepo``). The commit's
    tree is listed only when a listing is asked for; a single file is found by its path."""

    def __init__(self, repo: git.Repo, commit: str, folders: tuple[str, ...]) -> None:
        self.repo = repo
        self.commit = commit
        self.folders = folders
        self._blobs: dict[str, str] | None = None
        self._found: dict[str, str | None] = {}

    @property
    def blobs(self) -> dict[str, str]:
        from equalcity.repository.gitrepo import tree_files

        if self._blobs is None:
            self._blobs = tree_files(self.repo, self.commit, list(self.folders))
        return self._blobs

    def _blob_id(self, rel: str) -> str | None:
        if self._blobs is not None:
            return self._blobs.get(rel)
        if rel not in self._found:
            from equalcity.repository.gitrepo import blob_id_at

            self._found[rel] = blob_id_at(self.repo, self.commit, rel)
        return self._found[rel]

    def read(self, rel: str) -> bytes | None:
        from equalcity.repository.gitrepo import blob

        blob_id = self._blob_id(rel)
        return None if blob_id is None else blob(self.repo, blob_id)

    def listing(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(path for path in self.blobs if path.startswith(prefix))

    def version(self, rel: str) -> object:
        return self._blob_id(rel)


@dataclass
class Snapshot:
    """The repository's inputs, each parsed once (see the module docstring)."""

    project: Project
    files: Files
    commit: str | None = None  # None: the working tree
    #: Parsed files shared by the snapshots of one history walk, keyed by the file's version
    #: (its blob id), so that a file is parsed once however many commits hold it.
    shared: dict[object, object] | None = field(default=None, repr=False)
    #: The judged ledgers to use instead of asking git (``Snapshot.in_memory``).
    index: ReviewIndex | None = field(default=None, repr=False)
    _memo: dict[object, object] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def _once(self, key: object, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for, the same object afterwards
        (thread-safe: the review page serves requests from threads)."""
        found = self._memo.get(key, _MISSING)  # the common case: no lock (a dict read is atomic)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]

    def _parsed(self, kind: str, rel: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per snapshot, and once per version of ``rel`` across the
        snapshots that share a cache."""
        if self.shared is None:
            return self._once((kind, rel), compute)
        key = (kind, rel, self.files.version(rel))
        with self._lock:
            if key not in self.shared:
                self.shared[key] = compute()
            return self.shared[key]  # type: ignore[return-value]

    # -- construction ------------------------------------------------------------------

    @classmethod
    def of(cls, project: Project | Path) -> Snapshot:
        """The working tree of ``project``."""
        project = project if isinstance(project, Project) else Project(project)
        return cls(project, WorkingFiles(project.root))

    @classmethod
    def in_memory(cls, files: dict[str, str | bytes], index: ReviewIndex | None = None) -> Snapshot:
        """A snapshot of ``files`` (path → text) that touches no disk and no git: decisions
        are judged as ``index`` says (by default, none counts: nothing proves them)."""
        data = {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}
        return cls(Project(Path("<memory>")), MemoryFiles(data), "memory", index=index)

    @classmethod
    def at(
        cls,
        project: Project,
        repo: git.Repo,
        commit: str,
        shared: dict[object, object] | None = None,
    ) -> Snapshot:
        """The content folders of ``project`` as they were at ``commit`` (``shared``: a parse
        cache for many commits of one repository)."""
        return cls(project, CommitFiles(repo, commit, CONTENT_FOLDERS), commit, shared)

    # -- files ---------------------------------------------------------------------------

    def data(self, rel: str) -> bytes | None:
        return self.files.read(rel)

    def text(self, rel: str) -> str | None:
        """The UTF-8 text of ``rel`` (None if absent); bad encoding is a located error."""
        raw = self.files.read(rel)
        return None if raw is None else decode_utf8(raw, rel)

    def require_text(self, rel: str) -> str:
        text = self.text(rel)
        if text is None:
            raise EqualcityError("no such file", path=rel)
        return text

    def exists(self, rel: str) -> bool:
        return self.files.version(rel) is not None

    # -- documents and catalogs ---------------------------------------------------------

    def documents(self) -> list[Document]:
        """Every source document, sorted (``source/MODULE/DOC.md``)."""
        return self._once("documents", self._documents)

    def _documents(self) -> list[Document]:
        found = []
        for rel in self.files.listing("source"):
            parts = PurePosixPath(rel).parts
            if len(parts) == 3 and parts[2].endswith(".md"):
                found.append(Document(parts[1], parts[2].removesuffix(".md")))
        if not found and self.commit is None and not self.project.source_dir.is_dir():
            raise EqualcityError(
                "no source/ folder here; run in the content repository or pass --root",
                path=self.project.root,
            )
        return sorted(found)

    def locales(self) -> list[str]:
        """The languages that have a folder under ``locales/`` (with any file in it)."""
        return self._once("locales", self._locales)

    def _locales(self) -> list[str]:
        names = {
            PurePosixPath(rel).parts[1]
            for rel in self.files.listing("locales")
            if len(PurePosixPath(rel).parts) > 2
        }
        return sorted(n for n in names if n != TEMPLATES and not n.startswith("."))

    def language(self, code: str) -> str:
        """The language folder named ``code``, exactly as written, or an error.

        Folder names are the user's (and Weblate's, Poedit's): ``zh_CN`` is never looked up as
        ``zh_Hans_CN``; a name that means the same as an existing folder is only suggested.
        """
        from equalcity.po.locales import parse_name, same_language

        folders = self.locales()
        if code in folders:
            return code
        where = "locales"
        try:
            parse_name(code)
        except EqualcityError as exc:
            raise exc.located(where) from None
        similar = [folder for folder in folders if same_language(folder, code)]
        if similar:
            raise EqualcityError(
                f"no language folder {code!r}; did you mean {similar[0]!r}? "
                "(a language is named as its folder is)",
                path=where,
            )
        raise EqualcityError(
            f"no language {code!r} yet; create it with 'equalcity init {code}'", path=where
        )

    def template_documents(self) -> list[Document]:
        """The documents that have a template file (``locales/templates/MODULE/DOC.pot``)."""
        found = []
        for rel in self.files.listing(f"locales/{TEMPLATES}"):
            parts = PurePosixPath(rel).parts
            if len(parts) == 4 and parts[3].endswith(".pot"):
                found.append(Document(parts[2], parts[3].removesuffix(".pot")))
        return sorted(found)

    def po_documents(self, locale: str) -> list[Document]:
        found = []
        for rel in self.files.listing(f"locales/{locale}"):
            parts = PurePosixPath(rel).parts
            if len(parts) == 4 and parts[3].endswith(".po"):
                found.append(Document(parts[2], parts[3].removesuffix(".po")))
        return sorted(found)

    def source(self, doc: Document) -> str:
        return self.require_text(f"source/{doc.module}/{doc.name}.md")

    def template(self, doc: Document) -> Catalog:
        """The template of ``doc`` as ``extract`` derives it from the English source (not the
        ``.pot`` file, which may be stale or edited by hand)."""
        from equalcity.content.templates import build_template

        rel = f"source/{doc.module}/{doc.name}.md"

        def build() -> Catalog:
            try:
                return build_template(self.source(doc), rel)
            except EqualcityError as exc:
                raise exc.located(rel) from None

        return self._parsed("template", rel, build)

    def template_entry(self, doc: Document, message: Message) -> Message | None:
        """The template's entry for ``message`` (same msgctxt and msgid), None if the source no
        longer has it."""
        return self._template_index(doc).get((message.msgctxt, message.msgid))

    def _template_index(self, doc: Document) -> dict[tuple[str | None, str], Message]:
        def index() -> dict[tuple[str | None, str], Message]:
            try:
                entries = self.template(doc).active
            except EqualcityError:
                entries = []  # a broken or missing source is reported by its own check
            return {(m.msgctxt, m.msgid): m for m in entries}

        return self._parsed("template-index", f"source/{doc.id}.md", index)

    def catalog_at(self, rel: str, *, keep: bool = True) -> Catalog:
        """The PO or POT file at ``rel``, parsed once (a missing file is a located error).
        ``keep=False``: a reader that visits every file once (status) gets it parsed without
        the snapshot holding on to it — all of a large repository's catalogs at once would
        triple the memory and slow Python's garbage collector."""

        def parse() -> Catalog:
            data = self.data(rel)
            if data is None:
                raise EqualcityError("no such file", path=rel)
            return read_po_bytes(data, rel)

        if not keep and self.shared is None:
            found = self._memo.get(("catalog", rel), _MISSING)
            return found if isinstance(found, Catalog) else parse()
        return self._parsed("catalog", rel, parse)

    def catalog(self, locale: str, doc: Document, *, keep: bool = True) -> Catalog:
        return self.catalog_at(f"locales/{locale}/{doc.module}/{doc.name}.po", keep=keep)

    def catalog_if_any(self, locale: str, doc: Document) -> Catalog | None:
        rel = f"locales/{locale}/{doc.module}/{doc.name}.po"
        return self.catalog_at(rel) if self.exists(rel) else None

    # -- review -------------------------------------------------------------------------

    def roster(self) -> Panel:
        """``workflows/panel.toml`` as written in this snapshot (not necessarily trusted)."""

        def parse() -> Panel:
            text = self.text(PANEL)
            return Panel() if text is None else parse_panel(text)

        return self._parsed("roster", PANEL, parse)

    def reviews(self) -> ReviewIndex:
        """Every ledger line judged once (``reviewindex``): the roster in force and the
        verdicts. A snapshot of a commit judges its lines as they are judged today."""
        return self._once("reviews", self._reviews)

    def _reviews(self) -> ReviewIndex:
        from equalcity.review.index import ReviewIndex, review_index

        if self.index is not None:
            return self.index
        if isinstance(self.files, MemoryFiles):
            return self._unproven()
        today = review_index(self.project.root)
        if self.commit is None:
            return today
        index = ReviewIndex(self.roster(), roster_note=today.roster_note)
        for locale in self.ledger_locales():
            index.ledgers[locale] = self._judged(today, locale)
        return index

    def _unproven(self) -> ReviewIndex:
        from equalcity.review.index import ReviewIndex
        from equalcity.review.verdicts import LineFacts, judge

        why = "held in memory: no commit proves any decision"
        index = ReviewIndex(self.roster(), roster_note=why)
        for locale in self.ledger_locales():
            ledger = self.raw_ledger(locale)
            facts = LineFacts(None, None, None, unavailable=why)
            ledger.verdicts = {
                d.line: judge(d, locale, facts, index.panel) for d in ledger.decisions
            }
            index.ledgers[locale] = ledger
        return index

    def _judged(self, today: ReviewIndex, locale: str) -> Ledger:
        rel = f"locales/{locale}/{LEDGER}"
        return self._parsed(
            "judged", rel, lambda: today.judged(locale, self.raw_ledger(locale).decisions)
        )

    @property
    def panel(self) -> Panel:
        """The roster in force: the trusted one (``reviews().panel``)."""
        return self.reviews().panel

    def ledger_locales(self) -> list[str]:
        return sorted(
            PurePosixPath(rel).parts[1]
            for rel in self.files.listing("locales")
            if len(PurePosixPath(rel).parts) == 3 and rel.endswith("/" + LEDGER)
        )

    def raw_ledger(self, locale: str) -> Ledger:
        """The ledger's lines, not judged."""
        from equalcity.review.ledger import parse_ledger

        rel = f"locales/{locale}/{LEDGER}"

        def parse() -> Ledger:
            text = self.text(rel)
            return Ledger() if text is None else parse_ledger(text, rel)

        return self._parsed("ledger", rel, parse)

    def ledger(self, locale: str) -> Ledger:
        """The judged ledger of ``locale`` (empty when it has none)."""
        return self.reviews().ledger(locale)

    def review(self, locale: str, doc: Document, message: Message) -> EntryReview:
        """The review state of one PO entry: the one place it is computed. The tier comes
        from the template derived from the source (see the module docstring)."""
        return self.reviewer(locale, doc)(message)

    def reviewer(self, locale: str, doc: Document) -> Callable[[Message], EntryReview]:
        """``review`` for the entries of one document, its lookups done once (status asks it
        for every entry of every language)."""
        templates = self._template_index(doc)
        index = self.reviews()
        ledger, panel, doc_id = index.ledger(locale), index.panel, doc.id

        def judge(message: Message) -> EntryReview:
            basis = templates.get((message.msgctxt, message.msgid))
            return review_state(
                message,
                doc_id,
                locale,
                ledger,
                panel,
                tier_of=basis if basis is not None else message,
            )

        return judge

    # -- termbase, editions, settings ---------------------------------------------------

    def glossary(self) -> Glossary:
        """Every concept of ``glossary/*.yaml``."""
        from equalcity.glossary.termbase import parse_files

        def parse() -> Glossary:
            names = [
                rel
                for rel in self.files.listing("glossary")
                if rel.count("/") == 1 and rel.endswith(".yaml")
            ]
            return parse_files((PurePosixPath(rel).name, self.data(rel) or b"") for rel in names)

        return self._once("glossary", parse)

    def release(self) -> Release:
        """``workflows/release.toml``: the editions (none when the file is absent)."""
        from equalcity.release.editions import CONFIG, parse_release

        return self._once("release", lambda: parse_release(self.locales(), self.text(CONFIG)))

    def contacts(self, rel: str) -> dict[str, Contact]:
        """The contacts of one file (``{}`` if absent), every field checked."""
        from equalcity.release.contacts import parse_contacts

        def parse() -> dict[str, Contact]:
            text = self.text(rel)
            return {} if text is None else parse_contacts(text, rel)

        return self._once(("contacts", rel), parse)

    def check_config(self) -> CheckConfig:
        """``workflows/checks.toml`` with the names allow-list and the contacts register."""
        from equalcity.checks.runner import CONFIG, parse_config

        return self._once("check-config", lambda: parse_config(self, self.text(CONFIG)))


__all__ = ["CommitFiles", "Files", "Snapshot", "WorkingFiles"]
