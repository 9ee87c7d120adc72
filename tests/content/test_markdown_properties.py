"""Invariants of segmentation and splicing on generated documents."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from equalcity.content.markdown import extract, render
from tests.strategies import document

SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(document())
def test_identity_translation_reproduces_the_source_byte_for_byte(text: str) -> None:
    assert render(text, lambda msgid: msgid) == text
    assert render(text, lambda msgid: None) == text


@SETTINGS
@given(document())
def test_a_translation_lands_in_the_same_segments(text: str) -> None:
    """Translate every segment (one line kept per line) and extract again: same structure."""
    before = extract(text)

    def translate(msgid: str) -> str:
        lines = msgid.split("\n")
        lines[0] = "Zq " + lines[0]
        lines[-1] = lines[-1] + " Qz"
        return "\n".join(lines)

    after = extract(render(text, translate))
    assert [(s.kind, s.flags) for s in after] == [(s.kind, s.flags) for s in before]
    assert [s.msgid for s in after] == [translate(s.msgid) for s in before]


@SETTINGS
@given(document())
def test_extra_translation_lines_stay_inside_their_block(text: str) -> None:
    """A translator may break lines anywhere in a paragraph: the block structure stays."""
    before = extract(text)

    def translate(msgid: str) -> str:
        return "Zq one\nzq " + msgid + " Qz"

    after = extract(render(text, translate))
    assert [(s.kind, s.flags) for s in after] == [(s.kind, s.flags) for s in before]
    for old, new in zip(before, after, strict=True):
        if old.kind not in ("title", "summary"):
            assert new.msgid == "Zq one zq " + old.msgid + " Qz"
