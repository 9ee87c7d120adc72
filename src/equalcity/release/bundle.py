"""Build an edition's bundle: Markdown, HTML site, PDFs, manifest, checksums, zip.

Reproducible: every date is the commit's, files and zip entries are sorted, zip entries carry a
fixed time and mode, and no machine path is written. Two releases of one commit are
byte-identical.

Cached by content: an edition whose inputs (every file it reads, the tool's own code, the
options and the commit) hash to a key seen before is copied from the cache; PDFs are cached by
their own content as well, so a change to one module re-renders only that module's PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from equalcity import __version__
from equalcity.fs import write_atomic
from equalcity.release import cards as cards_
from equalcity.release import fold
from equalcity.release import html as html_
from equalcity.release.contacts import Contact, contacts_for, used_contacts
from equalcity.release.content import DocumentText, LanguageStrings, document_text
from equalcity.release.editions import Edition, Release
from equalcity.release.gate import Blocker, content_blockers, current_blockers, release_inputs
from equalcity.release.pdf import render_job
from equalcity.release.ui import CATALOGUE, labels
from equalcity.repository.gitrepo import inputs_state
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot

Progress = Callable[[int], None]
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
GLOSSARY_DIR = "glossary"


@dataclass
class Commit:
    sha: str
    date: str  # ISO 8601, UTC: the last commit that changed the edition's inputs
    dirty: list[str]  # uncommitted or untracked paths among the release's inputs


def commit_info(project: Project, paths: Iterable[Path]) -> Commit:
    """HEAD, the date of the last commit that changed ``paths`` and which of them are
    uncommitted (``gitrepo.inputs_state``)."""
    sha, moment, dirty = inputs_state(project.root, paths)
    return Commit(sha, moment.strftime("%Y-%m-%dT%H:%M:%SZ"), dirty)


@dataclass
class EditionResult:
    edition: Edition
    preview: bool
    blockers: list[Blocker] = field(default_factory=list)
    folder: Path | None = None  # dist/<edition>/ when built
    archive: Path | None = None
    cached: bool = False
    pdfs_cached: int = 0
    documents: list[dict[str, object]] = field(default_factory=list)


def _code_fingerprint() -> str:
    """The tool's own code and templates: a new version of either invalidates the cache."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".html", ".css"} and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def input_key(project: Project, edition: Edition, preview: bool, commit: Commit) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([edition.__dict__, preview, commit.sha, commit.dirty]).encode())
    digest.update(_code_fingerprint().encode())
    for base in release_inputs(project, edition, existing=True):
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for path in files:
            if path.is_file():
                digest.update(project.rel(path).encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def gate(
    snapshot: Snapshot,
    edition: Edition,
    commit: Commit,
    cache: Path | None,
    key: str,
    today: dt.date,
) -> list[Blocker]:
    """Every blocker of an official release (check and coverage results cached by input key;
    contacts and the working tree looked at every time)."""
    stored = cache / "gates" / f"{key}.json" if cache else None
    if stored is not None and stored.exists():
        slow = [Blocker(**b) for b in json.loads(stored.read_text("utf-8"))]
    else:
        slow = content_blockers(snapshot, edition)
        if stored is not None:
            write_atomic(stored, json.dumps([b.__dict__ for b in slow], ensure_ascii=False))
    return slow + current_blockers(snapshot, edition, today, commit.dirty)


def _modules(snapshot: Snapshot) -> dict[str, list[Document]]:
    """The toolbox's modules and their documents, the module first (the UI catalogue is not a
    module: its strings are the pages' labels)."""
    modules: dict[str, list[Document]] = {}
    for doc in snapshot.documents():
        if doc.module != CATALOGUE.module:
            modules.setdefault(doc.module, []).append(doc)
    for docs in modules.values():
        docs.sort(key=lambda d: (d.name != "module", d.name))
    return modules


def css_string(text: str) -> str:
    """A CSS string literal for ``text``.

    >>> css_string('Preview "draft" </style>')
    '"Preview \\\\22 draft\\\\22  \\\\3c /style>"'
    """
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<\n' else c for c in text)
    return f'"{escaped}"'


@dataclass
class _Site:
    """What every page of an edition shares: its texts, contacts, labels and page values."""

    snapshot: Snapshot
    release: Release
    edition: Edition
    preview: bool
    contacts: dict[str, Contact]
    ui: dict[str, str]
    modules: dict[str, list[Document]]
    texts: dict[str, DocumentText]
    common: dict[str, object]

    @classmethod
    def read(
        cls,
        snapshot: Snapshot,
        release: Release,
        edition: Edition,
        *,
        preview: bool,
        commit: Commit,
        progress: Progress,
    ) -> _Site:
        contacts = contacts_for(snapshot, edition)
        ui = labels(snapshot, edition, preview)
        languages: dict[str, LanguageStrings] = {}
        modules = _modules(snapshot)
        texts: dict[str, DocumentText] = {}
        for docs in modules.values():
            for doc in docs:
                texts[doc.id] = document_text(
                    snapshot,
                    edition,
                    doc,
                    preview=preview,
                    contacts=contacts,
                    languages=languages,
                    example=ui["example"],
                )
                progress(1)
        common = {
            "lang": html_.html_lang(edition.language),
            "dir": html_.direction(edition.language),
            "ui": ui,
            "preview": preview,
            "site_title": edition.title or release.title or "equalcity",
            "edition": edition.id,
            "version": release.version,
            "date": commit.date,
            "commit": commit.sha,
            "tool_version": __version__,
        }
        return cls(snapshot, release, edition, preview, contacts, ui, modules, texts, common)

    @property
    def language(self) -> str:
        return self.edition.language

    @property
    def order(self) -> list[Document]:
        return [doc for docs in self.modules.values() for doc in docs]

    def title(self, doc: Document) -> str:
        return self.texts[doc.id].title or doc.id

    def marked(self, text: str) -> str:
        return html_.marked_text(
            text,
            self.ui,
            highlight=self.preview,
            fallback_lang=html_.html_lang(self.edition.fallback),
        )

    def cards_of(self, doc: Document, anchor: str) -> str:
        used = [self.contacts[c] for c in self.texts[doc.id].contacts if c in self.contacts]
        return cards_.cards_section(used, self.ui, self.language, anchor)

    def print_page(self, template: str, **values: object) -> str:
        head = f"{self.common['site_title']} · {self.edition.id}"
        head += f" · {self.ui['preview']}" if self.preview else ""
        return html_.page(
            template,
            css=html_.stylesheet(),
            running_head=css_string(head),
            **values,
            **self.common,
        )

    def document_page(self, doc: Document) -> bytes:
        """A document's HTML page: its text, contact cards, siblings and neighbours."""
        text = self.texts[doc.id]
        page = html_.render_markdown(
            text.marked,
            self.language,
            labels=self.ui,
            highlight=self.preview,
            fallback_lang=self.edition.fallback,
            heading_ids=text.heading_ids,
        )
        cards = self.cards_of(doc, "contact-cards")
        headings = (
            (*page.headings, (2, "contact-cards", self.ui["contacts_here"]))
            if cards
            else page.headings
        )
        order = self.order
        position = order.index(doc)
        neighbours = {
            "previous": order[position - 1] if position > 0 else None,
            "next": order[position + 1] if position + 1 < len(order) else None,
        }
        return html_.page(
            "document.html",
            root="../",
            title=self.title(doc),
            headings=headings,
            body=page.body + cards,
            siblings=[
                {"href": f"../{d.module}/{d.name}.html", "title": self.title(d), "id": d.id}
                for d in self.modules[doc.module]
            ],
            current=doc.id,
            pdf=f"../../pdf/{doc.module}.pdf",
            neighbours={
                key: {"href": f"../{d.module}/{d.name}.html", "title": self.title(d)}
                for key, d in neighbours.items()
                if d is not None
            },
            **self.common,
        ).encode("utf-8")

    def printed_document(self, doc: Document) -> dict[str, str]:
        """A document as a section of its module's PDF (ids prefixed: one PDF, many documents)."""
        text = self.texts[doc.id]
        prefix = f"{doc.module}-{doc.name}"
        printed = html_.render_markdown(
            text.marked,
            self.language,
            labels=self.ui,
            pdf=True,
            highlight=self.preview,
            fallback_lang=self.edition.fallback,
            heading_ids=[f"{prefix}-{i}" for i in text.heading_ids],
            doc_id=prefix,
        )
        return {
            "id": doc.id.replace("/", "-"),
            "body": printed.body + self.cards_of(doc, f"{prefix}-contact-cards"),
        }

    def index_entry(self, module: str) -> dict[str, object]:
        """A module on the site's index page: its title, PDF and documents with summaries."""
        docs = self.modules[module]
        first = self.texts[docs[0].id]
        return {
            "id": module,
            "title": self.marked(first.marked_title) if first.title else module,
            "pdf": f"../pdf/{module}.pdf",
            "documents": [
                {
                    "href": f"{d.module}/{d.name}.html",
                    "title": self.marked(self.texts[d.id].marked_title)
                    if self.texts[d.id].title
                    else d.id,
                    "summary": self.marked(self.texts[d.id].marked_summary),
                }
                for d in docs
            ],
        }

    def referral_cards(self) -> dict[str, list[str]]:
        """The referral card's contacts, emergency numbers first, as compact cards."""
        emergency, specialist = cards_.referral_order(
            self.contacts[c] for c in used_contacts(self.snapshot) if c in self.contacts
        )
        return {
            "emergency": [cards_.card(c, self.ui, self.language, compact=True) for c in emergency],
            "specialist": [
                cards_.card(c, self.ui, self.language, compact=True) for c in specialist
            ],
        }

    def pages(self) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
        """Every file of the bundle but the PDFs, and the print pages the PDFs are made from."""
        files: dict[str, bytes] = {}
        print_pages: list[tuple[str, str]] = []
        for module, docs in self.modules.items():
            for doc in docs:
                files[f"markdown/{doc.module}/{doc.name}.md"] = self.texts[doc.id].markdown.encode(
                    "utf-8"
                )
                files[f"html/{doc.module}/{doc.name}.html"] = self.document_page(doc)
            print_pages.append(
                (
                    f"pdf/{module}.pdf",
                    self.print_page(
                        "print.html",
                        title=self.texts[docs[0].id].title or module,
                        documents=[self.printed_document(doc) for doc in docs],
                    ),
                )
            )
        files["html/index.html"] = html_.page(
            "index.html",
            root="",
            modules=[self.index_entry(module) for module in self.modules],
            **self.common,
        ).encode("utf-8")
        cards = self.referral_cards()
        files["html/referral-card.html"] = html_.page(
            "card.html", root="", **cards, **self.common
        ).encode("utf-8")
        for size in ("a4", "a6"):
            print_pages.append(
                (
                    f"pdf/referral-card-{size}.pdf",
                    self.print_page("card-print.html", size=size, **cards),
                )
            )
        files["html/style.css"] = html_.stylesheet().encode("utf-8")
        return files, print_pages


def build(
    snapshot: Snapshot,
    release: Release,
    edition: Edition,
    dist: Path,
    *,
    preview: bool,
    commit: Commit,
    cache: Path | None,
    progress: Progress = lambda n: None,
    jobs: int = 1,
) -> EditionResult:
    """Write ``dist/<edition>/`` (replacing what was there) and its zip."""
    result = EditionResult(edition, preview)
    site = _Site.read(snapshot, release, edition, preview=preview, commit=commit, progress=progress)
    files, print_pages = site.pages()
    pdfs = _render_pdfs([html for _, html in print_pages], cache, jobs, progress)
    for (name, _), (data, was_cached) in zip(print_pages, pdfs, strict=True):
        files[name] = data
        result.pdfs_cached += was_cached
    # The wallet card for paper: the A6 pages imposed on A4 sheets that fold into a booklet.
    files["pdf/referral-card-a6-fold.pdf"] = fold.impose(
        files["pdf/referral-card-a6.pdf"], rtl=html_.direction(edition.language) == "rtl"
    )
    result.documents = [site.texts[doc.id].as_manifest() for doc in site.order]
    manifest = _manifest(
        snapshot, release, edition, preview, commit, result.documents, site.contacts
    )
    files["manifest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    sums = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files))
    files["SHA256SUMS"] = sums.encode()
    archive_name = f"equalcity-{edition.id}-{release.version}{'-preview' if preview else ''}.zip"
    files[archive_name] = _zip(edition.id, files)
    result.folder = _replace_folder(dist / edition.id, files)
    result.archive = result.folder / archive_name
    return result


def _render_pdfs(
    pages: list[str], cache: Path | None, jobs: int, progress: Progress
) -> list[tuple[bytes, bool]]:
    """One PDF per print page (from the cache when seen before), two processes at a time."""
    work = [(html, str(cache) if cache else None) for html in pages]
    outputs = []
    if jobs > 1 and len(work) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
            for output in pool.map(render_job, work):
                outputs.append(output)
                progress(1)
    else:
        for job in work:
            outputs.append(render_job(job))
            progress(1)
    return outputs


def _manifest(
    snapshot: Snapshot,
    release: Release,
    edition: Edition,
    preview: bool,
    commit: Commit,
    documents: list[dict[str, object]],
    contacts: dict[str, Contact],
) -> dict[str, object]:
    return {
        "edition": edition.id,
        "language": edition.language,
        "country": edition.country or None,
        "version": release.version,
        "preview": preview,
        "commit": commit.sha,
        "date": commit.date,
        "tool": f"equalcity {__version__}",
        "glossary_version": snapshot.glossary().version,
        "fallback": edition.fallback,
        "documents": documents,
        "totals": {
            key: sum(int(str(d[key])) for d in documents)
            for key in ("strings", "approved", "unapproved_shown", "fallback")
        },
        "contacts": [
            contacts[c].as_manifest() for c in sorted(used_contacts(snapshot)) if c in contacts
        ],
    }


def _zip(top: str, files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` under ``top/``: sorted, fixed times and modes, deflated."""
    with tempfile.SpooledTemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(f"{top}/{name}", date_time=_ZIP_EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                archive.writestr(info, files[name])
        buffer.seek(0)
        return buffer.read()


def _replace_folder(folder: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` into a fresh temporary folder, then swap it in for ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        os.chmod(staging, 0o755)
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, old)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def read_folder(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def store(cache: Path, key: str, folder: Path) -> None:
    """Keep a copy of a built edition under its input key."""
    target = cache / "editions" / key
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".edition.", dir=target.parent))
    shutil.copytree(folder, staging, dirs_exist_ok=True)
    try:
        os.replace(staging, target)
    except OSError:  # another release stored the same key meanwhile
        shutil.rmtree(staging, ignore_errors=True)


def restore(cache: Path, key: str, dist: Path, edition: Edition) -> Path | None:
    source = cache / "editions" / key
    if not (source / "manifest.json").exists():
        return None
    return _replace_folder(dist / edition.id, read_folder(source))
