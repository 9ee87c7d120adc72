"""Attacks on the review record, each in a real git repository with real SSH signatures
(throw-away ed25519 keys made by ssh-keygen beside the repository).

Each scenario ends with the same question put to ``check`` and to ``status``: which ledger
lines count. They must agree, and the forged line must count in neither.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from equalcity.po.catalog import read_po, write_po_files
from equalcity.progress.status import compute
from equalcity.repository.snapshot import Snapshot
from equalcity.review.index import review_index
from equalcity.review.signatures import check_commit, split_commit, trailers
from tests.keys import Keyring, with_keys
from tests.repos import DOC, RISKY, TESTIMONY, Repo, append_decision, start, translated

PANEL_PATH = "workflows/panel.toml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return translated(tmp_path / "toolbox")


def commit_with(repo: Repo, key: Path | None, message: str, email: str) -> str:
    """Commit everything as ``email``, signed with ``key`` (None: unsigned)."""
    repo.git.git.add(A=True)
    name = email.split("@")[0]
    sign = ["-c", f"user.signingkey={key}", "commit", "-S"] if key else ["commit", "--no-gpg-sign"]
    subprocess.run(
        ["git", "-c", "gpg.format=ssh", *sign, "-q", "-m", message],
        cwd=repo.root,
        check=True,
        env={
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "HOME": str(repo.root.parent),
            "PATH": "/usr/bin:/bin",
        },
    )
    return str(repo.git.head.commit.hexsha)


def add_key(repo: Repo, reviewer: str, key_name: str) -> None:
    """Edit the roster: give ``reviewer`` a second key."""
    path = repo.root / PANEL_PATH
    text = path.read_text(encoding="utf-8")
    mine = repo.keys.public(reviewer)
    path.write_text(
        text.replace(f'keys = ["{mine}"]', f'keys = ["{mine}", "{repo.keys.public(key_name)}"]'),
        encoding="utf-8",
    )


def findings(repo: Repo) -> list[dict[str, str | int]]:
    """Every review finding of ``check`` (the fixture's source has unrelated contact errors)."""
    out = json.loads(repo("check", "--format", "json", code=None))
    return [f for f in out if str(f["check"]).startswith("review-")]


def flagged(repo: Repo) -> dict[int, set[str]]:
    """Ledger lines ``check`` reports as errors, with the check ids (the file-level note that
    a commit rewrote the ledger aside)."""
    found: dict[int, set[str]] = {}
    for finding in findings(repo):
        file_level = str(finding["message"]).endswith("removed or changed ledger lines")
        if finding["path"] == "locales/fr/reviews.jsonl" and not file_level:
            assert finding["severity"] == "error"
            found.setdefault(int(finding["line"]), set()).add(str(finding["check"]))
    return found


def uncounted(repo: Repo) -> set[int]:
    """Ledger lines the review index (what status reads) does not count."""
    ledger = review_index(repo.root).ledger("fr")
    return {d.line for d in ledger.decisions if not ledger.counts(d)} | {
        p.line or 0 for p in ledger.problems
    }


def trust_findings(repo: Repo) -> list[str]:
    return [str(f["message"]) for f in findings(repo) if f["check"] == "review-trust"]


def approved(repo: Repo) -> int:
    return sum(row.strings["approved"] for row in compute(Snapshot.of(repo.root), ["fr"]))


def assert_forged(repo: Repo, line: int, check: str, message: str = "") -> None:
    """``line`` counts nowhere, ``check`` names it at the ledger line, and status agrees."""
    found = flagged(repo)
    assert check in found.get(line, set()), found
    assert line in uncounted(repo)
    assert set(found) == uncounted(repo)  # check and status agree on every line
    if message:
        texts = [str(f["message"]) for f in findings(repo) if f["line"] == line]
        assert any(re.search(message, t) for t in texts), texts


def test_a_signed_decision_counts_and_git_agrees_with_our_reading(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    assert repo.state(TESTIMONY) == "approved" and flagged(repo) == {} and uncounted(repo) == set()
    raw = subprocess.run(
        ["git", "cat-file", "commit", "HEAD"], cwd=repo.root, capture_output=True, check=True
    ).stdout
    payload, armored, _ = split_commit(raw)
    assert armored is not None and b"gpgsig" not in payload
    # ssh-keygen itself verifies the same payload against the roster's key
    allowed = repo.root.parent / "allowed"
    allowed.write_text(f'rev-fr-1 namespaces="git" {repo.keys.public("rev-fr-1")}\n')
    signature = repo.root.parent / "sig"
    signature.write_text(armored)
    command = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "rev-fr-1", "-n", "git"]
    verify = subprocess.run(
        [*command, "-s", str(signature)],
        input=payload,
        capture_output=True,
    )
    assert verify.returncode == 0, verify.stderr
    assert check_commit(raw).key == " ".join(repo.keys.public("rev-fr-1").split()[:2])


def test_right_email_without_signature_counts_for_nothing(repo: Repo) -> None:
    # The impersonation of the issue: git's user.email set to a panel member's address.
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, None, "review(fr): approve", "rev-fr-1@panel.example.org")
    assert_forged(repo, 1, "review-signature", "is not signed")
    assert repo.state(TESTIMONY) == "unverified" and approved(repo) == 0
    shown = repo("review", "show", "-l", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    assert "state: unverified" in shown
    assert "  rev-fr-1 (approve, ledger line 1): commit " in shown and "is not signed" in shown
    listed = repo("review", "list", "-l", "fr", "--all-states")
    assert f"{repo.entry_id(TESTIMONY)} unverified [normal 0/1]" in listed


def test_signed_with_another_members_key(repo: Repo) -> None:
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, repo.keys.private("rev-fr-2"), "approve", "rev-fr-1@panel.example.org")
    assert_forged(repo, 1, "review-signature", "signed with rev-fr-2's key, not rev-fr-1's")
    assert approved(repo) == 0


def test_signed_by_a_key_added_to_the_roster_in_the_same_commit(repo: Repo) -> None:
    add_key(repo, "rev-fr-1", "intruder")
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, repo.keys.private("intruder"), "approve", "rev-fr-1@panel.example.org")
    assert_forged(repo, 1, "review-signature", "roster before it does not give rev-fr-1")
    out = repo("check", code=1)
    assert re.search(r"workflows/panel.toml:1: error review-trust: commit \w+ changes", out)
    assert approved(repo) == 0
    assert (
        review_index(repo.root).panel.by_id("rev-fr-1").keys
        == (  # type: ignore[union-attr]
            " ".join(repo.keys.public("rev-fr-1").split()[:2]),
        )
    )


def test_unsigned_roster_change_adding_a_key_is_ignored(repo: Repo) -> None:
    add_key(repo, "rev-fr-1", "intruder")
    commit_with(repo, None, "Add my other key", "maint-1@example.org")
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, repo.keys.private("intruder"), "approve", "rev-fr-1@panel.example.org")
    assert_forged(repo, 1, "review-signature", "roster before it does not give rev-fr-1")
    assert any("is not signed; the change is ignored" in m for m in trust_findings(repo))
    # the maintainer confirms the key with a signed change: it counts from then on
    path = repo.root / PANEL_PATH
    path.write_text(path.read_text() + "# rev-fr-1's second key confirmed by phone\n")
    commit_with(repo, repo.keys.private("maint-1"), "Add rev-fr-1's key", "maint@example.org")
    append_decision(repo, "rev-fr-1", RISKY)
    commit_with(repo, repo.keys.private("intruder"), "approve", "rev-fr-1@panel.example.org")
    assert 2 not in uncounted(repo) and 1 in uncounted(repo)


def test_roster_change_signed_by_a_removed_maintainer(repo: Repo) -> None:
    path = repo.root / PANEL_PATH
    old = repo.keys.public("maint-1")
    path.write_text(path.read_text().replace(old, repo.keys.public("maint-2")))
    commit_with(repo, repo.keys.private("maint-1"), "Hand over to maint-2", "m1@example.org")
    assert trust_findings(repo) == []
    add_key(repo, "rev-fr-1", "intruder")
    commit_with(repo, repo.keys.private("maint-1"), "Sneak a key in", "m1@example.org")
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, repo.keys.private("intruder"), "approve", "rev-fr-1@panel.example.org")
    assert_forged(repo, 1, "review-signature", "does not give rev-fr-1")
    ignored = trust_findings(repo)
    assert any("not signed by a maintainer of the roster before it" in m for m in ignored)
    assert any("the last trusted roster applies" in m for m in ignored)


def _forge(repo: Repo, raw: bytes) -> str:
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            cwd=repo.root,
            input=raw,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    repo.git.git.reset("--hard", sha)
    return sha


def test_a_signature_copied_from_another_commit(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    genuine = repo.git.git.cat_file("commit", "HEAD").encode() + b"\n"
    signature = re.search(rb"gpgsig .*?-----END SSH SIGNATURE-----\n", genuine, re.S)
    assert signature is not None
    # the attacker adds an approval of another entry and reuses rev-fr-1's signature
    repo.as_("translator@example.org")
    append_decision(repo, "rev-fr-1", RISKY)
    repo.commit_all("approve")
    unsigned = repo.git.git.cat_file("commit", "HEAD").encode() + b"\n"
    head, _, message = unsigned.partition(b"\n\n")
    _forge(repo, head + b"\n" + signature.group(0) + b"\n" + message)
    assert "gpgsig" in repo.git.git.cat_file("commit", "HEAD")
    assert_forged(repo, 2, "review-signature", "does not verify")
    assert 1 not in uncounted(repo)  # the genuine decision still counts


def test_a_valid_decision_rewritten_in_history(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    # history rewritten: the decision commit replaced by one whose line approves more, keeping
    # the original signature header (an amend or rebase would drop it)
    genuine = repo.git.git.cat_file("commit", "HEAD").encode() + b"\n"
    ledger = repo.root / "locales/fr/reviews.jsonl"
    line = json.loads(ledger.read_text())
    line["text"] = "0" * 16  # pinned to another text
    ledger.write_text(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
    repo.git.git.add(A=True)
    tree = repo.git.git.write_tree()
    _forge(repo, re.sub(rb"^tree \w+", f"tree {tree}".encode(), genuine, count=1))
    assert_forged(repo, 1, "review-signature", "does not verify")
    # the same rewrite re-signed by someone else's valid key is no better
    repo.as_("rev-fr-2@panel.example.org")
    repo.git.git.commit("--amend", "--no-edit", "-S")
    assert_forged(repo, 1, "review-signature", "signed with rev-fr-2's key")


def test_a_later_commit_deleting_a_change_request(repo: Repo) -> None:
    entry = repo.entry_id(TESTIMONY)
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "-l", "fr", "--doc", DOC, "--entry", entry)
    repo.as_("rev-fr-2@panel.example.org")
    repo("review", "request-changes", "-l", "fr", "--doc", DOC, "--entry", entry, "--comment", "No")
    assert repo.state(TESTIMONY) == "changes-requested"
    # someone deletes the change request and clears the fuzzy flag: the earlier approval of the
    # same text would make the entry approved again
    ledger = repo.root / "locales/fr/reviews.jsonl"
    ledger.write_text(ledger.read_text().split("\n", 1)[0] + "\n")
    catalog = read_po(repo.po)
    catalog.index()[(None, TESTIMONY)].fuzzy = False
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.as_("translator@example.org").commit_all("tidy")
    assert_forged(repo, 1, "review-edited", "removed or rewrote ledger lines of this entry")
    assert any(
        str(f["message"]).endswith("removed or changed ledger lines") for f in findings(repo)
    )
    assert repo.state(TESTIMONY) == "unverified"


SERVICE = """
[[service]]
id = "panel-web"
keys = ["{key}"]
may_sign_for = ["language"]
"""


@pytest.mark.parametrize(
    ("reviewer", "trailer", "problem"),
    [
        ("rev-fr-1", "Reviewer: rev-fr-1", ""),
        ("rev-fr-1", "", "without a 'Reviewer:' trailer"),
        ("rev-fr-1", "Reviewer: rev-fr-2", "for rev-fr-2, not for rev-fr-1"),
        ("rev-fr-2", "Reviewer: rev-fr-2", "may not sign for a subject-expert reviewer"),
    ],
    ids=["counts", "no-trailer", "foreign-trailer", "role"],
)
def test_service_signed_decisions(repo: Repo, reviewer: str, trailer: str, problem: str) -> None:
    path = repo.root / PANEL_PATH
    path.write_text(path.read_text() + SERVICE.format(key=repo.keys.public("service")))
    commit_with(repo, repo.keys.private("maint-1"), "Add the panel service", "m@example.org")
    append_decision(repo, reviewer, TESTIMONY)
    message = "review(fr): approve 1 entry" + (f"\n\n{trailer}" if trailer else "")
    commit_with(repo, repo.keys.private("service"), message, "service@panel.example.org")
    if problem:
        assert_forged(repo, 1, "review-signature", problem)
    else:
        assert flagged(repo) == {} and uncounted(repo) == set()
        assert repo.state(TESTIMONY) == "approved"


def test_self_approval_is_caught_by_the_signature_as_well_as_the_email(repo: Repo) -> None:
    # rev-fr-1 rewrites a translation under the translator's e-mail, signing with their key
    catalog = read_po(repo.po)
    catalog.index()[(None, TESTIMONY)].msgstr = "Je ne savais pas."
    write_po_files([(repo.po, catalog, str(repo.po))])
    commit_with(repo, repo.keys.private("rev-fr-1"), "Translate", "translator@example.org")
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, repo.keys.private("rev-fr-1"), "approve", "rev-fr-1@panel.example.org")
    assert_forged(repo, 1, "review-self-approval", "approved a translation they wrote")


def test_an_uncommitted_decision_does_not_count(repo: Repo) -> None:
    append_decision(repo, "rev-fr-1", TESTIMONY)
    assert_forged(repo, 1, "review-signature", "not committed yet")


def test_revoked_key_counts_for_nothing_even_in_old_commits(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    assert uncounted(repo) == set()
    path = repo.root / PANEL_PATH
    path.write_text(f'revoked = ["{repo.keys.public("rev-fr-1")}"]\n' + path.read_text())
    commit_with(repo, repo.keys.private("maint-1"), "Revoke a lost key", "m@example.org")
    assert_forged(repo, 1, "review-signature", "revoked key")
    # A decision signed with the revoked key would never count: none is written.
    ledger = (repo.root / "locales/fr/reviews.jsonl").read_text("utf-8")
    head = repo.git.head.commit.hexsha
    out = repo(
        "review",
        "approve",
        "--locale",
        "fr",
        "--doc",
        DOC,
        "--entry",
        repo.entry_id(TESTIMONY),
        code=2,
    )
    assert "is revoked in workflows/panel.toml; what it signs would not count" in out
    assert (repo.root / "locales/fr/reviews.jsonl").read_text("utf-8") == ledger
    assert repo.git.head.commit.hexsha == head


SCENARIOS: dict[str, Callable[[Repo], None]] = {}


def scenario(func: Callable[[Repo], None]) -> Callable[[Repo], None]:
    SCENARIOS[func.__name__] = func
    return func


@scenario
def forged_author(repo: Repo) -> None:
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, None, "forged", "translator@example.org")


@scenario
def off_roster(repo: Repo) -> None:
    append_decision(repo, "rev-xx-9", TESTIMONY)
    commit_with(repo, repo.keys.private("rev-fr-1"), "approve", "rev-xx-9@example.org")


@scenario
def other_module(repo: Repo) -> None:
    ledger = repo.root / "locales/fr/reviews.jsonl"
    append_decision(repo, "rev-fr-2", TESTIMONY)
    ledger.write_text(ledger.read_text().replace('"01-test/module"', '"02-other/module"'))
    commit_with(repo, repo.keys.private("rev-fr-2"), "approve", "rev-fr-2@panel.example.org")


@scenario
def malformed(repo: Repo) -> None:
    (repo.root / "locales/fr").mkdir(exist_ok=True)
    (repo.root / "locales/fr/reviews.jsonl").write_text('{"decision": "approve"}\n')
    commit_with(repo, repo.keys.private("rev-fr-1"), "approve", "rev-fr-1@panel.example.org")


@scenario
def other_key(repo: Repo) -> None:
    append_decision(repo, "rev-fr-1", RISKY)
    append_decision(repo, "rev-fr-2", RISKY)
    commit_with(repo, repo.keys.private("rev-fr-2"), "approve", "rev-fr-2@panel.example.org")


@scenario
def genuine_and_forged(repo: Repo) -> None:
    repo.as_("rev-fr-2@panel.example.org")
    repo("review", "approve", "-l", "fr", "--doc", DOC, "--entry", repo.entry_id(RISKY))
    append_decision(repo, "rev-fr-1", RISKY)
    commit_with(repo, None, "forged", "rev-fr-1@panel.example.org")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_status_and_check_agree(repo: Repo, name: str) -> None:
    SCENARIOS[name](repo)
    found = flagged(repo)
    assert found, "the scenario is forged: check must say so"
    assert set(found) == uncounted(repo)
    # no forged line helps an entry to approval: status counts nothing approved
    assert approved(repo) == 0


def test_trailers_are_read_from_the_last_paragraph_only() -> None:
    assert trailers("Reviewer: a\n\nbody") == ()
    assert trailers("subject\n\nReviewer: a\nReviewer: b") == ("a", "b")


def test_blame_settings_cannot_lend_a_forged_line_a_genuine_signature(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    ledger = repo.root / "locales/fr/reviews.jsonl"
    line = json.loads(ledger.read_text())
    line["key"] = repo.entry_id(RISKY) + line["key"][8:]  # now about another entry
    ledger.write_text(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
    forged = commit_with(repo, None, "typo", "translator@example.org")
    # a checkout that asks blame to skip that commit (a common setting for reformatting)
    (repo.root / ".git-blame-ignore-revs").write_text(forged + "\n")
    with repo.git.config_writer() as config:
        config.set_value("blame", "ignoreRevsFile", ".git-blame-ignore-revs")
    assert_forged(repo, 1, "review-signature", "is not signed")


def test_the_kept_blame_is_the_blame_git_gives(repo: Repo) -> None:
    # The index keeps blame between runs (.git/equalcity/blame.json) and blames only new
    # ledger lines: after each decision it must still say what a fresh 'git blame' says.
    ledger = repo.root / "locales/fr/reviews.jsonl"
    for reviewer, msgid in (("rev-fr-1", TESTIMONY), ("rev-fr-2", RISKY), ("rev-fr-1", RISKY)):
        repo.as_(f"{reviewer}@panel.example.org")
        repo("review", "approve", "-l", "fr", "--doc", DOC, "--entry", repo.entry_id(msgid))
        repo("status")
        fresh = [
            line.split()[0]
            for line in repo.git.git.blame("--porcelain", "--", str(ledger)).splitlines()
            if re.match(r"[0-9a-f]{40} \d+ \d+", line)
        ]
        kept = json.loads((repo.root / ".git/equalcity/blame.json").read_text())
        assert kept["ledger:locales/fr/reviews.jsonl"]["lines"] == fresh
    assert uncounted(repo) == set() and repo.state(RISKY) == "approved"


def test_a_shallow_clone_proves_nothing_and_says_so(repo: Repo, tmp_path: Path) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    assert repo.state(TESTIMONY) == "approved"
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.root.as_uri(), str(clone)], check=True
    )
    shallow = Repo(clone)
    [row] = json.loads(shallow("status", "--format", "json"))
    assert row["strings"]["approved"] == 0 and row["strings"]["unverified"] == 1
    shown = shallow("review", "show", "-l", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    assert "cannot be verified: this clone is shallow" in shown


def test_the_trust_root_is_pinned_from_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like this project today: a first roster with placeholders, no keys, no maintainer.
    from tests.repos import PANEL as PLAIN

    repo = start(tmp_path / "toolbox")
    (repo.root / PANEL_PATH).write_text(PLAIN, encoding="utf-8")
    repo.commit_all("Start French")
    repo.as_("translator@example.org")
    catalog = read_po(repo.po)
    for message in catalog.active:
        message.msgstr = "FR " + message.msgid
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.commit_all("Translate")
    # Someone gets in first: a roster naming themselves maintainer, their key as rev-fr-1's.
    attacker = Keyring(tmp_path / "attacker")
    hijack = with_keys(PLAIN, attacker, "maint-evil")
    (repo.root / PANEL_PATH).write_text(hijack, encoding="utf-8")
    commit_with(repo, None, "Onboard the panel", "someone@example.org")
    # The real maintainers onboard afterwards, signed.
    (repo.root / PANEL_PATH).write_text(repo.keyed(PLAIN), encoding="utf-8")
    genuine = commit_with(repo, repo.keys.private("maint-1"), "Onboard", "maint-1@example.org")
    append_decision(repo, "rev-fr-1", TESTIMONY)
    commit_with(repo, attacker.private("rev-fr-1"), "approve", "rev-fr-1@panel.example.org")
    # trust on first use: the first roster with a maintainer holds the chain
    assert uncounted(repo) == set()
    assert any("not signed by a maintainer" in m for m in trust_findings(repo))
    # pinned out of band (CI, the release machine), the genuine roster rules
    monkeypatch.setenv("EQUALCITY_TRUST_ROOT", genuine)
    assert_forged(repo, 1, "review-signature", "signed with|roster before it does not give")
    assert trust_findings(repo) == []
    monkeypatch.setenv("EQUALCITY_TRUST_ROOT", "0" * 40)  # a pin matching no commit: no trust
    assert_forged(repo, 1, "review-signature", "no trusted roster")
