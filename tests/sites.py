"""A small content repository for the dashboard and review-page tests: a panel, a glossary,
French and Arabic translations, an earlier approval and an earlier change request."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import DATA
from tests.repos import Repo, fill

PANEL = """
[[reviewer]]
id = "rev-1"
email = "rev-1@panel.example.org"
languages = ["fr", "ar"]
role = "language"

[[reviewer]]
id = "rev-2"
email = "rev-2@panel.example.org"
languages = ["fr"]
role = "subject-expert"

[tiers.high]
flags = ["risk-high"]
sections = ["safety planning"]
approvals = 2
subject_experts = 1

[tiers.normal]
approvals = 1
"""

SOURCE = """\
# Introduction

A survivor decides what happens next.

Trafficking in human beings is a crime everywhere.

Listen first, then ask what she needs.

Write down what she tells you, in her words.

## Safety planning

<!-- equalcity: risk-high -->

- Call {{contact:emergency}} if she is in danger now.
"""

SURVIVOR = "A survivor decides what happens next."
TRAFFICKING = "Trafficking in human beings is a crime everywhere."
LISTEN = "Listen first, then ask what she needs."
WRITE = "Write down what she tells you, in her words."
CALL = "Call {{contact:emergency}} if she is in danger now."
SCRIPT = "<script>document.title='pwned'</script>"

FRENCH = {
    "Introduction": "Introduction",
    SURVIVOR: "Une survivante décide de la suite.",
    TRAFFICKING: "La traite est un crime partout.",
    LISTEN: f"{SCRIPT} Écouter d'abord, puis demander ce dont elle a besoin.",
    WRITE: "Noter ce qu'elle dit.",
    "Safety planning": "Plan de sécurité",
    CALL: "Appelez {{contact:emergency}} si elle est en danger immédiat.",
}
ARABIC = {
    "Introduction": "مقدمة",
    SURVIVOR: "الناجية تقرر ما سيحدث بعد ذلك.",
    TRAFFICKING: "الاتجار بالبشر جريمة في كل مكان.",
    LISTEN: "استمع أولاً، ثم اسأل عما تحتاجه.",
    WRITE: "اكتب ما تقوله بكلماتها.",
    "Safety planning": "خطة السلامة",
    CALL: "اتصل بـ {{contact:emergency}} إذا كانت في خطر الآن.",
}
DOC = "01-test/module"


def po(repo: Repo, locale: str) -> Path:
    return repo.root / f"locales/{locale}/01-test/module.po"


def translate(repo: Repo, locale: str, texts: dict[str, str], message: str) -> None:
    """The translator writes ``texts`` (clearing fuzzy flags) and commits."""
    repo.as_("translator@example.org")
    fill(po(repo, locale), texts)
    repo.commit_all(message)


def build(root: Path) -> Repo:
    """The repository, its history ending with everything committed."""
    (root / "source/01-test").mkdir(parents=True)
    (root / "workflows").mkdir()
    (root / "source/01-test/module.md").write_text(SOURCE, encoding="utf-8")
    shutil.copytree(DATA / "glossary/good", root / "glossary")
    repo = Repo(root).as_("maintainer@example.org")
    (root / "workflows/panel.toml").write_text(repo.keyed(PANEL), encoding="utf-8")
    repo("extract")
    repo("init", "fr")
    repo("init", "ar")
    repo.commit_all("Start French and Arabic")
    translate(repo, "fr", FRENCH, "Translate French")
    translate(repo, "ar", ARABIC, "Translate Arabic")
    # An earlier approval that a later edit made stale, and an answered change request.
    repo.as_("rev-2@panel.example.org")
    repo("review", "approve", "-l", "fr", "--doc", DOC, "--entry", repo.entry_id(WRITE))
    repo(
        "review",
        "request-changes",
        "-l",
        "fr",
        "--doc",
        DOC,
        "--entry",
        repo.entry_id(TRAFFICKING),
        "--comment",
        "Say 'traite des êtres humains', the legal term.",
    )
    translate(
        repo,
        "fr",
        {
            WRITE: "Noter ce qu'elle dit, avec ses mots.",
            TRAFFICKING: "La traite des êtres humains est un crime partout.",
        },
        "Revise after review",
    )
    return repo
