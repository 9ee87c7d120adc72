"""Run the checks over a repository: configuration, files, parallel workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equalcity.checks import (
    SEVERITIES,
    FileContext,
    Finding,
    LedgerContext,
    SourceContext,
    ignored,
    registry,
)
from equalcity.content.names import Names, Person, read_names
from equalcity.errors import EqualcityError
from equalcity.fs import decode_utf8, line_of, parse_toml
from equalcity.glossary.termbase import Glossary
from equalcity.po.catalog import read_po_text
from equalcity.repository.gitrepo import open_repo, require_history
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.panel import PANEL
from equalcity.schema import Field, check_fields

CONFIG = "workflows/checks.toml"
NAMES = "workflows/fictional-names.txt"
CONTACTS = "source/contacts.toml"


@dataclass(frozen=True)
class CheckConfig:
    """The panel's settings: severities per check and which languages are in a release."""

    severities: dict[str, str] = field(default_factory=dict)
    release_scope: frozenset[str] = frozenset()
    allowed_names: frozenset[str] = frozenset()
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    glossary: Glossary | None = None
    people: dict[str, Person] = field(default_factory=dict)

    def severity(self, check: str) -> str:
        return self.severities.get(check) or registry()[check].severity


def load_config(project: Project) -> CheckConfig:
    """Read ``workflows/checks.toml``, the names allow-list and the contacts register."""
    return Snapshot.of(project).check_config()


def parse_config(snapshot: Snapshot, text: str | None) -> CheckConfig:
    """The check settings (``text``: ``workflows/checks.toml``, None when absent), the names
    allow-list, the contacts register and the glossary of ``snapshot``."""
    severities: dict[str, str] = {}
    scope: frozenset[str] = frozenset()
    if text is not None:
        data = parse_toml(text, CONFIG)
        known = registry()
        check_fields(
            data,
            {"severity": Field("table"), "release": Field("table")},
            text=text,
            display=CONFIG,
            what="the check settings",
        )
        release = data.get("release", {})
        check_fields(
            release,
            {"languages": Field("list[str]")},
            text=text,
            display=CONFIG,
            what="[release]",
            start=line_of(text, "[release]") or 0,
        )
        for check, value in (data.get("severity") or {}).items():
            line = line_of(text, check)
            if check not in known:
                raise EqualcityError(
                    f"unknown check {check!r}; 'equalcity check --list' shows them",
                    path=CONFIG,
                    line=line,
                )
            if value not in SEVERITIES:
                raise EqualcityError(
                    f"severity of {check} must be one of {', '.join(SEVERITIES)}, not {value!r}",
                    path=CONFIG,
                    line=line,
                )
            severities[check] = value
        scope = frozenset(data.get("release", {}).get("languages", []))
    names = Names()
    names_text = snapshot.text(NAMES)
    if names_text is not None:
        names = read_names(names_text, NAMES)
    contacts: dict[str, dict[str, Any]] = {}
    contacts_text = snapshot.text(CONTACTS)
    if contacts_text is not None:
        contacts = {
            key: value
            for key, value in parse_toml(contacts_text, CONTACTS).items()
            if isinstance(value, dict)
        }
    return CheckConfig(
        severities, scope, names.allowed, contacts, snapshot.glossary(), names.people
    )


@dataclass(frozen=True)
class Target:
    path: Path
    display: str
    kind: str  # "po" | "source" | "ledger" | "roster"
    locale: str = ""
    standalone: bool = False  # a PO file outside locales/<lang>/, language from its header


def targets(project: Project, only: Iterable[Path] = ()) -> list[Target]:
    """The PO files and source documents to check (all, or those under ``only``)."""
    found: list[Target] = []
    snapshot = Snapshot.of(project)
    for locale in snapshot.locales():
        for doc in snapshot.po_documents(locale):
            path = project.po_path(locale, doc)
            found.append(Target(path, project.rel(path), "po", locale))
    for locale in snapshot.ledger_locales():
        ledger = project.locales_dir / locale / "reviews.jsonl"
        found.append(Target(ledger, project.rel(ledger), "ledger", locale))
    if snapshot.exists(PANEL):
        # One target per language: the roster's findings are per language and module.
        roster = project.root / PANEL
        found += [Target(roster, PANEL, "roster", locale) for locale in snapshot.locales()]
    if project.source_dir.is_dir():
        for doc in snapshot.documents():
            path = project.source_path(doc)
            found.append(Target(path, project.rel(path), "source"))
    selected = [p.resolve() for p in only]
    if selected:
        missing = [p for p in selected if not p.exists()]
        if missing:
            raise EqualcityError("no such file or folder", path=str(missing[0]))
        found = [
            t
            for t in found
            if any(t.path.resolve() == p or p in t.path.resolve().parents for p in selected)
        ]
        known = {t.path.resolve() for t in found}
        root = project.root.resolve()
        for path in selected:
            found += _outside_layout(path, known, inside=path == root or root in path.parents)
    return found


def _outside_layout(path: Path, known: set[Path], *, inside: bool) -> list[Target]:
    """PO files named on the command line that are not ``locales/<lang>/`` translations:
    checked on their own, in the language their header names. Other files of the repository
    (contacts, settings) have no checks of their own; other files elsewhere are refused."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.po") if p.resolve() not in known)
    elif path.resolve() in known:
        files = []
    elif path.suffix in (".po", ".pot"):
        files = [path]
    elif inside:
        files = []
    else:
        raise EqualcityError(
            "not a PO file, and outside the repository; name .po files or folders that hold them",
            path=str(path),
        )
    targets_ = []
    for file in files:
        display = os.path.relpath(file)
        display = str(file) if display.startswith("..") else display
        try:
            text = decode_utf8(file.read_bytes(), display)
            language = read_po_text(text, display).header_fields().get("Language", "")
        except EqualcityError:
            language = ""  # the syntax check reports it
        targets_.append(Target(file, display, "po", language, standalone=True))
    return targets_


def check_target(target: Target, config: CheckConfig) -> list[Finding]:
    """All findings of one file; never raises for bad content."""
    if target.kind == "source":
        return _check_source(target, config)
    if target.kind == "ledger":
        return _check_ledger(target, config)
    if target.kind == "roster":
        root = target.path.parent.parent
        return _run_scope(
            "roster", LedgerContext(target.display, target.locale, root), target, config
        )
    return _check_po(target, config)


def _check_ledger(target: Target, config: CheckConfig) -> list[Finding]:
    root = target.path.parent.parent.parent
    context = LedgerContext(target.display, target.locale, root)
    return _run_scope("ledger", context, target, config)


def _run_scope(scope: str, context: Any, target: Target, config: CheckConfig) -> list[Finding]:
    """Every enabled check of ``scope`` (file, ledger, source) on one context, each yielding
    ``(line, message)``; an error a check raises becomes a finding of that check."""
    findings: list[Finding] = []
    locale = target.locale or None
    for check_id, severity, func in _enabled(scope, config):
        try:
            for line, message in func(context):
                findings.append(Finding(target.display, line, check_id, severity, message, locale))
        except EqualcityError as exc:
            findings.append(
                Finding(target.display, exc.line or 1, check_id, severity, exc.message, locale)
            )
    return findings


def _enabled(scope: str, config: CheckConfig) -> list[tuple[str, str, Any]]:
    out = []
    for check in registry().values():
        severity = config.severity(check.id)
        if check.scope == scope and severity != "off":
            out.append((check.id, severity, check.func))
    return out


def _check_po(target: Target, config: CheckConfig) -> list[Finding]:
    try:
        text = decode_utf8(target.path.read_bytes(), target.display)
        catalog = read_po_text(text, target.display)
    except EqualcityError as exc:
        severity = config.severity("po-syntax")
        if severity == "off":
            return []
        return [
            Finding(
                target.display, exc.line or 1, "po-syntax", severity, exc.message, target.locale
            )
        ]
    context = FileContext(
        target.display,
        target.locale,
        catalog,
        text,
        target.locale in config.release_scope,
        frozenset(config.contacts),
        config.glossary,
    )
    findings = _run_scope("file", context, target, config)
    entry_checks = _enabled("entry", config)
    untranslated_checks = [c for c in entry_checks if c[0] == "untranslated"]
    for message in catalog.active:
        if not message.msgid:
            continue
        checks = entry_checks if message.has_translation else untranslated_checks
        silenced = ignored(message) if message.comments else frozenset()
        line = message.msgstr_line or message.line
        for check_id, severity, func in checks:
            if check_id in silenced:
                continue
            for problem in func(context, message):
                findings.append(
                    Finding(
                        target.display,
                        line,
                        check_id,
                        severity,
                        problem,
                        target.locale,
                        message.msgid,
                    )
                )
    return findings


def _check_source(target: Target, config: CheckConfig) -> list[Finding]:
    try:
        text = decode_utf8(target.path.read_bytes(), target.display)
        context = SourceContext(
            target.display,
            text,
            config.contacts,
            config.allowed_names,
            config.glossary,
            config.people,
        )
        findings: list[Finding] = []
        for check_id, severity, func in _enabled("source", config):
            for line, message in func(context):
                findings.append(Finding(target.display, line, check_id, severity, message))
        return findings
    except EqualcityError as exc:
        return [Finding(target.display, exc.line or 1, "source-syntax", "error", exc.message)]


_WORKER_CONFIG: CheckConfig | None = None


def _init_worker(config: CheckConfig) -> None:
    """Receive the configuration (glossary included) once per worker, not once per file."""
    global _WORKER_CONFIG
    _WORKER_CONFIG = config


def _run_one(target: Target) -> list[Finding]:
    assert _WORKER_CONFIG is not None
    return check_target(target, _WORKER_CONFIG)


def run(
    project: Project,
    only: Iterable[Path] = (),
    config: CheckConfig | None = None,
    jobs: int | None = None,
    work: list[Target] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Finding]:
    """Every finding over the repository (or ``only`` those paths), sorted by place;
    ``progress(done, total)`` is called as files are checked."""
    config = config or load_config(project)
    work = targets(project, only) if work is None else work
    if any(t.kind == "ledger" for t in work):
        # Who committed each decision, and whether the ledger was ever edited, is history.
        try:
            repo = open_repo(project.root)
        except EqualcityError:
            pass  # outside git the review checks report it, entry by entry
        else:
            with repo:
                require_history(repo, "checking the review ledgers")
    # Source documents and ledgers are the heaviest targets: start them first so that no
    # worker is left with a long one at the end.
    work = sorted(work, key=lambda t: t.kind == "po")
    jobs = jobs or os.cpu_count() or 1
    results: list[list[Finding]] = []

    def done(result: list[Finding]) -> None:
        results.append(result)
        if progress is not None:
            progress(len(results), len(work))

    if jobs > 1 and len(work) > 8:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(config,)
        ) as pool:
            for result in pool.map(_run_one, work, chunksize=4):
                done(result)
    else:
        for target in work:
            done(check_target(target, config))
    findings = [f for result in results for f in result]
    return sorted(findings, key=lambda f: (f.path, f.line, f.check, f.message))
