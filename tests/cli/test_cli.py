"""The command line, through click's runner, on a temporary content repository."""

from __future__ import annotations

import json
from pathlib import Path

from equalcity.po.catalog import read_po, write_po_files
from tests.conftest import DATA, Cli
from tests.repos import fill


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_extract_writes_one_template_per_document(cli: Cli, repo: Path) -> None:
    result = cli("extract")
    assert "2 templates" in result.output
    pot = (repo / "locales/templates/01-test/annex.pot").read_text(encoding="utf-8")
    assert '#: source/01-test/annex.md:1 source/01-test/annex.md:28\nmsgid "Contacts"' in pot
    again = cli("extract")
    assert "0 changed" in again.output


def test_extract_one_file_to_stdout(cli: Cli, repo: Path) -> None:
    result = cli("extract", str(repo / "source/01-test/module.md"), "-o", "-")
    golden = (DATA / "markdown" / "blocks.pot").read_text(encoding="utf-8")
    assert result.output == golden.replace("blocks.md", "source/01-test/module.md")


def test_extract_removes_templates_whose_source_is_gone(cli: Cli, repo: Path) -> None:
    cli("extract")
    (repo / "source/01-test/annex.md").unlink()
    result = cli("extract")
    assert "removed locales/templates/01-test/annex.pot" in result.output
    assert not (repo / "locales/templates/01-test/annex.pot").exists()


def test_init_writes_a_complete_header(cli: Cli, repo: Path) -> None:
    cli("extract")
    cli("init", "ar")
    catalog = read_po(repo / "locales/ar/01-test/module.po")
    fields = catalog.header_fields()
    assert fields["Language"] == "ar"
    assert fields["Plural-Forms"].startswith("nplurals=6;")
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert all(not m.msgstr for m in catalog.messages)


def test_init_refuses_unknown_and_existing_languages(cli: Cli) -> None:
    cli("extract")
    bad = cli("init", "xx", code=2)
    assert bad.output.strip().splitlines() == [
        "equalcity: unknown language code 'xx'; use an ISO 639 code such as fr, de, pt_BR or ar"
    ]
    cli("init", "fr")
    again = cli("init", "fr", code=2)
    assert "exists already; run 'equalcity update --locale fr'" in again.output


def test_update_keeps_fuzzies_and_obsoletes(cli: Cli, repo: Path) -> None:
    cli("extract")
    cli("init", "fr")
    po = repo / "locales/fr/01-test/module.po"
    fill(
        po,
        {
            "Safety planning": "Plan de sécurité",
            "A safety plan is made **with** her, not for her. "
            "It changes as her situation changes.": "Un plan de sécurité se fait **avec** elle, "
            "pas pour elle. Il évolue avec sa situation.",
            "Setext heading": "Titre souligné",
        },
    )
    source = repo / "source/01-test/module.md"
    text = source.read_text(encoding="utf-8")
    text = text.replace(
        "It changes\nas her situation changes.", "It changes\nwhen her situation changes."
    )
    text = text.replace("Setext heading\n--------------\n\n", "")
    source.write_text(text, encoding="utf-8")
    cli("extract")
    result = cli("update")
    assert "fr: 12 kept, 0 restored, 0 from other documents, 1 fuzzy" in result.output
    assert "1 made obsolete" in result.output
    catalog = read_po(po)
    fuzzy = [m for m in catalog.active if m.fuzzy]
    assert [m.previous_msgid for m in fuzzy] == [
        "A safety plan is made **with** her, not for her. It changes as her situation changes."
    ]
    assert [(m.msgid, m.msgstr) for m in catalog.obsolete] == [("Setext heading", "Titre souligné")]


def test_update_reuses_translations_from_other_documents(cli: Cli, repo: Path) -> None:
    cli("extract")
    cli("init", "fr")
    fill(repo / "locales/fr/01-test/annex.po", {"Contacts": "Contacts utiles"})
    source = repo / "source/01-test/module.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n## Contacts\n", encoding="utf-8")
    cli("extract")
    result = cli("update", "--locale", "fr")
    assert "1 from other documents" in result.output
    entry = read_po(repo / "locales/fr/01-test/module.po").index()[(None, "Contacts")]
    assert (entry.msgstr, entry.fuzzy) == ("Contacts utiles", False)


def test_build_tree_and_single_file(cli: Cli, repo: Path, tmp_path: Path) -> None:
    cli("extract")
    cli("init", "fr")
    fill(repo / "locales/fr/01-test/module.po", {"Safety planning": "Plan de sécurité"})
    cli("build", "--locale", "fr", "--out", str(tmp_path / "out"))
    built = (tmp_path / "out/01-test/module.md").read_text(encoding="utf-8")
    assert built.startswith('---\ntitle: "Plan de sécurité"\n')
    assert "# Plan de sécurité #\n" in built
    assert (tmp_path / "out/01-test/annex.md").read_text(encoding="utf-8") == (
        repo / "source/01-test/annex.md"
    ).read_text(encoding="utf-8")
    single = cli(
        "build",
        str(repo / "source/01-test/module.md"),
        "--po",
        str(repo / "locales/fr/01-test/module.po"),
        "-o",
        "-",
    )
    assert single.output == built


def test_fuzzy_translations_are_not_built(cli: Cli, repo: Path, tmp_path: Path) -> None:
    cli("extract")
    cli("init", "fr")
    po = repo / "locales/fr/01-test/module.po"
    catalog = read_po(po)
    catalog.index()[(None, "Safety planning")].msgstr = "Plan de sécurité"
    catalog.index()[(None, "Safety planning")].fuzzy = True
    write_po_files([(po, catalog, str(po))])
    out = cli("build", str(repo / "source/01-test/module.md"), "--po", str(po), "-o", "-")
    assert "Plan de sécurité" not in out.output


def test_status_counts_strings_and_words(cli: Cli, repo: Path) -> None:
    cli("extract")
    cli("init", "fr")
    fill(repo / "locales/fr/01-test/module.po", {"Safety planning": "Plan de sécurité"})
    table = cli("status")
    assert table.output.splitlines()[0].split() == [
        "language",
        "module",
        "strings",
        "untranslated",
        "fuzzy",
        "translated",
        "unverified",
        "changes-requested",
        "approved",
        "words",
        "done",
    ]
    rows = json.loads(cli("status", "--format", "json").output)
    assert rows[0]["locale"] == "fr" and rows[0]["module"] == "01-test"
    assert rows[0]["strings"]["translated"] == 1
    assert rows[0]["words"]["translated"] == 2


def test_bad_po_stops_update_before_anything_is_written(cli: Cli, repo: Path) -> None:
    cli("extract")
    cli("init", "fr")
    cli("init", "de")
    broken = repo / "locales/fr/01-test/module.po"
    broken.write_bytes(broken.read_bytes().replace(b'msgstr ""\n\n#.', b'msgstr "oops\n\n#.', 1))
    (repo / "source/01-test/module.md").write_text("# Changed\n", encoding="utf-8")
    cli("extract")
    before = _snapshot(repo)
    result = cli("update", code=2)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("equalcity: locales/fr/01-test/module.po:")
    assert "string must be in double quotes" in lines[0]
    assert _snapshot(repo) == before
    broken.write_bytes(broken.read_bytes().replace(b'msgstr "oops\n', b'msgstr ""\n'))


def test_missing_files_and_usage_errors_exit_2(cli: Cli, repo: Path) -> None:
    missing = cli("extract", str(repo / "nope.md"), code=2)
    assert missing.output.strip() == "equalcity: nope.md: no such file"
    cli("build", "--locale", "fr", code=2)
    no_templates = cli("update", code=2)
    assert "no templates yet; run 'equalcity extract' first" in no_templates.output
    cli("extract")
    unknown = cli("update", "--locale", "de", code=2)
    assert "no language 'de' yet; create it with 'equalcity init de'" in unknown.output


def test_broken_source_is_reported_with_file_and_line(cli: Cli, repo: Path) -> None:
    (repo / "source/01-test/module.md").write_text('---\ntitle: "x"\n\n# Body\n', encoding="utf-8")
    result = cli("extract", code=2)
    assert result.output.strip() == (
        "equalcity: source/01-test/module.md:1: "
        "front matter is not closed: end it with a line '---'"
    )
    assert not (repo / "locales").exists()
