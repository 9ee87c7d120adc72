"""The repository's own content: templates current, PO files canonical, coverage as promised."""

from __future__ import annotations

from pathlib import Path

import pytest

from equalcity.po.catalog import canonical, format_po, read_po
from equalcity.progress.status import compute
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from equalcity.translation.extract import template_for
from tests.conftest import DATA, assert_gettext_clean

ROOT = Path(__file__).parent.parent
PROJECT = Project(ROOT)


def test_templates_are_current_with_the_source() -> None:
    for doc in Snapshot.of(PROJECT).documents():
        expected = canonical(format_po(template_for(PROJECT, doc)))
        actual = PROJECT.template_path(doc).read_text(encoding="utf-8")
        assert actual == expected, f"run 'equalcity extract': {doc.id} is stale"


def test_every_po_file_is_canonical_and_passes_msgfmt() -> None:
    assert_gettext_clean(ROOT / "locales")
    assert_gettext_clean(DATA / "markdown")
    assert_gettext_clean(DATA / "po")


def test_translations_are_merged_with_the_current_templates() -> None:
    templates = {
        doc: read_po(PROJECT.template_path(doc))
        for doc in Snapshot.of(PROJECT).template_documents()
    }
    for locale in Snapshot.of(PROJECT).locales():
        for doc, template in templates.items():
            po = read_po(PROJECT.po_path(locale, doc))
            assert [m.msgid for m in po.active] == [m.msgid for m in template.messages], (
                f"run 'equalcity update': locales/{locale}/{doc.id}.po is behind its template"
            )


@pytest.mark.parametrize(
    ("locale", "minimum"), [("fr", 1.0), ("de", 0.5), ("pt", 0.3), ("ar", 0.3)]
)
def test_translation_coverage(locale: str, minimum: float) -> None:
    rows = compute(Snapshot.of(PROJECT), [locale])
    translated = sum(
        row.strings[name]
        for row in rows
        for name in ("translated", "unverified", "changes-requested", "approved")
    )
    total = sum(row.total_strings for row in rows)
    assert translated / total >= minimum


def test_the_seeded_review_history_counts_for_nothing() -> None:
    # The recorded decisions were made under placeholder identities without keys
    # (docs/review.md): they show as unverified, never as approved, until the real panel
    # decides with signed commits.
    rows = compute(Snapshot.of(PROJECT), ["fr", "de"])
    assert sum(row.strings["approved"] for row in rows) == 0
    assert sum(row.strings["unverified"] for row in rows if row.locale == "fr") > 1000
