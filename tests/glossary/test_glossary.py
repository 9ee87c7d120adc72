"""The termbase: loading, lint, matching per language, exports, hints and enforcement."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from lxml import etree
from translate.storage import csvl10n, tbx

from equalcity.errors import EqualcityError
from equalcity.glossary.export import to_csv, to_tbx
from equalcity.glossary.matching import Matcher
from equalcity.glossary.termbase import lint, load
from equalcity.po.catalog import read_po
from tests.conftest import DATA, Cli, golden

ROOT = Path(__file__).parents[2]

GLOSSARY = DATA / "glossary"
XML_NS = "http://www.w3.org/XML/1998/namespace"


def _root(tmp_path: Path, folder: str) -> Path:
    shutil.copytree(GLOSSARY / folder, tmp_path / "glossary")
    return tmp_path


@pytest.fixture
def glossary(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load(_root(tmp_path, "good"))


def test_lint_accepts_the_good_glossary(glossary) -> None:  # type: ignore[no-untyped-def]
    assert lint(glossary) == []
    assert len(glossary.concepts) == 4


def test_lint_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    problems = [str(p) for p in lint(load(_root(tmp_path, "bad")))]
    assert problems == [
        "glossary/problems.yaml:5: duplicate id 'survivor' (first at glossary/problems.yaml:1)",
        "glossary/problems.yaml:9: no-english: no preferred English term",
        "glossary/problems.yaml:15: clash: en term 'victim' is both preferred and forbidden",
        "glossary/problems.yaml:18: clash: unknown language code 'xx'",
    ]


def test_broken_yaml_is_located(tmp_path: Path) -> None:
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary/x.yaml").write_text("- id: a\n  terms: [\n", encoding="utf-8")
    with pytest.raises(EqualcityError) as info:
        load(tmp_path)
    assert str(info.value).startswith("glossary/x.yaml:")


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Two survivors spoke about human trafficking.",
            {"survivor", "trafficking-in-human-beings"},
        ),
        ("en", "Antitrafficking units and survivorship.", set()),
        (
            "fr",
            "Les survivantes de la traite des êtres humains.",
            {"survivor", "trafficking-in-human-beings"},
        ),
        ("de", "Die Betroffenen des Menschenhandels.", {"survivor", "trafficking-in-human-beings"}),
        (
            "pt",
            "As sobreviventes do tráfico de seres humanos.",
            {"survivor", "trafficking-in-human-beings"},
        ),
        ("ar", "تحدثت الناجيات عن الاتجار بالبشر.", {"survivor", "trafficking-in-human-beings"}),
        ("ar", "عن الحماية والناجية والاتجار بالبشر", {"survivor", "trafficking-in-human-beings"}),
        ("ar", "وضع الناجية", {"survivor"}),
    ],
    ids=[
        "en-inflected",
        "en-no-substring",
        "fr",
        "de",
        "pt",
        "ar-variant",
        "ar-and-the",
        "ar-initial-waw",
    ],
)
def test_matching_respects_inflection_and_word_boundaries(
    glossary,
    language: str,
    text: str,
    expected: set[str],  # type: ignore[no-untyped-def]
) -> None:
    found = {m.concept.id for m in Matcher.of(glossary, language).find(text)}
    assert found == expected


@pytest.mark.parametrize(
    ("language", "text", "term"),
    [
        ("en", "An Illegal Immigrant is never a term we use.", "Illegal Immigrant"),
        ("fr", "Il l'appelle immigré clandestin.", "immigré clandestin"),
        ("de", "Sie galt als illegale Migrantin.", "illegale Migrantin"),
        ("pt", "Chamaram-lhe imigrante ilegal.", "imigrante ilegal"),
        ("ar", "وصفوها بأنها مهاجر غير شرعي.", "مهاجر غير شرعي"),
        ("ar", "عن العمال والمهاجر غير الشرعي.", "والمهاجر غير الشرعي"),
        ("fr", "Un crime d'honneur.", "crime d'honneur"),
    ],
    ids=["en", "fr", "de", "pt", "ar", "ar-and-the", "fr-honour"],
)
def test_forbidden_terms_per_language(glossary, language: str, text: str, term: str) -> None:  # type: ignore[no-untyped-def]
    matches = [m for m in Matcher.of(glossary, language).find(text) if m.status == "forbidden"]
    assert [text[m.start : m.end] for m in matches] == [term]


@pytest.mark.parametrize(
    ("language", "text", "term"),
    [
        (
            "pt",
            "Pediu uma ordem de afastamento de emergência.",
            "ordem de afastamento de emergência",
        ),
        ("ar", "أطلعوها على أوامر الإبعاد الطارئة.", "أوامر الإبعاد الطارئة"),
    ],
    ids=["pt-rewritten-ending", "ar-normalised-letters"],
)
def test_a_forbidden_phrase_whose_stems_are_not_substrings_is_still_found(
    tmp_path: Path, language: str, text: str, term: str
) -> None:
    # Snowball rewrites "emergência" to "emergent" and "الطارئة" to "طارء": the quick test
    # before matching must not take that for "no forbidden term here".
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary/orders.yaml").write_text(
        "- id: emergency-barring-order\n"
        "  definition: The person who uses violence must leave the home.\n"
        "  terms:\n"
        "    en:\n      preferred: [emergency barring order]\n"
        "    pt:\n      preferred: [ordem urgente de afastamento do agressor]\n"
        "      forbidden: [ordem de afastamento de emergência]\n"
        "    ar:\n      preferred: [أمر الإخراج العاجل للمعتدي من المسكن]\n"
        "      forbidden: [أمر الإبعاد الطارئ, أوامر الإبعاد الطارئة]\n",
        encoding="utf-8",
    )
    matcher = Matcher.of(load(tmp_path), language)
    assert matcher.may_contain_forbidden(text)
    matches = [m for m in matcher.find(text) if m.status == "forbidden"]
    assert [text[m.start : m.end] for m in matches] == [term]


def test_a_forbidden_term_inside_the_preferred_one_is_fine(glossary) -> None:  # type: ignore[no-untyped-def]
    matcher = Matcher.of(glossary, "en")
    assert [m.status for m in matcher.find('A so-called "honour" killing.')] == ["preferred"]
    assert [m.status for m in matcher.find("An honour killing.")] == ["forbidden"]


def test_exports_match_goldens_and_parse(glossary) -> None:  # type: ignore[no-untyped-def]
    glossary.version = "test"
    text = to_tbx(glossary)
    golden(GLOSSARY / "expected.tbx", text)
    tree = etree.fromstring(text.encode("utf-8"))
    statuses = tree.xpath("//termNote[@type='administrativeStatus']/text()")
    assert {"preferredTerm-admn-sts", "admittedTerm-admn-sts", "deprecatedTerm-admn-sts"} <= set(
        statuses
    )
    store = tbx.tbxfile.parsestring(text.encode("utf-8"))
    assert len(store.units) == 4
    golden(GLOSSARY / "expected-fr.csv", to_csv(glossary, "fr"))
    assert to_tbx(glossary) == text


@pytest.fixture
def termbase_repo(repo: Path, cli: Cli) -> Path:
    shutil.copytree(GLOSSARY / "good", repo / "glossary")
    shutil.copy(DATA / "checks/contacts.toml", repo / "source/contacts.toml")
    (repo / "workflows").mkdir()
    shutil.copy(DATA / "checks/names.txt", repo / "workflows/fictional-names.txt")
    source = repo / "source/01-test/module.md"
    source.write_text(
        source.read_text(encoding="utf-8") + "\nEvery survivor has rights, whatever her status.\n",
        encoding="utf-8",
    )
    cli("extract")
    cli("init", "fr")
    return repo


def test_hints_in_po_files_survive_msgcat_and_a_second_update(
    termbase_repo: Path, cli: Cli
) -> None:
    po = termbase_repo / "locales/fr/01-test/module.po"
    entry = read_po(po).index()[(None, "Every survivor has rights, whatever her status.")]
    assert entry.auto_comments[-1] == "glossary: survivor → survivante"
    before = po.read_bytes()
    cli("update")
    assert po.read_bytes() == before
    assert (
        read_po(po)
        .index()[(None, entry.msgid)]
        .auto_comments.count("glossary: survivor → survivante")
        == 1
    )


def test_check_enforces_the_termbase(termbase_repo: Path, cli: Cli) -> None:
    po = termbase_repo / "locales/fr/01-test/module.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace(
        'msgid "Every survivor has rights, whatever her status."\nmsgstr ""',
        'msgid "Every survivor has rights, whatever her status."\n'
        'msgstr "Toute victime a des droits, migrant illégal ou non."',
    )
    po.write_text(text, encoding="utf-8")
    result = cli("check", code=1)
    assert "error glossary-forbidden: forbidden term 'migrant illégal' (irregular-migrant)" in (
        result.output
    )
    source = termbase_repo / "source/01-test/module.md"
    source.write_text(
        source.read_text(encoding="utf-8") + "\nNo one is an illegal migrant.\n", encoding="utf-8"
    )
    result = cli("check", code=1)
    assert "error source-forbidden-term: forbidden term 'illegal migrant'" in result.output


def test_missing_preferred_term_is_a_warning(termbase_repo: Path, cli: Cli) -> None:
    po = termbase_repo / "locales/fr/01-test/module.po"
    text = po.read_text(encoding="utf-8").replace(
        'msgid "Every survivor has rights, whatever her status."\nmsgstr ""',
        'msgid "Every survivor has rights, whatever her status."\n'
        'msgstr "Chaque femme a des droits, quel que soit son statut."',
    )
    po.write_text(text, encoding="utf-8")
    result = cli("check")
    assert "warning glossary-missing: 'survivor' should be translated as 'survivante'" in (
        result.output
    )


def test_glossary_cli(termbase_repo: Path, cli: Cli, tmp_path: Path) -> None:
    assert "4 concepts" in cli("glossary", "lint").output
    assert cli("glossary", "export", "--format", "tbx").output.startswith("<?xml")
    cli("glossary", "export", "--format", "csv", "--locale", "fr", "-o", str(tmp_path / "g.csv"))
    assert (
        (tmp_path / "g.csv")
        .read_text(encoding="utf-8")
        .startswith('"source","target","context","developer_comments"\n')
    )
    fr = cli("glossary", "export", "--format", "tbx", "--locale", "fr").output
    assert 'xml:lang="fr"' in fr and 'xml:lang="de"' not in fr
    shutil.copy(GLOSSARY / "bad/problems.yaml", termbase_repo / "glossary/problems.yaml")
    bad = cli("glossary", "lint", code=2)
    assert bad.output.splitlines()[0] == (
        "equalcity: glossary/problems.yaml:1: duplicate id 'survivor' "
        "(first at glossary/core.yaml:1)"
    )


def test_fast_concept_lookup_agrees_with_full_matching() -> None:
    """``concepts_in`` (stems only words that can match) == ``find`` on the whole toolbox."""
    root = Path(__file__).parents[2]
    glossary = load(root)
    english = Matcher.of(glossary, "en")
    compared = 0
    for po in sorted(root.glob("locales/*/*/*.po")):
        language = po.parts[-3]
        if language == "templates":
            continue
        target = Matcher.of(glossary, language)
        for message in read_po(po).active:
            wanted = {m.concept.id for m in english.find(message.msgid)}
            if not message.msgstr or not wanted:
                continue
            full = {m.concept.id for m in target.find(message.msgstr, prune=False)} & wanted
            assert target.concepts_in(message.msgstr, wanted) == full, (po, message.msgid)
            compared += 1
    assert compared > 1000


@pytest.mark.parametrize("language", ["fr", "de", "pt"])
def test_stems_begin_like_their_words(language: str) -> None:
    """concepts_in stems only words that begin like a wanted stem: that rests on every stem
    keeping its word's first letters (case and accents folded). Checked on every word of the
    toolbox's translations, and on the glossary's own terms and variants."""
    import re

    from equalcity.glossary.matching import _PREFIX_LENGTH, _folded_prefix, _stem

    size = _PREFIX_LENGTH[language]
    words: set[str] = set()
    for po in (ROOT / "locales" / language).glob("*/*.po"):
        for message in read_po(po).active:
            words.update(re.findall(r"\w+", message.msgstr))
    for concept in load(ROOT).concepts:
        terms = concept.terms.get(language)
        if terms:
            for term in (*terms.preferred, *terms.admitted, *terms.forbidden, *terms.variants):
                words.update(re.findall(r"\w+", term))
    assert len(words) > 300
    # Word beginnings that stemmers rewrite: German ae/oe/ue, French œ, Portuguese nasals.
    words |= {
        "de": {"Oeffentlichkeit", "Aerger", "Uebung", "Quelle", "Ärztin", "Übergriff"},
        "fr": {"œuvre", "Œuvres", "ôter", "îles", "Yeux", "payée"},
        "pt": {"ãos", "órgão", "Ética", "ênfase"},
    }[language]
    broken = [
        (w, stem)
        for w in sorted(words)
        if len(stem := _stem(language, w)) >= size
        and _folded_prefix(stem, size) != _folded_prefix(w, size)
    ]
    assert broken == []


def test_weblate_csv_reads_back_in_translate_toolkit_with_no_forbidden_target(glossary) -> None:  # type: ignore[no-untyped-def]
    # Parsed the way Weblate's CSV import parses it: translate-toolkit's sniffer picks the
    # dialect and maps the header to its fields (unknown columns are dropped silently).
    store = csvl10n.csvfile(io.BytesIO(to_csv(glossary, "fr").encode("utf-8")))
    assert store.fieldnames == ["source", "target", "context", "developer_comments"]
    rows = {unit.context: unit for unit in store.units}
    assert set(rows) == {
        "honour-killing",
        "irregular-migrant",
        "survivor",
        "trafficking-in-human-beings",
    }
    assert (rows["survivor"].source, rows["survivor"].target) == ("survivor", "survivante")
    forbidden = {t for c in glossary.concepts for t in c.terms["fr"].forbidden}
    assert forbidden and not forbidden & {unit.target for unit in store.units}
    assert "Never use: migrant illégal, immigré clandestin." in rows["irregular-migrant"].getnotes()


def test_tbx_for_one_language_marks_forbidden_terms_and_reads_back(glossary) -> None:  # type: ignore[no-untyped-def]
    text = to_tbx(glossary, "fr")
    tree = etree.fromstring(text.encode("utf-8"))
    assert set(tree.xpath("//langSet/@xml:lang", namespaces={"xml": XML_NS})) == {"en", "fr"}
    store = tbx.tbxfile.parsestring(text.encode("utf-8"))
    units = {unit.getid(): unit for unit in store.units}
    fr = {
        term.text: term.deprecated
        for unit in units.values()
        for term in unit.get_target_terms("fr")
    }
    assert fr["survivante"] is False and fr["victime"] is False
    assert fr["crime d'honneur"] is True and fr["immigré clandestin"] is True
    assert {t for t, deprecated in fr.items() if deprecated} == {
        t for c in glossary.concepts for t in c.terms["fr"].forbidden
    }
    assert [t.text for t in units["survivor"].get_source_terms()] == ["survivor", "victim"]
    assert 'xml:lang="de"' in to_tbx(glossary)  # the full export keeps every language
