"""PO reading and canonical writing."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from equalcity.content.markdown import extract
from equalcity.errors import EqualcityError
from equalcity.fs import read_text
from equalcity.po.catalog import Catalog, Message, canonical, format_po, read_po, read_po_text
from tests.conftest import DATA

BAD = DATA / "bad"


def _expected() -> list[tuple[str, int, str]]:
    rows = []
    for line in (BAD / "EXPECTED").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, number, words = line.split(" ", 2)
            rows.append((name, int(number), words))
    return rows


@pytest.mark.parametrize(("name", "line", "words"), _expected(), ids=lambda v: str(v))
def test_bad_input_is_one_located_error(name: str, line: int, words: str) -> None:
    path = BAD / name
    with pytest.raises(EqualcityError) as info:
        if path.suffix == ".po":
            read_po(path, name)
        else:
            extract(read_text(path, name))
    error = info.value
    assert error.line == line, str(error)
    assert words in error.message
    if path.suffix == ".po" or "UTF-8" in words:
        assert str(error).startswith(f"{name}:{line}: ")
    assert "\n" not in str(error)


def test_every_bad_file_has_an_expectation() -> None:
    listed = {name for name, _, _ in _expected()}
    assert listed == {p.name for p in BAD.iterdir() if p.name != "EXPECTED"}


def test_canonical_file_round_trips_byte_for_byte() -> None:
    path = DATA / "po" / "rich.po"
    assert canonical(format_po(read_po(path))) == path.read_text(encoding="utf-8")


def _polib_view(entry: polib.POEntry) -> tuple[object, ...]:
    return (
        entry.msgctxt,
        entry.msgid,
        entry.msgid_plural or None,
        entry.msgstr,
        [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)],
        bool(entry.obsolete),
        "fuzzy" in entry.flags,
        entry.previous_msgid,
        entry.tcomment.split("\n") if entry.tcomment else [],
    )


def _our_view(message: Message) -> tuple[object, ...]:
    return (
        message.msgctxt,
        message.msgid,
        message.msgid_plural,
        message.msgstr if message.msgid_plural is None else "",
        message.msgstr_plural,
        message.obsolete,
        message.fuzzy,
        # polib does not read "#~|" (the previous msgid of an obsolete entry)
        None if message.obsolete else message.previous_msgid,
        message.comments,
    )


def _po_files() -> list[Path]:
    repo = Path(__file__).parents[2]
    return [DATA / "po" / "rich.po", *sorted((repo / "locales").glob("*/*/*.po"))[:12]]


@pytest.mark.parametrize("path", _po_files(), ids=lambda p: "/".join(p.parts[-3:]))
def test_reader_agrees_with_polib(path: Path) -> None:
    ours = read_po(path)
    theirs = polib.pofile(str(path), wrapwidth=79)
    assert [_our_view(m) for m in ours.messages] == [_polib_view(e) for e in theirs]
    assert ours.header is not None
    assert ours.header_fields() == dict(theirs.metadata)


def test_line_numbers_point_at_msgid_and_msgstr() -> None:
    catalog = read_po_text('msgid ""\nmsgstr ""\n\n#. note\nmsgid "a"\nmsgstr "b"\n')
    assert (catalog.messages[0].line, catalog.messages[0].msgstr_line) == (5, 6)


def test_writer_escapes_what_gettext_escapes() -> None:
    catalog = Catalog(
        header=Message("", "Content-Type: text/plain; charset=UTF-8\n"),
        messages=[Message('say "hi"\\', "tab\there\nnew line")],
    )
    text = canonical(format_po(catalog))
    assert 'msgid "say \\"hi\\"\\\\"' in text
    assert read_po_text(text).messages[0].msgstr == "tab\there\nnew line"


def test_msgcat_failure_is_a_located_error() -> None:
    with pytest.raises(EqualcityError) as info:
        canonical('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', "x.po")
    assert str(info.value).startswith("x.po: msgcat rejected the catalog")
