"""`equalcity format` restores gettext's bytes after any PO tool's save (layout.py)."""

from __future__ import annotations

import io
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from babel.messages.pofile import read_po as babel_read
from babel.messages.pofile import write_po as babel_write
from hypothesis import given
from hypothesis import strategies as st
from translate.storage import pypo

from equalcity.po.catalog import canonical, format_header, format_po, parse_header, read_po_text
from equalcity.po.layout import rejoin
from tests.conftest import Cli

ROOT = Path(__file__).parents[2]
FILES = sorted(
    p.relative_to(ROOT)
    for p in [*(ROOT / "locales").rglob("*.po"), *(ROOT / "locales").rglob("*.pot")]
)
BABEL_WIDTHS = (76, 77, 78, 79, 80)


def _polib(data: bytes, index: int) -> bytes:
    return str(polib.pofile(data.decode("utf-8"))).encode("utf-8")  # wrapwidth 78


def _babel(data: bytes, index: int) -> bytes:
    # Each file at one of the widths, so every file and every width is covered at a fifth of
    # the cost of the full product (Babel's writer is slow).
    out = io.BytesIO()
    catalog = babel_read(io.BytesIO(data))
    babel_write(out, catalog, width=BABEL_WIDTHS[index % 5], include_previous=True)
    return out.getvalue()


def _translate_toolkit(data: bytes, index: int) -> bytes:
    return bytes(pypo.pofile.parsestring(data))


def _msgcat(data: bytes, index: int) -> bytes:
    # Poedit saves what msgcat writes (its own writer follows gettext's layout).
    return subprocess.run(
        ["msgcat", "--force-po", "-o", "-", "-"], input=data, capture_output=True, check=True
    ).stdout


TOOLS: dict[str, Callable[[bytes, int], bytes]] = {
    "polib": _polib,
    "babel": _babel,
    "translate-toolkit": _translate_toolkit,
    "msgcat": _msgcat,
}


def _header_lines(text: str) -> list[str]:
    header = read_po_text(text).header
    return header.msgstr.split("\n") if header else []


def _expected(original: str, saved: str) -> str:
    """``original`` with the header values the tool changed (Babel drops fields it does not
    know and adds its own): fields it kept stay where they were, new gettext fields go where
    gettext puts them, others at the end; and without the flags of obsolete entries where the
    tool dropped them (Babel writes an obsolete entry's ``#~`` lines only: no file keeps what
    they were). Everything else must come back byte for byte."""
    before = parse_header("\n".join(_header_lines(original)))
    after = parse_header("\n".join(_header_lines(saved)))
    kept = {m.key: m.flags for m in read_po_text(saved).obsolete}
    catalog = read_po_text(original)
    lost = [m for m in catalog.obsolete if m.flags and not kept.get(m.key)]
    if before == after and not lost:
        return original
    for message in lost:
        message.flags = []
    if before == after:
        return canonical(format_po(catalog))
    gettext_order = ["Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date"]
    names = [name for name in before if name in after]
    for name in after:
        if name not in names:
            if name in gettext_order:
                names.insert(gettext_order.index(name), name)
            else:
                names.append(name)
    assert catalog.header is not None
    catalog.header.msgstr = format_header({name: after[name] for name in names})
    return canonical(format_po(catalog))  # msgcat: the oracle, independent of our writer


@pytest.mark.parametrize("tool", TOOLS)
def test_format_restores_every_file_after_a_tools_save(tool: str, cli: Cli, tmp_path: Path) -> None:
    tree = tmp_path / "saved"
    expected: dict[Path, str] = {}
    for index, rel in enumerate(FILES):
        data = (ROOT / rel).read_bytes()
        saved = TOOLS[tool](data, index)
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(saved)
        expected[rel] = _expected(data.decode("utf-8"), saved.decode("utf-8"))
    cli("format", str(tree))
    wrong = [str(rel) for rel in FILES if (tree / rel).read_text("utf-8") != expected[rel]]
    assert not wrong, f"{len(wrong)} of {len(FILES)} files differ after {tool}: {wrong[:5]}"


def test_polib_and_babel_really_split_comments_and_reorder_the_header() -> None:
    # The test above would prove nothing if the tools wrote gettext's layout already.
    data = (ROOT / "locales/fr/01-introduction/module.po").read_bytes()
    assert "\n#. sur le genre\n" in _polib(data, 0).decode()
    babel = _babel(data, 0).decode()
    assert babel.index('"Language: fr') < babel.index('"Language-Team:')


def test_a_long_comment_before_a_comment_of_its_own_is_not_joined() -> None:
    section = "section: " + "x" * 66  # 75 columns with '#. ': any width could have split it
    assert rejoin([section, "kind: paragraph"], "#. ") == [section, "kind: paragraph"]
    assert rejoin(["a" * 30, "b"], "#. ") == ["a" * 30, "b"]  # a short line was not wrapped
    assert rejoin(["review: use the preferred", "", "term"], "# ") == [
        "review: use the preferred",
        "",
        "term",
    ]


# Words, hyphenated compounds (textwrap breaks after their hyphen) and the arrows of hints.
_WORDS = st.from_regex(r"[a-zéï]{1,9}(-[a-z]{1,6})?|→|›", fullmatch=True)


@given(
    comments=st.lists(
        st.builds(
            lambda key, words: f"{key}: " + " ".join(words),
            st.sampled_from(["kind", "section", "glossary", "review", "equalcity-ignore"]),
            st.lists(_WORDS, min_size=1, max_size=30),
        ),
        min_size=1,
        max_size=4,
    ),
    width=st.integers(76, 80),
    babel_style=st.booleans(),
    prefix=st.sampled_from(["#. ", "# "]),
)
def test_rejoin_undoes_polib_and_babel_wrapping(
    comments: list[str], width: int, babel_style: bool, prefix: str
) -> None:
    wrapped: list[str] = []
    for comment in comments:
        if babel_style:
            wrapped += textwrap.TextWrapper(width=width, break_long_words=False).wrap(comment)
        elif len(comment) + len(prefix) > width:
            lines = textwrap.wrap(
                comment,
                width,
                initial_indent=prefix,
                subsequent_indent=prefix,
                break_long_words=False,
            )
            wrapped += [line[len(prefix) :] for line in lines]
        else:
            wrapped.append(comment)
    assert rejoin(wrapped, prefix) == comments
