"""``schema.toml_lines``: where each line of a TOML text stands, whatever its values hold."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from equalcity.schema import toml_lines

ROOT = Path(__file__).resolve().parents[1]
NAME = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
# Text a value may hold: brackets, quotes, =, #, backslashes and line starts that look like
# headers or keys.
TEXT = st.lists(
    st.sampled_from(["[a]", "[[b]]", "k = 1", "#", '"', "'", "\\", "=", "x", " ", "é", "]", "{"]),
    max_size=6,
).map("".join)
VALUE = st.one_of(
    TEXT,
    st.lists(TEXT, min_size=1, max_size=4).map("\n".join),
    st.lists(TEXT, max_size=3),
)


def _basic(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _value(value: str | list[str]) -> str:
    if isinstance(value, list):  # one element per line: the array spans lines
        return "[\n" + "".join(f"  {json.dumps(v)},\n" for v in value) + "]"
    if "\n" in value:
        return f'"""\n{_basic(value)}"""'
    return json.dumps(value)


@given(st.dictionaries(NAME, st.dictionaries(NAME, VALUE, max_size=4), min_size=1, max_size=4))
def test_headers_and_keys_are_found_and_nothing_inside_a_value(
    tables: dict[str, dict[str, str | list[str]]],
) -> None:
    text = "".join(
        f"[{name}]\n" + "".join(f"{key} = {_value(v)}\n" for key, v in fields.items()) + "\n"
        for name, fields in tables.items()
    )
    assert tomllib.loads(text) == tables  # the text says what we meant
    lines = toml_lines(text)
    assert [x.table for x in lines if x.header] == list(tables)
    assert [(x.table, x.key) for x in lines if x.key] == [
        (name, key) for name, fields in tables.items() for key in fields
    ]


def test_every_toml_file_of_the_repository() -> None:
    """Every header found names a table the file has; a contacts file's headers are its
    contacts, each once."""
    for path in [
        *ROOT.glob("workflows/*.toml"),
        *ROOT.glob("locales/*/contacts*.toml"),
        ROOT / "source/contacts.toml",
    ]:
        text = path.read_text("utf-8")
        data = tomllib.loads(text)
        headers = [x.table for x in toml_lines(text) if x.header]
        for header in headers:
            found: object = data
            for part in header.split("."):
                assert isinstance(found, dict) and part in found, (path, header)
                found = found[part]
                found = found[-1] if isinstance(found, list) else found  # [[array]] tables
        if path.name.startswith("contacts"):
            assert headers == list(data), path
