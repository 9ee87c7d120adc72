"""The native PO layout against GNU msgcat, on generated strings (differential test)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equalcity.po._linebreaks import ALPHABET
from equalcity.po.catalog import Catalog, Message, canonical, format_po
from equalcity.po.wrap import format_native, wrap

LETTERS = "aeiouxyzéèçãõüößłøåαβγжщыبتثሀለ"
MARKS = "\u064e\u064f\u0650\u0651\u0301"
WORD = st.text(alphabet=LETTERS, min_size=1, max_size=12)
CONTEXT = "«»‘’‚“”„‹›—–"  # laid out by msgcat (see wrap._CONTEXT_QUOTES)
PUNCT = st.sampled_from(
    [c for c in ALPHABET if c not in CONTEXT] + [" ", " ", "  ", "\n", "\t", "\\", '"']
)


@st.composite
def prose(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 9))
        if kind < 5:
            word = draw(WORD)
            if draw(st.integers(0, 9)) == 0:
                word = word[0] + draw(st.sampled_from(MARKS)) + word[1:]
            parts.append(word + " ")
        elif kind < 9:
            parts.append(draw(PUNCT))
        else:
            parts.append(
                draw(
                    st.sampled_from(
                        [
                            "https://example.org/a-b/c?d=1",
                            "(5 minutes).",
                            "{{contact:national-vaw-helpline}}",
                            "(\u00a0x\u00a0)",
                            "2011/36/EU",
                            "**bold**",
                            "`code`",
                            "- ",
                            "1.5",
                        ]
                    )
                )
            )
    return "".join(parts)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    catalog = Catalog(header=Message("", "Content-Type: text/plain; charset=UTF-8\n"))
    for index in range(draw(st.integers(1, 12))):
        message = Message(draw(prose()) + f" #{index}", draw(prose()))
        message.msgctxt = draw(st.one_of(st.none(), prose()))
        if draw(st.booleans()):
            message.fuzzy = True
            message.previous_msgid = draw(prose())
        message.obsolete = draw(st.integers(0, 5)) == 0
        message.comments = draw(
            st.lists(st.sampled_from(["", "review: ok", " indented"]), max_size=2)
        )
        if not message.obsolete:
            message.auto_comments = ["kind: paragraph"]
            message.locations = [
                f"source/0{index}-module/annex-frontline.md:{n}"
                for n in range(draw(st.integers(0, 5)))
            ]
        catalog.messages.append(message)
    return catalog


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_native_layout_is_msgcats(catalog: Catalog) -> None:
    native = format_native(catalog)
    assert native is not None
    expected = canonical(format_po(catalog))
    if native != expected:  # name the first entry that differs, for a readable failure
        for message in catalog.messages:
            single = Catalog(header=catalog.header, messages=[message])
            assert format_native(single) == canonical(format_po(single)), repr(message)
    assert native == expected


def test_unknown_scripts_and_context_sensitive_marks_fall_back_to_msgcat() -> None:
    assert format_native(Catalog(messages=[Message("安全", "안전")])) is None
    for text in ("« texte »", "l’article", "a — b", "2011–2024"):
        assert format_native(Catalog(messages=[Message("x", text)])) is None


def test_wrap_matches_gettext_on_a_known_case() -> None:
    text = (
        "Give each participant a set of cards with common assumptions, for example: "
        '"In some cultures, violence against women is accepted".'
    )
    assert wrap("msgid", text) == [
        'msgid ""',
        '"Give each participant a set of cards with common assumptions, for example: "',
        '"\\"In some cultures, violence against women is accepted\\"."',
    ]
