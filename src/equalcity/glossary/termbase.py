"""The shared SGBV termbase: its model, loading with line numbers, and validation.

See docs/glossary.md for the format of ``glossary/*.yaml``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from equalcity.errors import EqualcityError
from equalcity.fs import decode_utf8
from equalcity.po.locales import language_of, parse_name

STATUSES = ("preferred", "admitted", "forbidden")


@dataclass(frozen=True)
class LanguageTerms:
    preferred: tuple[str, ...] = ()
    admitted: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    line: int = 0

    def by_status(self, status: str) -> tuple[str, ...]:
        return tuple(getattr(self, status))


@dataclass(frozen=True)
class Concept:
    id: str
    definition: str
    note: str
    source: str
    terms: dict[str, LanguageTerms]
    path: str
    line: int


@dataclass
class Glossary:
    concepts: list[Concept] = field(default_factory=list)
    version: str = ""

    def by_id(self) -> dict[str, Concept]:
        return {c.id: c for c in self.concepts}


def _scalar(node: yaml.Node, path: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise EqualcityError(f"{what} must be text", path=path, line=node.start_mark.line + 1)
    return str(node.value)


def _strings(node: yaml.Node, path: str, what: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise EqualcityError(
            f"{what} must be a list such as [term, other term]",
            path=path,
            line=node.start_mark.line + 1,
        )
    return tuple(_scalar(item, path, what).strip() for item in node.value)


def _mapping(node: yaml.Node, path: str, what: str) -> list[tuple[str, yaml.Node, int]]:
    if not isinstance(node, yaml.MappingNode):
        raise EqualcityError(f"{what} must be a mapping", path=path, line=node.start_mark.line + 1)
    out = []
    seen: dict[str, int] = {}
    for key, value in node.value:
        name = _scalar(key, path, "a key")
        line = key.start_mark.line + 1
        if name in seen:
            raise EqualcityError(
                f"{name!r} given twice in {what} (first at line {seen[name]})", path=path, line=line
            )
        seen[name] = line
        out.append((name, value, line))
    return out


def _concept(node: yaml.Node, path: str) -> Concept:
    fields = {name: (value, line) for name, value, line in _mapping(node, path, "a concept")}
    line = node.start_mark.line + 1
    if "id" not in fields:
        raise EqualcityError("concept without an id", path=path, line=line)
    unknown = set(fields) - {"id", "definition", "note", "source", "terms"}
    if unknown:
        name = sorted(unknown)[0]
        raise EqualcityError(
            f"unknown field {name!r} (id, definition, note, source, terms)",
            path=path,
            line=fields[name][1],
        )
    terms: dict[str, LanguageTerms] = {}
    if "terms" in fields:
        for language, value, lang_line in _mapping(fields["terms"][0], path, "terms"):
            parts = {
                name: _strings(item, path, f"{language}.{name}")
                for name, item, item_line in _mapping(value, path, f"terms.{language}")
                if name in (*STATUSES, "variants") or _unknown_status(name, path, item_line)
            }
            terms[language] = LanguageTerms(**parts, line=lang_line)
    text = {
        name: _scalar(fields[name][0], path, name).strip() if name in fields else ""
        for name in ("id", "definition", "note", "source")
    }
    return Concept(text["id"], text["definition"], text["note"], text["source"], terms, path, line)


def _unknown_status(name: str, path: str, line: int) -> bool:
    raise EqualcityError(
        f"unknown term status {name!r} (preferred, admitted, forbidden, variants)",
        path=path,
        line=line,
    )


def load(root: Path) -> Glossary:
    """Every concept of ``root/glossary/*.yaml`` (an empty glossary if there is none)."""
    return load_folder(root / "glossary")


def load_folder(folder: Path) -> Glossary:
    """Every concept of ``folder/*.yaml``; files are named ``glossary/NAME`` in messages."""
    return parse_files((file.name, file.read_bytes()) for file in sorted(folder.glob("*.yaml")))


def parse_files(files: Iterable[tuple[str, bytes]]) -> Glossary:
    """Every concept of the glossary files ``(NAME, bytes)``, in the order given (sorted by
    name); the version is a digest of their names and bytes."""
    glossary = Glossary()
    digest = hashlib.sha256()
    for name, raw in files:
        display = f"glossary/{name}"
        digest.update(name.encode() + b"\0" + raw)
        text = decode_utf8(raw, display)
        try:
            node = yaml.compose(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise EqualcityError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}",
                path=display,
                line=mark.line + 1 if mark else None,
            ) from None
        if node is None:
            continue
        if not isinstance(node, yaml.SequenceNode):
            raise EqualcityError(
                "a glossary file is a list of concepts ('- id: …')", path=display, line=1
            )
        glossary.concepts.extend(_concept(item, display) for item in node.value)
    glossary.version = digest.hexdigest()[:12]
    return glossary


def lint(glossary: Glossary) -> list[EqualcityError]:
    """Problems a panel member must fix, each with file and line."""
    problems: list[EqualcityError] = []
    seen: dict[str, Concept] = {}
    for concept in glossary.concepts:

        def at(line: int, concept: Concept = concept) -> dict[str, Any]:
            return {"path": concept.path, "line": line}

        where = at(concept.line)
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", concept.id):
            problems.append(
                EqualcityError(f"id {concept.id!r}: use lower-case words and hyphens", **where)
            )
        if concept.id in seen:
            first = seen[concept.id]
            problems.append(
                EqualcityError(
                    f"duplicate id {concept.id!r} (first at {first.path}:{first.line})", **where
                )
            )
        seen.setdefault(concept.id, concept)
        english = concept.terms.get("en")
        if english is None or not english.preferred:
            problems.append(EqualcityError(f"{concept.id}: no preferred English term", **where))
        for language, terms in concept.terms.items():
            here = at(terms.line)
            try:
                parse_name(language)
            except EqualcityError:
                problems.append(
                    EqualcityError(f"{concept.id}: unknown language code {language!r}", **here)
                )
            clash = {t.casefold() for t in terms.preferred} & {
                t.casefold() for t in terms.forbidden
            }
            for term in sorted(clash):
                problems.append(
                    EqualcityError(
                        f"{concept.id}: {language} term {term!r} is both preferred and forbidden",
                        **here,
                    )
                )
    return problems


def terms_in(concept: Concept, language: str) -> LanguageTerms | None:
    """The concept's terms in ``language`` (``pt_BR`` falls back to ``pt``)."""
    return concept.terms.get(language) or concept.terms.get(language_of(language))
