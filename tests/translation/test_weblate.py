"""Weblate's commits and a msgmerge go through the documented pipeline (docs/weblate.md):
the gate stays as it was, and no glossary hint or translation is lost."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from translate.storage import pypo

from equalcity.cli import main
from equalcity.po.catalog import Catalog, read_po
from tests.conftest import Cli, assert_gettext_clean

ROOT = Path(__file__).parents[2]
NBSP = "\u00a0"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the repository's content (the PO files' ledger checks are not involved)."""
    root = tmp_path / "content"
    for folder in ("source", "locales", "glossary", "workflows"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, str, str]]:
    """The gate's findings on the repository's content as committed (once per module)."""
    root = tmp_path_factory.mktemp("baseline")
    for folder in ("source", "locales", "glossary", "workflows"):
        shutil.copytree(ROOT / folder, root / folder)
    return _findings(root)


def _po_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "locales").rglob("*.po"))


def _findings(root: Path) -> set[tuple[str, str, str, str]]:
    """The gate's findings on every PO file, without line numbers (edits move lines)."""
    result = CliRunner().invoke(
        main, ["--root", str(root), "check", "--format", "json", *map(str, _po_files(root))]
    )
    assert result.exit_code in (0, 1), result.output
    return {(f["path"], f["severity"], f["check"], f["message"]) for f in json.loads(result.output)}


def _pipeline(root: Path) -> None:
    """What docs/weblate.md has CI run after a Weblate push (and a maintainer after a merge)."""
    cli = Cli(root)
    cli("format", str(root / "locales"))
    cli("update")


def _entries(catalog: Catalog) -> dict[tuple[str | None, str], tuple[list[str], list[str]]]:
    return {m.key: (m.strings, m.auto_comments) for m in catalog.messages}


def _weblate_commit(path: Path, index: int) -> str | None:
    """What Weblate does when a translator saves a string: translate-toolkit parses the file,
    sets the edited unit's target, updates the header, and serialises the whole store.

    Every translated unit is set again (as when a translator goes through the file), so
    translate-toolkit re-wraps all of them; one gets a real edit (a no-break space, as a
    French typographer would add). Returns that unit's new translation.
    """
    store = pypo.pofile.parsestring(path.read_bytes())
    units = [u for u in store.units if not u.isheader() and u.istranslated() and not u.hasplural()]
    edited: str | None = None
    spaced = [number for number, unit in enumerate(units) if " " in unit.target]
    for number, unit in enumerate(units):
        target = unit.target
        if spaced and number == spaced[index % len(spaced)]:
            target = target.replace(" ", NBSP, 1)
            edited = target
        unit.target = target
    # Weblate 5's header update on commit (weblate/formats/ttkit.py), with Weblate's spelling
    # of the same plural formula: no parentheses around it ("plural=n != 1;").
    nplurals, _, formula = store.parseheader()["Plural-Forms"].partition("plural=")
    formula = formula.strip().removesuffix(";").strip()
    if formula.startswith("(") and formula.endswith(")"):
        formula = formula[1:-1]
    store.updateheader(
        add=True,
        last_translator="Ana Example <ana@example.org>",
        language_team="French <https://weblate.example.org/projects/equalcity/>",
        plural_forms=f"{nplurals}plural={formula};",
        x_generator="Weblate 5.8.4",
        PO_Revision_Date="2026-12-04 18:00+0000",
    )
    path.write_bytes(bytes(store))
    return edited


def test_a_weblate_commit_of_every_file_goes_through_the_pipeline(
    content: Path, baseline: set[tuple[str, str, str, str]]
) -> None:
    before = baseline
    originals = {p: read_po(p) for p in _po_files(content)}
    edits: dict[Path, str] = {}
    for index, path in enumerate(_po_files(content)):
        edited = _weblate_commit(path, index * 7)
        assert edited is not None
        edits[path] = edited
    check = CliRunner().invoke(
        main, ["--root", str(content), "format", "--check", str(content / "locales")]
    )
    rewrapped = check.output.count("would reformat")
    # translate-toolkit's layout really differs (43 of 48 files when this test was written).
    assert check.exit_code == 1 and rewrapped > len(edits) // 2, check.output

    # The Weblate commit itself: only layout warnings come in addition, no error.
    after_weblate = _findings(content)
    new = after_weblate - before
    assert new and {(f[1], f[2]) for f in new} <= {("warning", "po-canonical")}, sorted(new)[:5]

    _pipeline(content)
    assert _findings(content) == before
    assert_gettext_clean(content / "locales")
    for path, original in originals.items():
        now = read_po(path)
        old_entries, new_entries = _entries(original), _entries(now)
        assert old_entries.keys() == new_entries.keys()
        for key, (strings, comments) in old_entries.items():
            new_strings, new_comments = new_entries[key]
            assert new_comments == comments, (path, key)  # every hint and comment kept
            if new_strings != strings:
                assert new_strings == [edits[path]], (path, key)
        assert edits[path] in [s for strings, _ in new_entries.values() for s in strings]
        assert now.header_fields()["Last-Translator"] == "Ana Example <ana@example.org>"
        assert "plural=(" not in now.header_fields()["Plural-Forms"]  # Weblate's spelling kept


def test_hints_survive_msgmerge_and_the_pipeline_restores_every_byte(
    content: Path, baseline: set[tuple[str, str, str, str]]
) -> None:
    before = baseline
    originals = {p: p.read_bytes() for p in _po_files(content)}
    templates = content / "locales" / "templates"
    for path in _po_files(content):
        module, doc = path.parent.name, path.stem
        pot = templates / module / f"{doc}.pot"
        # What Weblate's msgmerge add-on runs (with its default "previous" option).
        command = ["msgmerge", "--quiet", "--previous", "-U", "--backup=off", str(path), str(pot)]
        subprocess.run(command, check=True)
    hints = sum(p.read_text("utf-8").count("\n#. glossary: ") for p in _po_files(content))
    assert hints == 0  # msgmerge keeps only the template's extracted comments
    lost = {f for f in _findings(content) - before if f[2] == "glossary-hint"}
    assert lost and all(f[1] == "error" for f in lost)

    _pipeline(content)
    assert {p: p.read_bytes() for p in _po_files(content)} == originals
    assert _findings(content) == before
