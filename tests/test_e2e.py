"""End to end: the installed ``equalcity`` command in a real git repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import git
import pytest

from equalcity.po.catalog import read_po, write_po_files
from tests.conftest import DATA, assert_gettext_clean
from tests.keys import Keyring

pytestmark = pytest.mark.e2e


def run(root: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("equalcity")
    assert exe, "the equalcity command is not installed (pip install -e .)"
    result = subprocess.run([exe, *args], cwd=root, capture_output=True, text=True)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def translate_and_commit(repo: git.Repo, po: Path) -> None:
    """A translator fills every entry, saved the way an editor saves it (msgcat layout)."""
    catalog = read_po(po)
    for message in catalog.active:
        message.msgstr = "FR " + message.msgid
    write_po_files([(po, catalog, str(po))])
    repo.git.add(A=True)
    repo.index.commit("Translate")


def test_translation_round_trip_in_a_git_repository(tmp_path: Path) -> None:
    root = tmp_path / "toolbox"
    (root / "source/01-test").mkdir(parents=True)
    shutil.copy(DATA / "markdown/special.md", root / "source/01-test/module.md")
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Maintainer")
        config.set_value("user", "email", "maintainer@example.org")

    run(root, "extract")
    run(root, "init", "fr")
    repo.git.add(A=True)
    repo.index.commit("Start French")

    po = root / "locales/fr/01-test/module.po"
    translate_and_commit(repo, po)

    # The source moves on; update must leave no diff noise beyond the real change.
    source = root / "source/01-test/module.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("at any time.", "at any time, day or night."),
        encoding="utf-8",
    )
    run(root, "extract")
    run(root, "update")
    diff = repo.git.diff("--", "locales/fr")
    assert "+#, fuzzy" in diff
    assert '+#| msgid "Call {{contact:national-vaw-helpline}} at any time."' in diff
    changed = [line for line in diff.splitlines() if line.startswith(("+", "-"))]
    assert len(changed) < 12, diff
    repo.git.add(A=True)
    repo.index.commit("Update")

    # Nothing changed: a second update writes nothing and git sees nothing.
    run(root, "update")
    assert not repo.is_dirty(untracked_files=True)

    run(root, "build", "--locale", "fr", "--out", "out")
    built = (root / "out/01-test/module.md").read_text(encoding="utf-8")
    assert "> FR I did not know anyone could help me." in built
    assert "at any time, day or night." in built  # fuzzy: the source text stays
    status = run(root, "status", "--format", "json").stdout
    assert '"fuzzy": 1' in status
    assert_gettext_clean(root / "locales")


def test_bad_input_through_the_installed_command(tmp_path: Path) -> None:
    root = tmp_path / "toolbox"
    (root / "source/01-test").mkdir(parents=True)
    (root / "source/01-test/module.md").write_bytes(b"# Caf\xe9\n")
    git.Repo.init(root)
    result = run(root, "extract", code=2)
    assert result.stderr == (
        "equalcity: source/01-test/module.md:1: not valid UTF-8 (byte 0xe9); "
        "convert the file to UTF-8, e.g. with msgconv or iconv\n"
    )
    assert not (root / "locales").exists()


def test_gate_and_glossary_through_the_installed_command(tmp_path: Path) -> None:
    root = tmp_path / "toolbox"
    (root / "source/01-test").mkdir(parents=True)
    (root / "source/01-test/module.md").write_text(
        "# Rights\n\nEvery survivor can call {{contact:emergency}}.\n", encoding="utf-8"
    )
    shutil.copy(DATA / "checks/contacts.toml", root / "source/contacts.toml")
    shutil.copytree(DATA / "glossary/good", root / "glossary")
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Maintainer")
        config.set_value("user", "email", "maintainer@example.org")
    run(root, "glossary", "lint")
    run(root, "extract")
    run(root, "init", "fr")
    po = root / "locales/fr/01-test/module.po"
    assert "#. glossary: survivor → survivante" in po.read_text(encoding="utf-8")
    repo.git.add(A=True)
    repo.index.commit("Start")
    assert run(root, "check").stdout.strip().endswith("no findings")

    catalog = read_po(po)
    catalog.index()[
        (None, "Every survivor can call {{contact:emergency}}.")
    ].msgstr = "Toute victime, même migrant illégal, peut appeler {{contact:urgence}}."
    write_po_files([(po, catalog, str(po))])
    result = run(root, "check", "--format", "github", code=1)
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("::error file=locales/fr/01-test/module.po,line=")
        and "title=placeholder::" in line
        for line in lines
    )
    assert any("title=glossary-forbidden::" in line for line in lines)
    tbx_text = run(root, "glossary", "export", "--format", "tbx").stdout
    assert '<termEntry id="survivor">' in tbx_text


def test_review_through_the_installed_command(tmp_path: Path) -> None:
    root = tmp_path / "toolbox"
    (root / "source/01-test").mkdir(parents=True)
    (root / "workflows").mkdir()
    (root / "source/01-test/module.md").write_text("# Safety\n\nListen first.\n", encoding="utf-8")
    keys = Keyring(tmp_path / "keys")  # throw-away, outside the repository
    (root / "workflows/panel.toml").write_text(
        '[[reviewer]]\nid = "rev-1"\nemail = "rev-1@panel.example.org"\n'
        f'languages = ["fr"]\nrole = "language"\nkeys = ["{keys.public("rev-1")}"]\n',
        encoding="utf-8",
    )
    repo = git.Repo.init(root)

    def as_(email: str) -> None:
        with repo.config_writer() as config:
            config.set_value("user", "name", email.split("@")[0])
            config.set_value("user", "email", email)

    as_("translator@example.org")
    run(root, "extract")
    run(root, "init", "fr")
    po = root / "locales/fr/01-test/module.po"
    translate_and_commit(repo, po)

    refused = run(
        root, "review", "approve", "--locale", "fr", "--doc", "01-test/module", "--all", code=2
    )
    assert "translator@example.org is not on the review panel" in refused.stderr
    as_("rev-1@panel.example.org")
    assert "2 entries waiting for review" in run(root, "review", "list", "--locale", "fr").stdout
    # Without a signing key the decision is refused, with the way to set one up.
    doc = "01-test/module"
    unsigned = run(root, "review", "approve", "-l", "fr", "--doc", doc, "--all", code=2)
    assert "decisions are signed with your SSH key" in unsigned.stderr
    assert len(unsigned.stderr.strip().splitlines()) == 1
    # The panel member's setup from docs/review.md: git signs with their SSH key.
    with repo.config_writer() as config:
        config.set_value("gpg", "format", "ssh")
        config.set_value("user", "signingkey", f"{keys.private('rev-1')}.pub")
    run(root, "review", "approve", "--locale", "fr", "--doc", "01-test/module", "--all")
    assert repo.head.commit.author.email == "rev-1@panel.example.org"
    assert "0 entries waiting" in run(root, "review", "list", "--locale", "fr").stdout
    assert run(root, "check").returncode == 0
    # git itself accepts the signature against the roster's key (allowed signers)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'rev-1@panel.example.org namespaces="git" {keys.public("rev-1")}\n')
    verified = subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0 and 'Good "git" signature' in verified.stderr
