"""Content repositories for tests: real git, real PO files, a roster whose panel members sign
with throw-away SSH keys; shared by the tests of every package."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
from click.testing import CliRunner

from equalcity.checks.runner import load_config, run
from equalcity.cli import main
from equalcity.po.catalog import read_po, write_po_files
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import Decision, key_hash, text_hash
from tests.conftest import DATA
from tests.keys import Keyring, with_keys

PANEL = """
[[reviewer]]
id = "rev-fr-1"
email = "rev-fr-1@panel.example.org"
languages = ["fr"]
role = "language"

[[reviewer]]
id = "rev-fr-2"
email = "rev-fr-2@panel.example.org"
languages = ["fr"]
modules = ["01-test"]
role = "subject-expert"

[tiers.high]
flags = ["risk-high"]
sections = ["safety planning"]
approvals = 2
subject_experts = 1

[tiers.normal]
approvals = 1
"""


DOC = "01-test/module"


TESTIMONY = "I did not know anyone could help me."


RISKY = "Call {{contact:emergency}} if she is in danger now."


class Repo:
    """A content repository whose commands run as whoever ``as_`` says; panel members (ids
    ``rev-…``) and maintainers (``maint-…``) sign their commits with throw-away SSH keys made
    beside the repository (never inside it)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git = git.Repo.init(root)
        self.runner = CliRunner()
        self.keys = Keyring(root.parent / f"{root.name}-keys")

    def as_(self, email: str) -> Repo:
        name = email.split("@")[0]
        with self.git.config_writer() as config:
            config.set_value("user", "name", name)
            config.set_value("user", "email", email)
            signs = name.startswith(("rev-", "maint-"))
            config.set_value("gpg", "format", "ssh")
            config.set_value("commit", "gpgsign", "true" if signs else "false")
            if signs:
                config.set_value("user", "signingkey", str(self.keys.private(name)))
            elif config.has_option("user", "signingkey"):
                config.remove_option("user", "signingkey")
        return self

    def keyed(self, panel: str) -> str:
        """``panel`` with a key for each reviewer and a maintainer ``maint-1``."""
        return with_keys(panel, self.keys)

    def __call__(self, *args: str, code: int | None = 0) -> str:
        """Run equalcity; ``code`` is the exit status expected (None: any but a crash)."""
        result = self.runner.invoke(main, ["--root", str(self.root), *args])
        assert result.exit_code == code if code is not None else result.exit_code in (0, 1), (
            result.output
        )
        return result.output

    def commit_all(self, message: str) -> None:
        self.git.git.add(A=True)
        self.git.git.commit("-m", message)

    @property
    def po(self) -> Path:
        return self.root / "locales/fr/01-test/module.po"

    def entry_id(self, msgid: str) -> str:
        return key_hash(None, msgid)[:8]

    def state(self, msgid: str) -> str:
        snapshot = Snapshot.of(self.root)
        doc = Document.parse(DOC)
        return snapshot.review("fr", doc, snapshot.catalog("fr", doc).index()[(None, msgid)]).state

    def findings(self) -> list[str]:
        project = Project(self.root)
        return [
            f"{f.check}: {f.message}"
            for f in run(project, config=load_config(project), jobs=1)
            if f.check.startswith("review-")
        ]


def start(root: Path) -> Repo:
    """The panel, one source document and its untranslated French PO file; nothing committed."""
    (root / "source/01-test").mkdir(parents=True)
    (root / "workflows").mkdir()
    shutil.copy(DATA / "markdown/special.md", root / "source/01-test/module.md")
    repo = Repo(root).as_("maintainer@example.org")
    (root / "workflows/panel.toml").write_text(repo.keyed(PANEL), encoding="utf-8")
    repo("extract")
    repo("init", "fr")
    return repo


def translated(root: Path, panel: str = PANEL) -> Repo:
    """``start``, with ``panel`` as the roster, committed (the trust root: the first commit
    with a roster); then a translator's commit translating every entry "FR …"."""
    repo = start(root)
    if panel != PANEL:
        (root / "workflows/panel.toml").write_text(repo.keyed(panel), encoding="utf-8")
    repo.commit_all("Start French")
    repo.as_("translator@example.org")
    catalog = read_po(repo.po)
    for message in catalog.active:
        message.msgstr = "FR " + message.msgid
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.commit_all("Translate")
    return repo


def append_decision(repo: Repo, reviewer: str, msgid: str) -> None:
    """Append an approval of ``msgid`` by ``reviewer`` to the French ledger by hand, as a forger
    (or a test of what counts) would; nothing is committed."""
    catalog = read_po(repo.po)
    message = catalog.index()[(None, msgid)]
    decision = Decision(
        DOC,
        None,
        key_hash(None, msgid),
        text_hash(message),
        reviewer,
        "approve",
        "",
        "2026-11-25T10:00:00Z",
        message.msgstr,
    )
    with (repo.root / "locales/fr/reviews.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(decision.as_json() + "\n")


def fill(path: Path, translations: dict[str, str]) -> None:
    """Translate the entries of the PO file at ``path`` whose English is a key of
    ``translations`` (and clear their fuzzy flag), as a translator's editor would."""
    catalog = read_po(path)
    for message in catalog.active:
        if message.msgid in translations:
            message.msgstr = translations[message.msgid]
            message.fuzzy = False
    write_po_files([(path, catalog, str(path))])
