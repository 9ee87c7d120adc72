"""Contact checks recorded by a verifier with their own key (``equalcity contacts verify``) and
judged by the release gate, in real git repositories with real ``ssh-keygen`` keys."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from equalcity.release.editions import load_release
from equalcity.release.gate import contact_blockers
from equalcity.release.verification import listing
from equalcity.repository.gitrepo import Identity, commit_signed, open_repo
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.signatures import check_commit, split_commit, trailers
from tests.repos import Repo
from tests.test_e2e import run

PANEL = """
[[reviewer]]
id = "rev-fr-1"
email = "rev-fr-1@panel.example.org"
languages = ["fr"]
role = "language"

[[reviewer]]
id = "lu-check-1"
email = "lu-check-1@panel.example.org"
countries = ["LU"]
role = "contact-verifier"

[[reviewer]]
id = "lu-check-2"
email = "lu-check-2@panel.example.org"
countries = ["LU"]
role = "contact-verifier"

[[reviewer]]
id = "be-check-1"
email = "be-check-1@panel.example.org"
countries = ["BE"]
role = "contact-verifier"
"""
RELEASE = """[release]
title = "Test"
version = "1.0.0"

[defaults]
min_coverage = 0.0
max_contact_age_days = 365

[edition.fr-LU]
language = "fr"
country = "LU"

[edition.fr-BE]
language = "fr"
country = "BE"
"""
SOURCE = """# Getting help

If she is in danger now, call {{contact:helpline}}.

A shelter can take her in: {{contact:shelter}}.
"""
CONTACTS_LU = """[helpline]
name = "Helpline violence domestique"
phone = "+352 2060 1060"
hours = "7 j/7, 12 h – 20 h."
notes = "Ask for the coordinator."
verified = ""

[shelter]
name = "Refuge (à compléter)"
phone = "+00 000 000 003"
example = true
"""
CONTACTS_BE = """[helpline]
name = "Ligne Écoute Violences Conjugales"
phone = "0800 30 030"

[shelter]
name = "Refuge (à compléter)"
phone = "+00 000 000 004"
example = true
"""
REGISTER = """[helpline]
name = "National helpline for women (example)"
phone = "+00 000 000 001"
example = true

[shelter]
name = "Women's shelter (example)"
phone = "+00 000 000 003"
example = true
"""
LU = "locales/fr/contacts-LU.toml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A toolbox whose text names a real helpline and an example shelter, editions fr-LU and
    fr-BE, and a committed roster (the trust root) with two LU verifiers, one BE verifier and a
    French reviewer, each with a throw-away key."""
    root = tmp_path / "toolbox"
    (root / "source/01-test").mkdir(parents=True)
    (root / "workflows").mkdir()
    (root / "source/01-test/module.md").write_text(SOURCE, encoding="utf-8")
    (root / "source/contacts.toml").write_text(REGISTER, encoding="utf-8")
    (root / "workflows/release.toml").write_text(RELEASE, encoding="utf-8")
    repo = Repo(root).as_("maint-1@example.org")
    (root / "workflows/panel.toml").write_text(repo.keyed(PANEL), encoding="utf-8")
    repo("extract")
    repo("init", "fr")
    (root / LU).write_text(CONTACTS_LU, encoding="utf-8")
    (root / "locales/fr/contacts-BE.toml").write_text(CONTACTS_BE, encoding="utf-8")
    repo.commit_all("The toolbox, its editions and its roster")
    return repo


def verify(repo: Repo, *args: str, who: str = "lu-check-1", code: int = 0) -> str:
    """``contacts verify`` as ``who`` (git's user.email; verifiers' git signs nothing by
    itself), with ``--key`` their own key unless ``args`` say otherwise."""
    repo.as_(f"{who}@panel.example.org")
    key = [] if "--key" in args else ["--key", str(repo.keys.private(who))]
    return repo("contacts", "verify", *args, *key, code=code)


def phone_check(*extra: str) -> list[str]:
    return ["helpline", "--edition", "fr-LU", "--method", "phone call", "--confirmed", *extra]


def gate(repo: Repo, edition: str = "fr-LU") -> dict[str, str]:
    """What the release gate says today about each contact of ``edition`` (contact id →
    blocker)."""
    snapshot = Snapshot.of(repo.root)
    found = contact_blockers(
        snapshot,
        load_release(Project(repo.root)).edition(edition),
        dt.date.today(),
        {"helpline": ("source/01-test/module.md", 3)},
    )
    return {b.detail.split(":", 1)[0]: b.detail.split(": ", 1)[1] for b in found}


def head(repo: Repo) -> str:
    return repo.git.head.commit.hexsha


def raw(repo: Repo, sha: str) -> bytes:
    return subprocess.run(
        ["git", "cat-file", "commit", sha], cwd=repo.root, capture_output=True, check=True
    ).stdout


def test_a_verifier_records_a_check_with_their_own_key_and_the_gate_trusts_it(
    repo: Repo,
) -> None:
    assert gate(repo) == {"helpline": "never verified"}
    out = verify(
        repo, *phone_check("number,hours"), "--note", "Verifier: lu-check-2 said it is fine"
    )
    sha = head(repo)
    assert (
        out
        == f"fr-LU: lu-check-1 checked helpline (phone call: number, hours), commit {sha[:10]}\n"
    )
    today = dt.date.today().isoformat()
    assert (repo.root / LU).read_text(encoding="utf-8") == CONTACTS_LU.replace(
        'verified = ""\n',
        f'verified = "{today}"\nverified_by = "lu-check-1"\nverified_method = "phone call"\n'
        'verified_what = ["number", "hours"]\n',
    )
    assert repo.git.git.status("--porcelain") == ""
    # One commit, only the contacts file, authored under the roster's pseudonym, signed with
    # the verifier's key; the note is in the message but never a trailer.
    assert repo.git.git.show("--name-only", "--format=%an <%ae>", sha).split() == [
        "lu-check-1",
        "<lu-check-1@panel.example.org>",
        LU,
    ]
    signature = check_commit(raw(repo, sha))
    assert signature.key == repo.keys.public("lu-check-1").rsplit(" ", 1)[0]
    message = split_commit(raw(repo, sha))[2]
    assert trailers(message, "Verifier") == ("lu-check-1",)
    assert "Verifier: lu-check-2 said it is fine" in message
    # git itself agrees: the signature verifies against the verifier's public key.
    allowed = repo.root.parent / "allowed"
    allowed.write_text(f"lu-check-1@panel.example.org {repo.keys.public('lu-check-1')}\n")
    subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", sha],
        cwd=repo.root,
        check=True,
        capture_output=True,
    )
    assert gate(repo) == {}
    listed = json.loads(repo("contacts", "list", "--edition", "fr-LU", "--format", "json"))
    helpline, shelter = listed["fr-LU"]
    assert helpline["trusted"] and helpline["problem"] == ""
    assert helpline["check"] == f"checked {today} by lu-check-1 (phone call: number, hours)"
    assert (helpline["from"], helpline["line"]) == (LU, 1)
    assert shelter["problem"] == "an example, not a real service" and not shelter["trusted"]
    text = repo("contacts", "list", "--edition", "fr-LU")
    assert text.splitlines()[:3] == [
        "fr-LU: 2 contacts, 1 with a trusted check",
        f"  helpline  {LU}:1  Helpline violence domestique (+352 2060 1060)",
        f"    trusted: checked {today} by lu-check-1 (phone call: number, hours)",
    ]


def test_an_official_web_page_is_recorded_with_its_address(repo: Repo) -> None:
    verify(
        repo,
        "helpline",
        "--edition",
        "fr-LU",
        "--method",
        "official web page",
        "--confirmed",
        "number, hours,languages",
        "--url",
        "https://violence.lu/contact",
    )
    assert 'verified_url = "https://violence.lu/contact"' in (repo.root / LU).read_text()
    assert gate(repo) == {}


def test_without_a_url_an_official_web_page_is_refused(repo: Repo) -> None:
    before = head(repo)
    out = verify(
        repo, "helpline", "--edition", "fr-LU", "--method", "official web page",
        "--confirmed", "number", code=2,
    )  # fmt: skip
    assert out == "equalcity: give the address (https://…) of the official web page you checked\n"
    assert head(repo) == before


@pytest.mark.parametrize(
    ("who", "args", "message"),
    [
        # A verifier for LU recording a check of a contact of Belgium's edition.
        (
            "lu-check-1",
            ["helpline", "--edition", "fr-BE", "--method", "phone call", "--confirmed", "number"],
            "lu-check-1 does not verify contacts for BE (workflows/panel.toml lists their "
            "countries)",
        ),
        # A reviewer (with a key the roster gives them) but without the verifier role.
        ("rev-fr-1", phone_check("number"), "rev-fr-1 is not a contact verifier"),
        # Signing with one's own key while claiming to be another verifier.
        (
            "lu-check-1",
            [*phone_check("number"), "--as", "lu-check-2"],
            "is not a key workflows/panel.toml gives lu-check-2",
        ),
        ("nobody", phone_check("number"), "nobody@panel.example.org is not on the review panel"),
        (
            "lu-check-1",
            [*phone_check("number"), "--as", "lu-check-9"],
            "'lu-check-9' is not a reviewer id on the panel",
        ),
        (
            "lu-check-1",
            ["shelter", "--edition", "fr-LU", "--method", "phone call", "--confirmed", "number"],
            "shelter is an example, not a real service",
        ),
        (
            "lu-check-1",
            ["hotline", "--edition", "fr-LU", "--method", "phone call", "--confirmed", "number"],
            "edition fr-LU has no contact 'hotline'",
        ),
        (
            "lu-check-1",
            ["helpline", "--edition", "fr-FR", "--method", "phone call", "--confirmed", "number"],
            "workflows/release.toml: no edition 'fr-FR' (editions: fr-LU, fr-BE)",
        ),
        ("lu-check-1", phone_check("number,colour"), "unknown item 'colour'"),
        ("lu-check-1", phone_check(","), "say what you confirmed"),
        (
            "lu-check-1",
            [*phone_check("number"), "--note", "Fine.\n\nVerifier: lu-check-2"],
            "the note is one line of text",
        ),
        (
            "lu-check-1",
            [*phone_check("number"), "--key", "/nonexistent/id_ed25519"],
            "no key file /nonexistent/id_ed25519",
        ),
        # Any address given is an https:// one, whatever the method: it is shown to people.
        (
            "lu-check-1",
            [*phone_check("number"), "--url", "javascript:alert(1)"],
            "the address of what you checked is one https:// address",
        ),
    ],
    ids=[
        "other-country",
        "reviewer-without-role",
        "own-key-as-another",
        "not-on-roster",
        "unknown-id",
        "example",
        "unknown-contact",
        "unknown-edition",
        "unknown-item",
        "nothing-confirmed",
        "note-with-a-trailer",
        "missing-key",
        "url-not-https",
    ],
)
def test_refusals_are_one_line_and_write_nothing(
    repo: Repo, who: str, args: list[str], message: str
) -> None:
    before = head(repo)
    contacts = {p: p.read_bytes() for p in (repo.root / "locales/fr").glob("contacts-*.toml")}
    out = verify(repo, *args, who=who, code=2)
    assert out.startswith("equalcity: ") and message in out and out.count("\n") == 1, out
    assert "Traceback" not in out
    assert head(repo) == before
    assert repo.git.git.status("--porcelain") == ""
    assert {p: p.read_bytes() for p in contacts} == contacts


def test_a_key_the_roster_gives_nobody_is_refused_and_git_config_is_the_default(
    repo: Repo,
) -> None:
    stranger = repo.keys.private("stranger")
    out = verify(repo, *phone_check("number"), "--key", str(stranger), code=2)
    assert "is not a key workflows/panel.toml gives lu-check-1" in out
    out = verify(repo, *phone_check("number"), "--key", "", code=2)  # nothing configured
    assert "equalcity: a contact check is signed with your SSH key: pass --key" in out
    # git's user.signingkey (gpg.format=ssh), as for reviewers.
    with repo.git.config_writer() as config:
        config.set_value("user", "signingkey", str(repo.keys.private("lu-check-1")) + ".pub")
    repo("contacts", "verify", *phone_check("number"))
    assert gate(repo) == {}


def test_uncommitted_or_staged_changes_are_refused(repo: Repo) -> None:
    contacts = repo.root / LU
    contacts.write_text(contacts.read_text().replace("12 h", "11 h"), encoding="utf-8")
    out = verify(repo, *phone_check("number"), code=2)
    assert f"uncommitted changes in {LU}; commit or stash them first" in out
    repo.git.git.checkout("--", LU)
    source = repo.root / "source/01-test/module.md"
    source.write_text(SOURCE + "\nMore.\n", encoding="utf-8")
    repo.git.git.add("source/01-test/module.md")
    out = verify(repo, *phone_check("number"), code=2)
    assert "staged changes in source/01-test/module.md would go into the contact check" in out
    assert repo.git.git.status("--porcelain") == "M  source/01-test/module.md"


def test_a_date_edited_by_hand_in_a_later_commit_is_not_trusted(repo: Repo) -> None:
    verify(repo, *phone_check("number"))
    assert gate(repo) == {}
    contacts = repo.root / LU
    today = dt.date.today().isoformat()
    later = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    contacts.write_text(contacts.read_text().replace(today, later), encoding="utf-8")
    assert "the check is not committed yet" in gate(repo)["helpline"]
    repo.as_("someone@example.org").commit_all("Refresh the date")  # unsigned
    assert "is not signed; only a check recorded through the service" in gate(repo)["helpline"]
    # Signed by a maintainer, whose key signs roster changes, not contact checks.
    contacts.write_text(contacts.read_text().replace(later, today), encoding="utf-8")
    repo.as_("maint-1@example.org").commit_all("Put the date back")
    assert "is signed by a key the roster does not know" in gate(repo)["helpline"]


def test_a_check_signed_with_another_verifiers_key_is_not_trusted(repo: Repo) -> None:
    """lu-check-2 writes a record naming lu-check-1 and signs it with their own key (what
    ``--as`` refuses to do, done by hand with git)."""
    contacts = repo.root / LU
    today = dt.date.today().isoformat()
    contacts.write_text(
        contacts.read_text().replace(
            'verified = ""\n',
            f'verified = "{today}"\nverified_by = "lu-check-1"\nverified_method = "phone call"\n'
            'verified_what = ["number"]\n',
        ),
        encoding="utf-8",
    )
    with open_repo(repo.root) as git_repo:
        commit_signed(
            git_repo,
            [contacts],
            "contacts(fr-LU): lu-check-1 checked helpline (phone call)\n\nVerifier: lu-check-1",
            Identity("lu-check-1", "lu-check-1@panel.example.org"),
            str(repo.keys.private("lu-check-2")),
        )
    assert "signed with lu-check-2's key, not lu-check-1's" in gate(repo)["helpline"]


def test_a_revoked_key_records_nothing_and_its_checks_stop_counting(repo: Repo) -> None:
    verify(repo, *phone_check("number"))
    assert gate(repo) == {}
    panel = repo.root / "workflows/panel.toml"
    key = repo.keys.public("lu-check-1").rsplit(" ", 1)[0]
    panel.write_text(f'revoked = ["{key}"]\n' + panel.read_text(), encoding="utf-8")
    repo.as_("maint-1@example.org").commit_all("Revoke lu-check-1's lost key")
    assert "is signed by a revoked key" in gate(repo)["helpline"]
    before = head(repo)
    out = verify(repo, *phone_check("number"), code=2)
    assert "is revoked in workflows/panel.toml; what it signs would not count" in out
    assert head(repo) == before


def test_a_check_vouches_only_for_what_it_saw(repo: Repo) -> None:
    """A number changed after the call that confirmed the old one is not verified; a note for
    the verifiers may change; the next check vouches for the new number."""
    verify(repo, *phone_check("number,hours"))
    checked = head(repo)
    contacts = repo.root / LU
    contacts.write_text(
        contacts.read_text().replace("coordinator", "duty social worker"), encoding="utf-8"
    )
    repo.as_("maint-1@example.org").commit_all("A note for the next verifier")
    assert gate(repo) == {}
    contacts.write_text(contacts.read_text().replace("2060 1060", "2060 1061"), encoding="utf-8")
    problem = f"(commit {checked[:10]}), but its phone changed since; a contact verifier checks"
    assert problem in gate(repo)["helpline"]  # not committed yet
    repo.as_("someone@example.org").commit_all("New number")
    problem = gate(repo)["helpline"]
    assert f"(commit {checked[:10]}), but its phone changed since" in problem
    listed = json.loads(repo("contacts", "list", "--edition", "fr-LU", "--format", "json"))
    assert listed["fr-LU"][0]["problem"] == problem and not listed["fr-LU"][0]["trusted"]
    verify(repo, *phone_check("number"), who="lu-check-2")
    assert gate(repo) == {}


def test_a_colleagues_check_the_same_day_by_the_same_method_is_theirs(repo: Repo) -> None:
    """Only ``verified_by`` changes: git blames the other record lines on the first check,
    whose content the second one confirmed."""
    verify(repo, *phone_check("number"))
    verify(repo, *phone_check("number"), who="lu-check-2")
    assert repo.git.git.diff("HEAD~", "--stat").endswith("1 insertion(+), 1 deletion(-)")
    assert gate(repo) == {}
    # The first verifier's lines still count only because the newest commit is signed.
    contacts = repo.root / LU
    contacts.write_text(contacts.read_text().replace("lu-check-2", "lu-check-1"), "utf-8")
    repo.as_("someone@example.org").commit_all("Credit the first verifier")
    assert "is not signed" in gate(repo)["helpline"]


def test_a_field_deleted_after_the_check_voids_it(repo: Repo) -> None:
    """No blame can see a deleted line: the hours the verifier confirmed are gone from the
    card, so the check no longer vouches for what the card prints; a new layout of the same
    values leaves it standing."""
    verify(repo, *phone_check("number,hours"))
    checked = head(repo)
    contacts = repo.root / LU
    contacts.write_text(
        contacts.read_text().replace('phone = "+352 2060 1060"', 'phone   =   "+352 2060 1060"'),
        encoding="utf-8",
    )
    repo.as_("maint-1@example.org").commit_all("Align the values")
    assert gate(repo) == {}
    contacts.write_text(
        contacts.read_text().replace('hours = "7 j/7, 12 h – 20 h."\n', ""), encoding="utf-8"
    )
    repo.as_("someone@example.org").commit_all("Hours are on the website")
    assert f"(commit {checked[:10]}), but its hours changed since" in gate(repo)["helpline"]


def test_the_list_says_why_a_check_is_not_trusted(repo: Repo) -> None:
    verify(repo, *phone_check("number"))
    snapshot = Snapshot.of(repo.root)
    edition = load_release(Project(repo.root)).edition("fr-LU")
    aged = listing(snapshot, edition, dt.date.today() + dt.timedelta(days=400))
    assert "older than 365 days" in aged[0].problem and not aged[0].trusted
    out = repo("contacts", "list", "--edition", "fr-BE")
    assert out.splitlines() == [
        "fr-BE: 2 contacts, 0 with a trusted check",
        "  helpline  locales/fr/contacts-BE.toml:1  Ligne Écoute Violences Conjugales "
        "(0800 30 030)",
        "    not trusted: never verified",
        "  shelter  locales/fr/contacts-BE.toml:5  Refuge (à compléter) (+00 000 000 004)",
        "    not trusted: an example, not a real service",
    ]
    source = repo.root / "source/01-test/module.md"
    source.write_text(SOURCE + "\nOr {{contact:missing}}.\n", encoding="utf-8")
    out = repo("contacts", "list", "--edition", "fr-LU", "--as-of", "2099-01-01")
    assert "  missing  used at source/01-test/module.md:7\n    not trusted: not defined" in out
    assert "not trusted: verified" in out and "older than 365 days" in out
    both = json.loads(repo("contacts", "list", "--format", "json"))
    assert list(both) == ["fr-LU", "fr-BE"]


@pytest.mark.e2e
def test_the_installed_command_records_a_check_the_release_gate_accepts(repo: Repo) -> None:
    root = repo.root
    repo.as_("lu-check-1@panel.example.org")
    with repo.git.config_writer() as config:
        config.set_value("user", "signingkey", str(repo.keys.private("lu-check-1")))
    out = str(root.parent / "dist")
    blocked = run(root, "release", "--edition", "fr-LU", "--out", out, code=1).stdout
    assert f"contact   {LU}:1  helpline: never verified" in blocked
    done = run(root, "contacts", "verify", *phone_check("number,hours,languages"))
    assert "lu-check-1 checked helpline" in done.stdout
    listed = run(root, "contacts", "list", "--edition", "fr-LU").stdout
    today = dt.date.today().isoformat()
    check = f"checked {today} by lu-check-1 (phone call: number, hours, languages)"
    assert f"    trusted: {check}\n" in listed
    # The release gate: the helpline no longer blocks; the example shelter still does.
    gated = run(root, "release", "--edition", "fr-LU", "--out", out, code=1).stdout
    assert "helpline: never verified" not in gated and f"    helpline: {check}\n" in gated
    assert f"contact   {LU}:11  shelter: an example, not a real service" in gated
    refused = run(root, "contacts", "verify", *phone_check("number"), "--as", "lu-check-2", code=2)
    assert refused.stderr.startswith("equalcity: ") and refused.stderr.count("\n") == 1


def test_a_note_line_that_starts_with_a_bracket_stays_in_the_note(repo: Repo) -> None:
    """A multi-line note whose line starts with "[" is not a new table: the record goes after
    the note, the gate finds it, and the note (and what the card prints) is unchanged."""
    contacts = repo.root / LU
    note = 'notes = """\nAsk for the coordinator.\n[helpline] leaflet, 2026: "7 days a week"\n"""'
    contacts.write_text(
        contacts.read_text().replace('notes = "Ask for the coordinator."', note), encoding="utf-8"
    )
    repo.as_("maint-1@example.org").commit_all("Where the hours come from")
    before = tomllib.loads(contacts.read_text())["helpline"]
    verify(repo, *phone_check("number,hours"))
    after = tomllib.loads(contacts.read_text())["helpline"]
    assert after["notes"] == before["notes"] and after["verified"] == dt.date.today().isoformat()
    assert gate(repo) == {}
