"""Three-way PO merge: properties, conflicts as valid PO, and git's merge driver for real."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import git
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalcity.po.catalog import Catalog, Message, format_po, read_po, read_po_text
from equalcity.po.merge3 import CONFLICT_PREFIX, merge3

HEADER = Message(
    "",
    "Language: fr\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\nPlural-Forms: nplurals=2; plural=(n > 1);\n",
)


def _catalog(entries: list[tuple[str, str]]) -> Catalog:
    return Catalog(
        header=copy.deepcopy(HEADER),
        messages=[Message(msgid, msgstr, locations=[f"a.md:{i}"]) for i, (msgid, msgstr) in
                  enumerate(entries, start=1)],
    )  # fmt: skip


texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12)
bases = st.lists(st.tuples(texts, texts), min_size=1, max_size=8, unique_by=lambda e: e[0]).map(
    lambda entries: [(f"id {i} {m}", s) for i, (m, s) in enumerate(entries)]
)


@st.composite
def disjoint_edits(draw: st.DrawFn) -> tuple[Catalog, Catalog, Catalog]:
    entries = draw(bases)
    owner = draw(st.lists(st.sampled_from(["ours", "theirs", "none"]), min_size=len(entries),
                          max_size=len(entries)))  # fmt: skip
    ours, theirs = list(entries), list(entries)
    for i, (msgid, _msgstr) in enumerate(entries):
        new = draw(texts)
        if owner[i] == "ours":
            ours[i] = (msgid, new)
        elif owner[i] == "theirs":
            theirs[i] = (msgid, new)
    return _catalog(entries), _catalog(ours), _catalog(theirs)


@settings(max_examples=150, deadline=None)
@given(disjoint_edits())
def test_edits_to_different_entries_never_conflict_and_lose_nothing(
    case: tuple[Catalog, Catalog, Catalog],
) -> None:
    base, ours, theirs = case
    result = merge3(base, ours, theirs)
    assert result.conflicts == []
    merged = {m.msgid: m.msgstr for m in result.catalog.messages}
    for b, o, t in zip(base.messages, ours.messages, theirs.messages, strict=True):
        expected = o.msgstr if o.msgstr != b.msgstr else t.msgstr
        assert merged[b.msgid] == expected
    assert read_po_text(format_po(result.catalog)).messages  # valid PO


@settings(max_examples=100, deadline=None)
@given(bases, bases)
def test_merging_a_change_with_itself_or_with_nothing_gives_the_change(
    base_entries: list[tuple[str, str]], other_entries: list[tuple[str, str]]
) -> None:
    base, x = _catalog(base_entries), _catalog(other_entries)
    assert format_po(merge3(base, x, copy.deepcopy(x)).catalog) == format_po(x)
    assert format_po(merge3(base, copy.deepcopy(base), x).catalog) == format_po(x)
    assert format_po(merge3(base, x, copy.deepcopy(base)).catalog) == format_po(x)


def test_the_same_entry_changed_twice_is_one_conflict_in_valid_po() -> None:
    base = _catalog([("Safety planning", ""), ("Shelter", "Refuge")])
    ours = _catalog([("Safety planning", "Plan de sécurité"), ("Shelter", "Refuge")])
    theirs = _catalog([("Safety planning", "Planification\nde la sécurité"), ("Shelter", "Abri")])
    result = merge3(base, ours, theirs)
    assert [c.key for c in result.conflicts] == [(None, "Safety planning")]
    entry = result.catalog.messages[0]
    assert entry.fuzzy and entry.msgstr == "Plan de sécurité"
    assert f"{CONFLICT_PREFIX} (ours): Plan de sécurité" in entry.comments
    assert f"{CONFLICT_PREFIX} (theirs): Planification\\nde la sécurité" in entry.comments
    assert result.catalog.messages[1].msgstr == "Abri"
    text = format_po(result.catalog)
    assert "<<<<<<<" not in text
    read_po_text(text)


def test_a_translation_removed_on_one_side_but_edited_on_the_other_is_kept() -> None:
    base = _catalog([("One", "Un"), ("Two", "Deux")])
    ours = _catalog([("One", "Un")])  # removed "Two"
    theirs = _catalog([("One", "Un"), ("Two", "Deux !")])
    assert [m.msgstr for m in merge3(base, ours, theirs).catalog.messages] == ["Un", "Deux !"]
    untouched = _catalog([("One", "Un"), ("Two", "Deux")])
    assert [m.msgid for m in merge3(base, ours, untouched).catalog.messages] == ["One"]


# -- git, for real -----------------------------------------------------------------------------

PO = "locales/fr/01-test/module.po"


def _driver_repo(root: Path) -> git.Repo:
    exe = shutil.which("equalcity")
    assert exe, "the equalcity command is installed (scripts/install.sh)"
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "email", "maintainer@example.org")
        config.set_value("user", "name", "Maintainer")
        config.set_value('merge "equalcity"', "driver", f"{exe} merge-driver %O %A %B %P")
    (root / ".gitattributes").write_text("*.po merge=equalcity\n", encoding="utf-8")
    path = root / PO
    path.parent.mkdir(parents=True)
    entries = [(f"Sentence number {i} of the module.", "") for i in range(1, 9)]
    path.write_text(format_po(_catalog(entries)), encoding="utf-8")
    repo.git.add(A=True)
    repo.git.commit(m="base")
    return repo


def _translate(repo: Path, branch: str, table: dict[int, str], start: str = "main") -> None:
    """What a PO editor saves: the translations and a new PO-Revision-Date in the header."""
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "-B", branch, start], check=True)
    path = repo / PO
    catalog = read_po(path)
    for number, text in table.items():
        catalog.messages[number - 1].msgstr = text
    stamp = f"2026-12-0{len(branch)} 10:00+0100"
    assert catalog.header is not None
    catalog.header.msgstr = f"PO-Revision-Date: {stamp}\n" + catalog.header.msgstr
    path.write_text(format_po(catalog), encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-am", branch], check=True)


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["merge", "rebase", "text-merge"])
def test_git_merges_translations_of_neighbouring_entries(tmp_path: Path, how: str) -> None:
    repo = _driver_repo(tmp_path)
    root = tmp_path
    _translate(root, "anna", {3: "Phrase trois.", 4: "Phrase quatre."})
    _translate(root, "bo", {5: "Phrase cinq."})
    if how == "text-merge":
        # Without the driver git's line merge conflicts (both saves changed the header).
        subprocess.run(["git", "-C", str(root), "config", "--unset", "merge.equalcity.driver"])
        subprocess.run(["git", "-C", str(root), "checkout", "-q", "anna"], check=True)
        done = subprocess.run(
            ["git", "-C", str(root), "merge", "-q", "bo", "-m", "merge"], capture_output=True
        )
        assert done.returncode != 0 and "<<<<<<<" in (root / PO).read_text(encoding="utf-8")
        repo.close()
        return
    if how == "merge":
        subprocess.run(["git", "-C", str(root), "checkout", "-q", "anna"], check=True)
        done = subprocess.run(["git", "-C", str(root), "merge", "-q", "bo", "-m", "merge"])
    else:
        done = subprocess.run(["git", "-C", str(root), "rebase", "-q", "anna", "bo"])
    assert done.returncode == 0
    merged = {m.msgid: m.msgstr for m in read_po(root / PO).messages}
    assert merged["Sentence number 3 of the module."] == "Phrase trois."
    assert merged["Sentence number 4 of the module."] == "Phrase quatre."
    assert merged["Sentence number 5 of the module."] == "Phrase cinq."
    assert read_po(root / PO).header_fields()["PO-Revision-Date"] == "2026-12-04 10:00+0100"
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(root / PO)], check=True)
    repo.close()


@pytest.mark.e2e
def test_git_reports_one_clean_conflict_for_the_same_entry(tmp_path: Path) -> None:
    repo = _driver_repo(tmp_path)
    root = tmp_path
    _translate(root, "anna", {2: "Phrase deux.", 6: "Phrase six."})
    _translate(root, "bo", {2: "Deuxième phrase."})
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "anna"], check=True)
    done = subprocess.run(
        ["git", "-C", str(root), "merge", "bo", "-m", "merge"], capture_output=True, text=True
    )
    assert done.returncode != 0
    text = (root / PO).read_text(encoding="utf-8")
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    catalog = read_po(root / PO)
    entry = catalog.messages[1]
    assert entry.fuzzy and entry.msgstr == "Phrase deux."
    assert any("Deuxième phrase." in c for c in entry.comments)
    assert catalog.messages[5].msgstr == "Phrase six."
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(root / PO)], check=True)
    repo.close()
