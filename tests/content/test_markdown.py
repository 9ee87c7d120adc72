"""Segmentation and splicing on hand-written documents, against golden files."""

from __future__ import annotations

from pathlib import Path

import pytest

from equalcity.content.markdown import Segment, extract, render
from equalcity.content.templates import build_template
from equalcity.errors import MarkdownError
from equalcity.po.catalog import canonical, format_po
from tests.conftest import DATA, golden

CASES = sorted(p for p in (DATA / "markdown").glob("*.md") if ".translated" not in p.name)


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.stem)
def test_template_matches_golden(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    pot = canonical(format_po(build_template(text, source.name)))
    golden(source.with_suffix(".pot"), pot)


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.stem)
def test_identity_render_is_byte_identical(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert render(text, lambda msgid: msgid) == text


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.stem)
def test_translated_render_matches_golden(source: Path) -> None:
    """Every segment translated with a visible marker: prefixes, pipes and markup stay."""
    text = source.read_text(encoding="utf-8")
    rendered = render(text, lambda msgid: "«" + msgid.replace("|", "¦") + " | tr»")
    golden(source.with_suffix(".translated.md"), rendered)


def test_segments_carry_kind_section_flags_and_line() -> None:
    text = (DATA / "markdown" / "special.md").read_text(encoding="utf-8")
    segments = extract(text)
    testimony = [s for s in segments if "testimony" in s.flags]
    assert [s.kind for s in testimony] == ["blockquote", "blockquote"]
    assert testimony[0] == Segment(
        "I did not know anyone could help me.",
        5,
        "blockquote",
        ("Contacts",),
        frozenset({"testimony"}),
    )
    risky = [s.msgid for s in segments if "risk-high" in s.flags]
    assert risky == [
        "Call {{contact:emergency}} if she is in danger now.",
        "Call {{contact:national-vaw-helpline}} at any time.",
    ]
    assert (
        Segment("A trainer and a participant talking", 14, "image alt", ("Contacts",)) in segments
    )
    msgids = [s.msgid for s in segments]
    assert "Code is not translated." not in msgids
    assert "HTML blocks are not translated." not in msgids
    assert "The note text, also translated." in msgids


def test_fuzzy_and_untranslated_segments_keep_the_source() -> None:
    text = "# Title\n\nOne.\n\nTwo.\n"
    assert render(text, {"One.": "Un."}.get) == "# Title\n\nUn.\n\nTwo.\n"


def test_translated_table_cell_pipes_are_escaped() -> None:
    text = "| a | b |\n|---|---|\n| x | y |\n"
    assert render(text, {"x": "x | z", "y": r"already \| escaped"}.get) == (
        "| a | b |\n|---|---|\n| x \\| z | already \\| escaped |\n"
    )


def test_translation_line_breaks_are_the_translators() -> None:
    text = "- A long item\n  on two lines.\n"
    assert extract(text)[0].msgid == "A long item on two lines."
    out = render(text, {"A long item on two lines.": "Un élément\nsur\ntrois lignes."}.get)
    assert out == "- Un élément\n  sur\n  trois lignes.\n"


def test_crlf_documents_keep_their_line_endings() -> None:
    text = "# T\r\n\r\n> one\r\n> two\r\n"
    assert render(text, {"one two": "un\ndeux"}.get) == "# T\r\n\r\n> un\r\n> deux\r\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ntitle: x\n\n# Body\n", 1, "front matter is not closed"),
        ('---\ntitle: "x\n---\n', 2, "front matter is not valid YAML"),
        ("---\n- a\n- b\n---\n", 2, "front matter must be a mapping"),
        ('---\ntitle: "x"\ntittle: "y"\n---\n', 3, "front matter key 'tittle' is not allowed"),
        ("---\ntitle: [a, b]\n---\n", 2, "'title' must be a text value"),
    ],
    ids=["unclosed", "bad-yaml", "not-mapping", "unknown-key", "title-not-text"],
)
def test_broken_front_matter_is_reported_with_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(MarkdownError) as info:
        extract(text)
    assert info.value.line == line
    assert message in info.value.message


@pytest.mark.parametrize(
    "line",
    ["- oder", "+ x", "* x", "1. Schritt", "2) zwei", "# Titel", "> Zitat", "```", "~~~", "---",
     "***", "===", "|---|---|", "<div>", "<!-- c -->", "[^1]: note", "   - eingerückt"],
)  # fmt: skip
@pytest.mark.parametrize("position", ["first", "later"])
def test_a_translation_line_never_opens_a_block_of_its_own(line: str, position: str) -> None:
    """Whatever a translator's line starts with, the paragraph stays one paragraph."""
    source = "# Title\n\nOne paragraph.\n\n- An item.\n"
    translation = line if position == "first" else "Erste Zeile\n" + line
    for target in ("One paragraph.", "An item."):
        rebuilt = render(source, {target: translation}.get)
        segments = extract(rebuilt)
        assert [s.kind for s in segments] == ["heading", "paragraph", "list item"], rebuilt
        assert len(segments) == 3


@pytest.mark.parametrize(
    "text",
    [
        "- cell survivor | survivor\n  --- | ---\n- cell survivor | survivor\n  --- | ---\n",
        "> 1. cell survivor | survivor\n>    --- | ---\n> 1. cell survivor | survivor\n"
        ">    --- | ---\n",
    ],
    ids=["list", "quoted-ordered-list"],
)
def test_a_table_row_that_starts_with_a_list_marker_keeps_it(text: str) -> None:
    # Found by the translated-structure property: markdown-it reads these lines as two tables,
    # the list marker of the second ending the first. A translation must not join them.
    before = extract(text)
    assert [s.msgid for s in before] == ["cell survivor", "survivor"] * 2
    translated = render(text, {"cell survivor": "cellule", "survivor": "survivante"}.get)
    assert "cellule | survivante\n" in translated.split("\n", 1)[0] + "\n"
    after = extract(translated)
    assert [s.kind for s in after] == [s.kind for s in before]
    assert render(text, lambda msgid: None) == text
