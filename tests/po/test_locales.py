"""Language folders named as gettext names them: every command takes the name as written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from equalcity.errors import EqualcityError
from equalcity.po.catalog import read_po, write_po_files
from equalcity.po.locales import english_name, is_rtl, parse_name, plural_forms, same_language
from tests.conftest import DATA, assert_gettext_clean
from tests.repos import Repo

# What Weblate, Poedit and gettext's own teams name folders: language and country, script
# modifiers, a variant, and languages of the toolbox's audience without a country.
NAMES = [
    *("zh_CN", "zh_TW", "pt_BR", "sr@latin", "sr_RS@latin", "ca@valencia"),
    *("ti", "so", "fa", "uk"),
]
EDITIONS = {
    name: name.replace("_", "-").replace("@latin", "-Latn").replace("@", "-") for name in NAMES
}

PANEL = """
[[reviewer]]
id = "rev-many"
email = "rev-many@panel.example.org"
languages = ["zh_CN", "zh_TW", "pt", "sr", "ca", "ti", "so", "fa", "uk"]
modules = ["*"]
role = "subject-expert"

[tiers.normal]
approvals = 1
"""


def _release_toml() -> str:
    lines = ['[release]\ntitle = "Test toolbox"\nversion = "1.0.0"\n']
    for name, edition in EDITIONS.items():
        lines.append(f'[edition.{edition}]\nlanguage = "{name}"\npreview = true\n')
    return "\n".join(lines)


def _translate(root: Path, name: str) -> str:
    """Translate every entry of every PO file of ``name`` as ``[name] msgid``; one msgid back."""
    some = ""
    for po in sorted((root / "locales" / name).rglob("*.po")):
        catalog = read_po(po)
        for message in catalog.active:
            message.msgstr = f"[{name}] {message.msgid}"
            some = message.msgid
        write_po_files([(po, catalog, str(po))])
    return some


@pytest.fixture(scope="module")
def toolbox(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    root = tmp_path_factory.mktemp("locales") / "toolbox"
    (root / "source/01-basics").mkdir(parents=True)
    (root / "workflows").mkdir()
    shutil.copy(DATA / "release/source/01-basics/module.md", root / "source/01-basics/module.md")
    shutil.copy(DATA / "release/contacts.toml", root / "source/contacts.toml")
    (root / "workflows/panel.toml").write_text(PANEL, encoding="utf-8")
    (root / "workflows/release.toml").write_text(_release_toml(), encoding="utf-8")
    (root / ".gitignore").write_text("dist/\n.cache/\nbuilt/\n", encoding="utf-8")
    repo = Repo(root).as_("maintainer@example.org")
    repo("extract")
    for name in NAMES:
        assert f"created locales/{name}/01-basics/module.po" in repo("init", name)
    repo.commit_all("Ten languages")
    repo.as_("translator@example.org")
    for name in NAMES:
        _translate(root, name)
    repo.commit_all("Translate")
    return repo.as_("maintainer@example.org")


@pytest.mark.parametrize("name", NAMES)
def test_init_writes_the_folder_and_header_as_named(toolbox: Repo, name: str) -> None:
    catalog = read_po(toolbox.root / "locales" / name / "01-basics/module.po")
    fields = catalog.header_fields()
    assert fields["Language"] == name
    assert fields["Plural-Forms"] == plural_forms(name)
    assert fields["Language-Team"] == english_name(name)
    assert sorted(p.name for p in (toolbox.root / "locales").iterdir()) == sorted(
        [*NAMES, "templates"]
    )


def test_every_command_takes_every_name_as_written(toolbox: Repo) -> None:
    root = toolbox.root
    before = {p: p.read_bytes() for p in sorted((root / "locales").rglob("*.po"))}
    out = toolbox("update")
    for name in NAMES:
        assert f"{name}: " in out
        toolbox("update", "--locale", name)
        built = root / "built" / name
        toolbox("build", "--locale", name, "--out", str(built))
        assert f"[{name}] " in (built / "01-basics/module.md").read_text(encoding="utf-8")
        waiting = toolbox("review", "list", "--locale", name)
        assert waiting.strip().endswith("entries waiting for review"), waiting
        assert not waiting.startswith("0 ")
        assert json.loads(toolbox("status", "--format", "json", "--locale", name))
    assert {p: p.read_bytes() for p in before} == before  # nothing to change: all up to date
    assert_gettext_clean(root / "locales")

    status = json.loads(toolbox("status", "--format", "json"))
    assert sorted({row["locale"] for row in status}) == sorted(NAMES)
    check = toolbox("check", "--format", "json", code=0)
    assert "unknown language" not in check


def test_release_builds_an_edition_of_every_name(toolbox: Repo) -> None:
    toolbox("release", "--out", str(toolbox.root / "dist"), "--preview")
    for name, edition in EDITIONS.items():
        bundle = toolbox.root / "dist" / edition
        page = (bundle / "html/01-basics/module.html").read_text(encoding="utf-8")
        direction = "rtl" if name == "fa" else "ltr"
        assert f'<html lang="{parse_name(name).bcp47}" dir="{direction}">' in page
        assert f"[{name}] " in page
        assert (
            json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["language"] == name
        )
        assert list((bundle / "pdf").glob("*.pdf"))


def test_a_name_that_means_an_existing_folder_is_suggested_not_used(toolbox: Repo) -> None:
    for asked, folder in [("zh_Hans_CN", "zh_CN"), ("sr_Latn", "sr@latin"), ("pt-BR", "pt_BR")]:
        out = toolbox("update", "--locale", asked, code=2)
        assert folder in out and "Traceback" not in out, out
    out = toolbox("init", "zh_Hant_TW", code=2)
    assert "locales/zh_TW/ is this language already" in out
    assert not (toolbox.root / "locales/zh_Hant_TW").exists()


@pytest.mark.parametrize(
    ("name", "identity", "tag", "rtl"),
    [
        ("zh_CN", ("zh", "Hans", "CN", None), "zh-CN", False),
        ("zh_TW", ("zh", "Hant", "TW", None), "zh-TW", False),
        ("sr@latin", ("sr", "Latn", None, None), "sr-Latn", False),
        ("sr_RS@latin", ("sr", "Latn", "RS", None), "sr-Latn-RS", False),
        ("sr", ("sr", "Cyrl", None, None), "sr", False),
        ("ca@valencia", ("ca", "Latn", None, "valencia"), "ca-valencia", False),
        ("ti", ("ti", "Ethi", None, None), "ti", False),
        ("fa", ("fa", "Arab", None, None), "fa", True),
        ("pa_Arab", ("pa", "Arab", None, None), "pa-Arab", True),
    ],
)
def test_babel_only_says_what_a_name_means(
    name: str, identity: tuple[str, ...], tag: str, rtl: bool
) -> None:
    parsed = parse_name(name)
    assert (parsed.name, parsed.identity, parsed.bcp47, is_rtl(name)) == (name, identity, tag, rtl)


def test_names_that_are_not_gettext_names() -> None:
    for bad, message in [
        ("pt-BR", "write pt_BR"),
        ("xx", "unknown language code 'xx'"),
        ("fr_XX", "unknown country or region 'XX'"),
        ("Fr", "not a gettext language name"),
        ("de_DE.UTF-8", "not a gettext language name"),
    ]:
        with pytest.raises(EqualcityError, match=message):
            parse_name(bad)
    assert same_language("zh_CN", "zh_Hans_CN") and same_language("sr@latin", "sr_Latn")
    assert not same_language("sr@latin", "sr") and not same_language("pt", "pt_BR")
