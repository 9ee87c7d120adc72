"""A translator's PO files, downloaded from the shared service and uploaded back (no git).

A download is the file as it is at the service's HEAD with two header fields added:
``X-Equalcity-Document`` (which document) and ``X-Equalcity-Base`` (which commit). PO editors
keep unknown ``X-`` fields, so the upload says where it came from. An upload is then:

1. unpacked safely (one PO file, or a zip of them: sizes, member counts and paths bounded);
2. parsed, and refused unless only translations changed: the same entries as the base file
   (no new, removed or re-worded msgid), the language of the page, and a header that differs
   only in the fields an editor keeps up to date (``Last-Translator``, ``PO-Revision-Date``…);
3. checked with ``equalcity check``'s PO checks: the findings on the entries it changed (errors
   block, warnings need a comment), with the uploaded file's line numbers;
4. three-way merged (``merge3``) with the base commit's file as ancestor, so what others did
   since the download survives; the same entry changed on both sides is a conflict that stops
   everything;
5. shown as a per-entry diff; confirmed, it becomes one commit signed by the service with a
   ``Translator:`` trailer (``commit``).

Only msgstr, the fuzzy flag and translator comments are ever taken from an upload: everything
the template writes (references, extracted comments, ``#|``) comes from the repository.
"""

from __future__ import annotations

import copy
import io
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from equalcity.content.uitext import fill
from equalcity.errors import ConflictError, EqualcityError, RefusedError
from equalcity.fs import decode_utf8
from equalcity.po.catalog import (
    Catalog,
    Message,
    format_header,
    read_po,
    read_po_text,
    render_canonical,
    write_po_files,
)
from equalcity.po.locales import language_of
from equalcity.po.merge3 import Conflict, merge3
from equalcity.repository.gitrepo import (
    Identity,
    ServiceSigning,
    commit_as_service,
    file_at,
    head_commit,
    open_repo,
    refuse_other_changes,
    undo,
    write_lock,
)
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import key_hash
from equalcity.review.panel import Reviewer

BASE_FIELD = "X-Equalcity-Base"
DOC_FIELD = "X-Equalcity-Document"
# Header fields a PO editor rewrites on every save: accepted in an upload, never taken (the
# repository keeps its own; Last-Translator may carry a real name, and the commit's
# Translator: trailer already says who).
EDITOR_FIELDS = frozenset(
    {"Last-Translator", "PO-Revision-Date", "Language-Team", "X-Generator", BASE_FIELD, DOC_FIELD}
)
MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # the whole request; a module's PO files are < 1 MB
MAX_MEMBERS = 40  # files in one zip
MAX_UNPACKED_BYTES = 16 * 1024 * 1024  # all files of a zip, uncompressed
# The checks that judge the file as a whole and still matter once we keep only translations.
FILE_CHECKS = frozenset({"po-syntax", "po-header", "po-plural-count"})


# Why an upload is refused or cannot be saved, in the core's English with the values in braces.
# The keys are labels of the service's catalogue (source/ui/review-page.md), so the translators'
# page says the same in the translator's language; scripts get this English.
REFUSALS: dict[str, str] = {
    "refused_too_large": "the upload is {size} MB; at most {limit} MB (a module's PO files are "
    "well under 1 MB)",
    "refused_broken_zip": "a broken zip file; upload the PO files or a new zip",
    "refused_zip_members": "the zip holds {count} files; at most {limit} (the PO files of one "
    "module)",
    "refused_zip_outside": "the zip names a file outside itself ('{member}'); upload the PO files "
    "as downloaded",
    "refused_zip_not_po": "the zip holds '{member}', which is not a .po file; zip only the PO "
    "files",
    "refused_zip_unreadable": "cannot read '{member}' in the zip ({detail})",
    "refused_zip_bomb": "the zip unpacks to more than {limit} MB; a module's PO files are well "
    "under 1 MB (is it a zip bomb?)",
    "refused_zip_empty": "the zip holds no PO file",
    "refused_twice": "{doc} is also in {other}; upload it once",
    "refused_no_file": "there is no {file} (any more)",
    "refused_unknown_base": "{field} names no version of {doc} this service knows; download the "
    "file again and copy your translations into it",
    "refused_not_text": "not a PO file: {detail}; upload the .po file your editor saved",
    "refused_not_po": "not a valid PO file: {detail}",
    "refused_empty": "not a PO file (no entries at all)",
    "refused_language": "this file is in '{language}', not '{locale}': upload it on the page of "
    "its own language",
    "refused_no_language": "this file names no language, not '{locale}': upload it on the page "
    "of its own language",
    "refused_not_ours": "the header has no {field}: this file was not downloaded from this "
    "service; download the file here and copy your translations into it",
    "refused_document": "the header field {field} names no document of this service ({detail})",
    "refused_other_module": "this file belongs to module {module}, not {expected}; upload it on "
    "that module's page",
    "refused_new_entry": "the entry '{entry}' is not in the file you downloaded: a changed or new "
    "msgid is the English source, which only changes in source/; change translations only",
    "refused_missing_entry": "the entry '{entry}' is missing: every entry of the downloaded file "
    "must stay (leave a translation empty instead)",
    "refused_plural": "the plural source of '{entry}' changed; change translations only",
    "refused_header": "the header field {field} changed ('{old}' → '{new}'); only translations "
    "may change",
    "blocked_conflict": "1 entry was changed by someone else since your download ('{entry}' in "
    "{doc}); download again and redo that entry",
    "blocked_conflicts": "{count} entries were changed by someone else since your download "
    "(first: '{entry}' in {doc}); download again and redo those entries",
    "blocked_errors": "{count} error(s) to fix first, e.g. {file}:{line}: {message}",
    "blocked_nothing": "nothing to change: the upload holds the translations the repository has",
    "blocked_warnings": "there are warnings: say in a comment why the translation is right as it "
    "is",
}


class UploadRefused(EqualcityError):
    """An upload that is not the translation of files downloaded here (nothing is written);
    ``reason`` names its sentence in ``REFUSALS`` and ``values`` fill it."""

    reason: str = ""
    values: Mapping[str, object] = MappingProxyType({})


def _refused(reason: str, *, path: str, line: int | None = None, **values: object) -> UploadRefused:
    error = UploadRefused(fill(REFUSALS[reason], values), path=path, line=line)
    error.reason, error.values = reason, values
    return error


@dataclass(frozen=True)
class Problem:
    """A check's finding on an uploaded file, in the uploaded file's lines."""

    file: str
    line: int
    severity: str  # "error" | "warning"
    check: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity,
            "check": self.check,
            "message": self.message,
        }


@dataclass(frozen=True)
class Change:
    """One entry the upload changes, as the commit will change it."""

    doc: str
    entry: str  # key_hash, first 8 digits (as the review page names entries)
    msgid: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    old_fuzzy: bool
    new_fuzzy: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "doc": self.doc,
            "entry": self.entry,
            "msgid": self.msgid,
            "old": list(self.old),
            "new": list(self.new),
            "old_fuzzy": self.old_fuzzy,
            "new_fuzzy": self.new_fuzzy,
        }


@dataclass
class Prepared:
    """An upload checked and merged, not written: what confirming it would commit."""

    locale: str
    module: str
    merged: dict[str, Catalog] = field(default_factory=dict)  # doc id → merged catalog
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[tuple[str, Conflict]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def as_dict(self) -> dict[str, object]:
        return {
            "locale": self.locale,
            "module": self.module,
            "changes": [c.as_dict() for c in self.changes],
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
            "conflicts": [
                {"doc": doc, "msgid": c.key[1], "yours": list(c.theirs), "theirs": list(c.ours)}
                for doc, c in self.conflicts
            ],
        }


# -- download ----------------------------------------------------------------------------------


def download(project: Project, locale: str, doc: Document) -> tuple[str, str]:
    """(file text, base commit) of one document's PO file as it is at HEAD, its header naming
    the document and the commit."""
    path = project.po_path(locale, doc)
    display = project.rel(path)
    with open_repo(project.root) as repo:
        base = head_commit(repo) or ""
        data = file_at(repo, base, display) if base else None
    if data is None:
        raise EqualcityError("no such document in this language", path=display)
    catalog = read_po_text(decode_utf8(data, display), display)
    header = catalog.header or Message("")
    fields = catalog.header_fields()
    fields[DOC_FIELD] = doc.id
    fields[BASE_FIELD] = base
    header.msgstr = format_header(fields)
    catalog.header = header
    [text] = render_canonical([(catalog, display)])
    return text, base


def file_name(locale: str, doc: Document) -> str:
    """The name a downloaded file gets, e.g. ``fr-01-introduction-module.po``."""
    return f"{locale}-{doc.module}-{doc.name}.po"


def download_zip(project: Project, locale: str, docs: Iterable[Document]) -> tuple[bytes, str]:
    """(zip bytes, base commit) of several documents' PO files."""
    buffer = io.BytesIO()
    base = ""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for doc in docs:
            text, base = download(project, locale, doc)
            archive.writestr(file_name(locale, doc), text)
    return buffer.getvalue(), base


# -- unpacking -----------------------------------------------------------------------------------


def unpack(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The files of an upload: ``data`` itself, or the members of a zip (bounded: sizes,
    member count, no path that leaves the archive)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refused(
            "refused_too_large",
            path=name,
            size=len(data) // 1024 // 1024,
            limit=MAX_UPLOAD_BYTES // 1024 // 1024,
        )
    if not data.startswith(b"PK\x03\x04"):
        return [(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise _refused("refused_broken_zip", path=name) from None
    if len(members) > MAX_MEMBERS:
        raise _refused("refused_zip_members", path=name, count=len(members), limit=MAX_MEMBERS)
    out = []
    total = 0
    with archive:
        for member in members:
            path = PurePosixPath(member.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or member.filename.startswith("/"):
                raise _refused("refused_zip_outside", path=name, member=member.filename)
            if path.suffix != ".po":
                raise _refused("refused_zip_not_po", path=name, member=member.filename)
            # The sizes a zip declares can lie: read at most what is left of the budget.
            left = MAX_UNPACKED_BYTES - total
            try:
                with archive.open(member) as handle:
                    content = handle.read(left + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
                raise _refused(
                    "refused_zip_unreadable", path=name, member=member.filename, detail=exc
                ) from None
            total += len(content)
            if total > MAX_UNPACKED_BYTES:
                raise _refused(
                    "refused_zip_bomb", path=name, limit=MAX_UNPACKED_BYTES // 1024 // 1024
                )
            out.append((f"{name}/{member.filename}", content))
    if not out:
        raise _refused("refused_zip_empty", path=name)
    return out


# -- preparing -------------------------------------------------------------------------------------


def prepare(
    project: Project,
    locale: str,
    module: str,
    files: list[tuple[str, bytes]],
    translator: Reviewer,
) -> Prepared:
    """Check and merge an upload against the service's copy (nothing is written)."""
    locale = Snapshot.of(project).language(locale)
    if not translator.translates(locale, module):
        raise RefusedError(
            f"{translator.id} does not translate {locale} for module {module} "
            "(workflows/panel.toml lists their languages and modules)"
        )
    result = Prepared(locale, module)
    seen: dict[str, str] = {}
    with open_repo(project.root) as repo:
        for name, data in files:
            text = _decode(name, data)
            upload = _parse(name, text)
            doc = _document(name, upload, locale, module)
            if doc.id in seen:
                raise _refused("refused_twice", path=name, doc=doc.id, other=seen[doc.id])
            seen[doc.id] = name
            path = project.po_path(locale, doc)
            display = project.rel(path)
            if not path.exists():
                raise _refused("refused_no_file", path=name, file=display)
            base_sha = upload.header_fields().get(BASE_FIELD, "")
            base_data = file_at(repo, base_sha, display) if _is_sha(base_sha) else None
            if base_data is None:
                raise _refused("refused_unknown_base", path=name, field=BASE_FIELD, doc=doc.id)
            base = read_po_text(decode_utf8(base_data, display), display)
            changed = _compare(name, base, upload)
            theirs = _translations(base, upload)
            ours = read_po(path, display)
            merged = merge3(base, ours, theirs)
            result.conflicts += [(doc.id, c) for c in merged.conflicts]
            result.merged[doc.id] = merged.catalog
            result.changes += _changes(doc.id, ours, merged.catalog)
            result.problems += _check(project, locale, name, text, changed)
    return result


def _decode(name: str, data: bytes) -> str:
    try:
        return decode_utf8(data, name)
    except EqualcityError as exc:
        raise _refused("refused_not_text", path=name, line=exc.line, detail=exc.message) from None


def _parse(name: str, text: str) -> Catalog:
    try:
        catalog = read_po_text(text, name)
    except EqualcityError as exc:
        raise _refused("refused_not_po", path=name, line=exc.line, detail=exc.message) from None
    if catalog.header is None and not catalog.messages:
        raise _refused("refused_empty", path=name)
    return catalog


def _document(name: str, upload: Catalog, locale: str, module: str) -> Document:
    fields = upload.header_fields()
    line = upload.header.line if upload.header else 1
    language = fields.get("Language", "")
    if not language:
        raise _refused("refused_no_language", path=name, line=line, locale=locale)
    if language != locale and language_of(language) != language_of(locale):
        raise _refused("refused_language", path=name, line=line, language=language, locale=locale)
    if DOC_FIELD not in fields:
        raise _refused("refused_not_ours", path=name, line=line, field=DOC_FIELD)
    try:
        doc = Document.parse(fields[DOC_FIELD])
    except EqualcityError as exc:
        raise _refused(
            "refused_document", path=name, line=line, field=DOC_FIELD, detail=exc.message
        ) from None
    if doc.module != module:
        raise _refused(
            "refused_other_module", path=name, line=line, module=doc.module, expected=module
        )
    return doc


def _is_sha(text: str) -> bool:
    return len(text) == 40 and all(c in "0123456789abcdef" for c in text)


def _compare(name: str, base: Catalog, upload: Catalog) -> set[str]:
    """Refuse anything but translation changes; returns the msgids of changed entries."""
    before = {m.key: m for m in base.active if m.msgid}
    after = {m.key: m for m in upload.active if m.msgid}
    for key, message in after.items():
        if key not in before:
            context = f" [msgctxt {key[0]}]" if key[0] else ""
            raise _refused(
                "refused_new_entry", path=name, line=message.line, entry=_short(key[1]) + context
            )
    for key in before:
        if key not in after:
            raise _refused("refused_missing_entry", path=name, entry=_short(key[1]))
    for key, message in after.items():
        if message.msgid_plural != before[key].msgid_plural:
            raise _refused("refused_plural", path=name, line=message.line, entry=_short(key[1]))
    old_fields, new_fields = base.header_fields(), upload.header_fields()
    for header in sorted((set(old_fields) | set(new_fields)) - EDITOR_FIELDS):
        if header.startswith("X-Poedit-"):
            continue  # Poedit's own settings, rewritten on every save: not taken
        if old_fields.get(header) != new_fields.get(header):
            raise _refused(
                "refused_header",
                path=name,
                line=upload.header.line if upload.header else 1,
                field=header,
                old=old_fields.get(header, ""),
                new=new_fields.get(header, ""),
            )
    return {
        key[1]
        for key, message in after.items()
        if _translation(message) != _translation(before[key])
    }


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"


def _translation(message: Message) -> tuple[object, ...]:
    return (tuple(message.strings), message.fuzzy, tuple(message.comments))


def _translations(base: Catalog, upload: Catalog) -> Catalog:
    """The base file with the upload's translations (msgstr, fuzzy, translator comments) and
    nothing else of it."""
    theirs = copy.deepcopy(base)
    uploaded = upload.index()
    for message in theirs.active:
        new = uploaded.get(message.key)
        if new is None or not message.msgid:
            continue
        message.msgstr = new.msgstr
        message.msgstr_plural = list(new.msgstr_plural)
        message.fuzzy = new.fuzzy
        message.comments = list(new.comments)
    return theirs


def _changes(doc: str, ours: Catalog, merged: Catalog) -> list[Change]:
    before = ours.index()
    out = []
    for message in merged.active:
        old = before.get(message.key)
        if not message.msgid or old is None:
            continue
        if (tuple(old.strings), old.fuzzy) != (tuple(message.strings), message.fuzzy):
            out.append(
                Change(
                    doc,
                    key_hash(message.msgctxt, message.msgid)[:8],
                    message.msgid,
                    tuple(old.strings),
                    tuple(message.strings),
                    old.fuzzy,
                    message.fuzzy,
                )
            )
    return out


def _check(project: Project, locale: str, name: str, text: str, changed: set[str]) -> list[Problem]:
    """``check``'s PO checks on the uploaded text: findings on the changed entries, and the
    file-level ones that still matter. A translator's ``# equalcity-ignore:`` comment may
    silence a warning, never an error: the checks run without those comments (each line kept,
    emptied, so line numbers stay the uploaded file's)."""
    from equalcity.checks import IGNORE_PREFIX, ignored
    from equalcity.checks.runner import Target, check_target, load_config

    config = load_config(project)
    unsilenced = "\n".join(
        "#" if line.startswith("# ") and line[2:].strip().startswith(IGNORE_PREFIX) else line
        for line in text.split("\n")
    )
    with tempfile.TemporaryDirectory(prefix="equalcity-upload-") as folder:
        path = Path(folder) / "upload.po"
        path.write_text(unsilenced, encoding="utf-8")
        findings = check_target(Target(path, name, "po", locale), config)
    silenced = {m.msgid: ignored(m) for m in read_po_text(text, name).active if m.comments}
    return [
        Problem(f.path, f.line, f.severity, f.check, f.message)
        for f in findings
        if (
            (f.msgid is not None and f.msgid in changed)
            or (f.msgid is None and f.check in FILE_CHECKS)
        )
        and (f.severity == "error" or f.check not in silenced.get(f.msgid or "", frozenset()))
    ]


# -- committing ------------------------------------------------------------------------------------


def commit(
    project: Project,
    locale: str,
    module: str,
    files: list[tuple[str, bytes]],
    translator: Reviewer,
    service: ServiceSigning,
    comment: str = "",
) -> tuple[str, Prepared]:
    """Prepare the upload again (others may have pushed since the preview) and commit it,
    signed by the service with a ``Translator:`` trailer; returns (commit id, what it did).
    Nothing is written when there are errors or conflicts, or warnings without a comment."""
    project_locale = Snapshot.of(project).language(locale)
    with open_repo(project.root) as repo, write_lock(repo):
        prepared = prepare(project, project_locale, module, files, translator)
        refusal = blocking(prepared, comment)
        if refusal:
            raise ConflictError(refusal) if prepared.conflicts else RefusedError(refusal)
        docs = sorted({c.doc for c in prepared.changes})
        paths = [project.po_path(project_locale, Document.parse(doc)) for doc in docs]
        refuse_other_changes(repo, paths, "translation")
        originals = {path: path.read_bytes() for path in paths}
        write_po_files(
            [
                (path, prepared.merged[doc], project.rel(path))
                for path, doc in zip(paths, docs, strict=True)
            ]
        )
        count = len(prepared.changes)
        summary = (
            f"translate({project_locale}): {translator.id} changes {count} "
            f"entr{'y' if count == 1 else 'ies'} of {', '.join(docs)}"
        )
        if prepared.warnings:
            summary += "\n\nWarnings accepted: " + " ".join(comment.split())
        try:
            sha = commit_as_service(
                repo,
                paths,
                summary,
                Identity(translator.id, translator.email),
                service,
                f"Translator: {translator.id}",
            )
        except EqualcityError:
            undo(repo, originals)
            raise
    return sha, prepared


def blocking(prepared: Prepared, comment: str) -> str:
    """Why ``prepared`` cannot be committed ("" when it can)."""
    reason = blocking_reason(prepared, comment)
    return fill(REFUSALS[reason[0]], reason[1]) if reason else ""


def blocking_reason(prepared: Prepared, comment: str) -> tuple[str, dict[str, object]] | None:
    """Why ``prepared`` cannot be committed, as a ``REFUSALS`` key and its values (None when
    it can): the page says it in the translator's language."""
    if prepared.conflicts:
        doc, first = prepared.conflicts[0]
        many = len(prepared.conflicts)
        key = "blocked_conflict" if many == 1 else "blocked_conflicts"
        return key, {"count": many, "entry": _short(first.key[1]), "doc": doc}
    if prepared.errors:
        first_error = prepared.errors[0]
        return "blocked_errors", {
            "count": len(prepared.errors),
            "file": first_error.file,
            "line": first_error.line,
            "message": first_error.message,
        }
    if not prepared.changes:
        return "blocked_nothing", {}
    if prepared.warnings and not comment.strip():
        return "blocked_warnings", {}
    return None
