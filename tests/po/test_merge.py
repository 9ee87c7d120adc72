"""Update semantics: msgmerge's behaviour, and no translation is ever lost."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equalcity.content.templates import build_template
from equalcity.po.catalog import Catalog, Message, canonical, format_po, read_po, read_po_text
from equalcity.po.merge import Compendium, merge


def _template(*msgids: str) -> Catalog:
    return Catalog(
        header=Message("", "Content-Type: text/plain; charset=UTF-8\n"),
        messages=[Message(m, locations=[f"doc.md:{i}"]) for i, m in enumerate(msgids)],
    )


def _po(*pairs: tuple[str, str], fuzzy: tuple[str, ...] = ()) -> Catalog:
    catalog = Catalog(header=Message("", "Language: fr\nContent-Type: text/plain; charset=UTF-8\n"))
    for msgid, msgstr in pairs:
        message = Message(msgid, msgstr)
        message.fuzzy = msgid in fuzzy
        catalog.messages.append(message)
    return catalog


def test_exact_match_is_kept_with_translator_comments() -> None:
    old = _po(("Call the helpline.", "Appelez la ligne d'écoute."))
    old.messages[0].comments = ["checked with the panel"]
    new, stats = merge(_template("Call the helpline."), old)
    [entry] = new.messages
    assert (entry.msgstr, entry.fuzzy, entry.comments) == (
        "Appelez la ligne d'écoute.",
        False,
        ["checked with the panel"],
    )
    assert entry.locations == ["doc.md:0"]
    assert stats.kept == 1


def test_changed_source_becomes_fuzzy_with_previous_msgid() -> None:
    old = _po(("Call the national helpline at any time.", "Appelez la ligne nationale."))
    new, stats = merge(_template("Call the national helpline at any time of day."), old)
    [entry] = new.messages
    assert entry.fuzzy and entry.msgstr == "Appelez la ligne nationale."
    assert entry.previous_msgid == "Call the national helpline at any time."
    assert stats.fuzzy == 1 and stats.obsoleted == 0


def test_dissimilar_source_is_not_matched() -> None:
    old = _po(("Call the national helpline at any time.", "Appelez la ligne nationale."))
    new, _ = merge(_template("Forced marriage is a human rights violation."), old)
    assert new.messages[0].msgstr == ""
    assert new.messages[1].obsolete and new.messages[1].msgstr == "Appelez la ligne nationale."


def test_removed_entry_becomes_obsolete_and_comes_back() -> None:
    old = _po(("First.", "Premier."), ("Second paragraph here.", "Deuxième paragraphe ici."))
    gone, stats = merge(_template("First."), old)
    assert [(m.msgid, m.obsolete) for m in gone.messages] == [
        ("First.", False),
        ("Second paragraph here.", True),
    ]
    assert stats.obsoleted == 1
    back, stats = merge(_template("First.", "Second paragraph here."), gone)
    assert [(m.msgid, m.msgstr, m.obsolete) for m in back.messages] == [
        ("First.", "Premier.", False),
        ("Second paragraph here.", "Deuxième paragraphe ici.", False),
    ]
    assert stats.restored == 1


def test_untranslated_removed_entries_are_dropped() -> None:
    new, stats = merge(_template("A."), _po(("A.", "a"), ("B.", "")))
    assert [m.msgid for m in new.messages] == ["A."]
    assert stats.dropped == 1


def test_exact_match_from_another_document_is_reused() -> None:
    other = _po(("Safety planning", "Plan de sécurité"))
    new, stats = merge(_template("Safety planning"), _po(), compendium=Compendium.of([other]))
    assert (new.messages[0].msgstr, new.messages[0].fuzzy) == ("Plan de sécurité", False)
    assert stats.compendium == 1


def test_same_text_in_another_context_is_reused_as_fuzzy() -> None:
    other = _po(("Call", "Appeler"))
    template = _template("Call")
    template.messages[0].msgctxt = "button"
    new, _ = merge(template, _po(), compendium=Compendium.of([other]))
    assert (new.messages[0].msgstr, new.messages[0].fuzzy) == ("Appeler", True)


def test_fuzzy_entry_keeps_its_oldest_previous_msgid() -> None:
    old = _po(
        ("Call the helpline now, please.", "Appelez maintenant."),
        fuzzy=("Call the helpline now, please.",),
    )
    old.messages[0].previous_msgid = "Call the helpline now."
    new, _ = merge(_template("Call the helpline now, please!"), old)
    assert new.messages[0].previous_msgid == "Call the helpline now."


# -- the invariant -----------------------------------------------------------------------------

SENTENCES = st.sampled_from(
    [
        "A safety plan is made with her, not for her.",
        "Ask whether she is safe to talk now.",
        "Never use family members as interpreters.",
        "Explain what you can keep confidential.",
        "Write down what she says in her own words.",
        "Forced marriage is a violation of human rights.",
        "Trafficking is not the same as smuggling.",
        "Refer her to a specialist service with her consent.",
    ]
)


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, int, str]]:
    ops = st.tuples(
        st.sampled_from(["insert", "delete", "reword", "move", "translate", "edit-translation"]),
        st.integers(0, 20),
        SENTENCES,
    )
    return draw(st.lists(ops, min_size=1, max_size=12))


def _apply(paragraphs: list[str], op: str, index: int, text: str) -> None:
    if op == "insert":
        paragraphs.insert(index % (len(paragraphs) + 1), f"{text} ({index})")
    elif op == "delete" and paragraphs:
        paragraphs.pop(index % len(paragraphs))
    elif op == "reword" and paragraphs:
        i = index % len(paragraphs)
        words = paragraphs[i].split()
        words[index % len(words)] = text.split()[0]
        paragraphs[i] = " ".join(words)
    elif op == "move" and len(paragraphs) > 1:
        paragraphs.insert(index % len(paragraphs), paragraphs.pop(0))


def _texts(catalog: Catalog) -> set[str]:
    return {s for m in catalog.messages for s in m.strings if s}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SENTENCES, min_size=1, max_size=6, unique=True), edits())
def test_no_translation_is_ever_lost(start: list[str], steps: list[tuple[str, int, str]]) -> None:
    paragraphs = list(start)
    po = Catalog(header=Message("", "Language: fr\n"))
    for number, (op, index, text) in enumerate(steps):
        if op == "translate" and po.active:
            target = po.active[index % len(po.active)]
            target.msgstr, target.flags = f"FR{number}: {target.msgid}", []
        elif op == "edit-translation" and po.active:
            target = po.active[index % len(po.active)]
            if target.msgstr:
                target.msgstr += " (revu)"
        else:
            _apply(paragraphs, op, index, text)
        before = _texts(po)
        template = build_template("\n\n".join(paragraphs) + "\n", "doc.md")
        po, _ = merge(template, po)
        assert before <= _texts(po)
        assert [m.msgid for m in po.active] == list(dict.fromkeys(paragraphs))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SENTENCES, min_size=2, max_size=6, unique=True), edits())
def test_no_translation_is_lost_through_files_and_msgcat(
    start: list[str], steps: list[tuple[str, int, str]]
) -> None:
    paragraphs = list(start)
    text = 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    for number, (op, index, word) in enumerate(steps):
        po = read_po_text(text)
        if op == "translate" and po.active:
            po.active[index % len(po.active)].msgstr = f"FR{number}"
        else:
            _apply(paragraphs, op, index, word)
        before = _texts(po)
        merged, _ = merge(build_template("\n\n".join(paragraphs) + "\n", "doc.md"), po)
        text = canonical(format_po(merged))
        assert before <= _texts(read_po_text(text))


# -- against msgmerge --------------------------------------------------------------------------


def test_matches_at_least_as_much_as_msgmerge(tmp_path: Path) -> None:
    """Same inputs to both tools: we keep and fuzzy-match at least what msgmerge does."""
    old_sentences = [
        f"Paragraph {i}: the professional listens and {verb} without judgement."
        for i, verb in enumerate(["writes", "asks", "waits", "refers", "explains", "plans"] * 3)
    ]
    new_sentences = list(old_sentences)
    new_sentences[2] = new_sentences[2].replace("waits", "waits patiently")
    new_sentences[5] = "A completely different sentence about reception centres."
    new_sentences[7] = new_sentences[7].replace("Paragraph", "Section")
    del new_sentences[9]
    old_pot = build_template("\n\n".join(old_sentences) + "\n", "doc.md")
    po = Catalog(header=Message("", "Language: fr\nContent-Type: text/plain; charset=UTF-8\n"))
    for message in old_pot.messages:
        po.messages.append(
            Message(message.msgid, "FR " + message.msgid, locations=list(message.locations))
        )
    new_pot = build_template("\n\n".join(new_sentences) + "\n", "doc.md")
    (tmp_path / "fr.po").write_text(canonical(format_po(po)), encoding="utf-8")
    (tmp_path / "new.pot").write_text(canonical(format_po(new_pot)), encoding="utf-8")
    subprocess.run(
        [
            "msgmerge",
            "--quiet",
            "--previous",
            "-o",
            str(tmp_path / "gnu.po"),
            str(tmp_path / "fr.po"),
            str(tmp_path / "new.pot"),
        ],
        check=True,
    )
    gnu = read_po(tmp_path / "gnu.po")
    ours, _ = merge(new_pot, po)

    def summary(catalog: Catalog) -> tuple[int, int, int]:
        active = catalog.active
        return (
            sum(m.translated for m in active),
            sum(m.fuzzy for m in active),
            len(catalog.obsolete),
        )

    assert summary(ours) == summary(gnu)
    assert {(m.msgid, m.msgstr, m.fuzzy, m.previous_msgid) for m in ours.active} == {
        (m.msgid, m.msgstr, m.fuzzy, m.previous_msgid) for m in gnu.active
    }


MERGE_CASES = Path(__file__).parents[1] / "data" / "merge"


@pytest.mark.parametrize(
    "case", sorted(p.stem for p in MERGE_CASES.glob("*.po")), ids=lambda case: case
)
def test_previous_msgids_are_byte_identical_to_msgmerge(case: str, tmp_path: Path) -> None:
    """``#|``, fuzzy flags and plural forms exactly as ``msgmerge --previous`` writes them.

    Each case is an old PO file and a new template (``tests/data/merge/CASE.po|.pot``): fuzzy
    entries with and without ``#|`` matched exactly, by similarity and under a new msgctxt,
    obsolete entries, a stale ``#|`` on a translated entry, and plural changes.
    """
    old, new = MERGE_CASES / f"{case}.po", MERGE_CASES / f"{case}.pot"
    subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(old)], check=True)
    gnu = tmp_path / "gnu.po"
    subprocess.run(
        ["msgmerge", "--quiet", "--previous", "-o", str(gnu), str(old), str(new)], check=True
    )
    merged, _ = merge(read_po(new), read_po(old))
    assert canonical(format_po(merged)) == canonical(gnu.read_text(encoding="utf-8"))
