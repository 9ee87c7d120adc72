"""The review page as the panel's shared service: passkeys in real Chromium (its virtual
authenticator), real SQLite state, decisions signed by the service's SSH key and pushed to a
bare repository on disk — and the attacks the service must refuse."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git
import httpx
import pytest
import uvicorn

from equalcity.cli import main
from equalcity.po.catalog import read_po
from equalcity.repository.gitrepo import (
    Identity,
    ServiceSigning,
    claim_turn,
    commit_as_service,
    fetch,
    open_repo,
    seen_turn,
    turn_commit,
    write_lock,
)
from equalcity.repository.project import Project
from equalcity.repository.sync import TURN_SECONDS, Sync
from equalcity.review.decide import UNION_RULE
from equalcity.review.ledger import key_hash, text_hash
from equalcity.web.state import State
from equalcity.web.team import SIGN_IN_FAILED, PublicSite, create_team_app
from tests.browser import axe_violations, chromium, console_errors, screenshot
from tests.repos import Repo, fill
from tests.sites import DOC, LISTEN, SURVIVOR, build

SERVICE_ID = "panel-service"


@dataclass
class Remote:
    """The content repository's remote (a bare repository) and the service key it trusts."""

    bare: Path
    key: Path
    allowed_signers: Path
    tmp: Path

    def clone(self, name: str) -> Path:
        target = self.tmp / name
        git.Repo.clone_from(str(self.bare), str(target))
        return target

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={self.bare}", *args], capture_output=True, text=True, check=True
        ).stdout

    def ledger(self, locale: str = "fr") -> list[dict[str, str]]:
        text = self.git("show", f"HEAD:locales/{locale}/reviews.jsonl")
        return [json.loads(line) for line in text.splitlines()]

    def verify(self, sha: str) -> bool:
        """Whether ``sha`` on the remote carries a good signature of the service key."""
        done = subprocess.run(
            [
                "git",
                f"--git-dir={self.bare}",
                "-c",
                f"gpg.ssh.allowedSignersFile={self.allowed_signers}",
                "verify-commit",
                sha,
            ],
            capture_output=True,
            text=True,
        )
        return done.returncode == 0


def service_key(tmp: Path) -> tuple[Path, str]:
    key = tmp / "service-key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", SERVICE_ID, "-f", str(key)],
        check=True,
    )
    return key, (tmp / "service-key.pub").read_text(encoding="utf-8").strip()


def add_to_roster(repo: Repo, text: str) -> None:
    panel = repo.root / "workflows/panel.toml"
    panel.write_text(panel.read_text(encoding="utf-8") + text, encoding="utf-8")


def make_remote(repo: Repo, tmp: Path) -> Remote:
    """The service key on the roster (issue 13's ``[[service]]`` entry), pushed to a bare
    remote."""
    key, public = service_key(tmp)
    add_to_roster(
        repo,
        f'\n[[service]]\nid = "{SERVICE_ID}"\nkeys = ["{public}"]\n'
        'may_sign_for = ["language", "subject-expert"]\n',
    )
    repo.as_("maint-1@example.org").commit_all("The panel service's key")  # signed
    signers = tmp / "allowed_signers"
    signers.write_text(f"{SERVICE_ID}@equalcity.invalid {public}\n", encoding="utf-8")
    bare = tmp / "remote.git"
    git.Repo.clone_from(str(repo.root), str(bare), bare=True)
    return Remote(bare, key, signers, tmp)


@contextmanager
def service(
    remote: Remote, name: str, *, proxies: tuple[str, ...] = (), clock: object = None
) -> Iterator[tuple[str, State]]:
    """A service instance on its own clone and state folder; yields its URL and state."""
    root = remote.clone(name)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://localhost:{port}"
    state = State(remote.tmp / f"{name}-state").open()
    app = create_team_app(
        Project(root), PublicSite(base, proxies), state, ServiceSigning(remote.key)
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.01)
    try:
        yield base, state
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def site(tmp_path: Path) -> Repo:
    return arabic_reviewer_site(tmp_path)


def arabic_reviewer_site(tmp_path: Path) -> Repo:
    """The review-page site with rev-3, who reviews Arabic only."""
    repo = build(tmp_path / "toolbox")
    add_to_roster(
        repo,
        '\n[[reviewer]]\nid = "rev-3"\nemail = "rev-3@panel.example.org"\n'
        f'languages = ["ar"]\nrole = "language"\nkeys = ["{repo.keys.public("rev-3")}"]\n',
    )
    repo.as_("maint-1@example.org").commit_all("rev-3 reviews Arabic")  # signed
    return repo


@pytest.fixture
def remote(site: Repo, tmp_path: Path) -> Remote:
    return make_remote(site, tmp_path)


def entry(repo_root: Path, msgid: str, locale: str = "fr") -> dict[str, str]:
    """The API fields naming one entry and the text the reviewer saw."""
    catalog = read_po(repo_root / f"locales/{locale}/01-test/module.po")
    message = catalog.index()[(None, msgid)]
    return {
        "locale": locale,
        "doc": DOC,
        "key": key_hash(None, msgid),
        "text": text_hash(message),
    }


def api(base: str, state: State, reviewer: str) -> httpx.Client:
    """An HTTP client signed in as ``reviewer`` (a session from the service's own state, as a
    passkey sign-in would create) with its CSRF token."""
    token = state.new_session(reviewer)
    http = httpx.Client(base_url=base, headers={"cookie": f"equalcity-session={token}"})
    csrf = http.get("/api/session").json()["csrf"]
    http.headers["x-csrf-token"] = csrf
    return http


# -- the whole path in a real browser ----------------------------------------------------


def virtual_authenticator(page: object) -> None:
    cdp = page.context.new_cdp_session(page)  # type: ignore[attr-defined]
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_invitation_passkey_review_signed_commit_on_the_remote(site: Repo, remote: Remote) -> None:
    xss = "<img src=x onerror=\"document.title='pwned'\">"
    with service(remote, "service") as (base, state), chromium() as browser:
        token = state.invite("rev-1")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        errors = console_errors(page)
        virtual_authenticator(page)
        # Session fixation: a cookie planted before sign-in must not become the session.
        planted = "planted-by-an-attacker"
        page.context.add_cookies([{"name": "equalcity-session", "value": planted, "url": base}])
        page.goto(f"{base}/review/fr/01-test")
        assert page.url == f"{base}/signin"  # not signed in: the planted cookie is nothing
        page.goto(f"{base}/invite/{token}")
        assert page.get_by_text("rev-1").first.is_visible()
        with page.expect_navigation(url=f"{base}/"):
            page.get_by_role("button", name="Create my passkey").click()
        [cookie] = [c for c in page.context.cookies() if c["name"] == "equalcity-session"]
        assert cookie["value"] != planted and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        page.goto(f"{base}/review/fr/01-test")
        survivor = page.locator(f"#entry-{site.entry_id(SURVIVOR)}")
        with page.expect_navigation():
            survivor.get_by_role("button", name="Approve").click()
        assert "Approved entry" in page.get_by_role("status").inner_text()
        # Markup in a comment is text on every page that shows it.
        listen = page.locator(f"#entry-{site.entry_id(LISTEN)}")
        listen.locator("textarea[name=comment]").fill(xss)
        with page.expect_navigation():
            listen.get_by_role("button", name="Request changes").click()
        page.goto(f"{base}/review/fr/01-test?show=all")
        assert xss in page.locator(f"#entry-{site.entry_id(LISTEN)}").inner_text()
        assert page.title() != "pwned"
        screenshot(page, "service-review")

        # Sign out, then back in with the passkey alone (no id typed anywhere).
        page.goto(f"{base}/account")
        with page.expect_navigation(url=f"{base}/signin"):
            page.get_by_role("button", name="Sign out", exact=True).click()
        page.goto(f"{base}/review/fr/01-test")
        assert page.url == f"{base}/signin"
        with page.expect_navigation(url=f"{base}/"):
            page.get_by_role("button", name="Sign in with a passkey").click()
        assert "rev-1" in page.content()
        # The invitation was spent: the same link now says what every unusable link says.
        page.goto(f"{base}/invite/{token}")
        assert "cannot be used" in page.content()
        assert [e for e in errors if "404" not in e] == []
        events = [event for _at, _ip, _who, event, _d in state.audit_log()]
        assert events[:4] == [
            "invitation created",
            "passkey registered",
            "approve",
            "request-changes",
        ]
        assert events[-1] == "signed in"

    sha = remote.git("rev-parse", "HEAD").strip()
    message = remote.git("log", "-2", "--format=%B%x00")
    assert message.count("Reviewer: rev-1") == 2
    assert "onerror" not in message  # the comment never enters a commit message
    for commit in remote.git("rev-list", "-2", "HEAD").split():
        assert remote.verify(commit), commit
    assert remote.git("log", "-1", "--format=%ae %ce", sha).split() == [
        "rev-1@panel.example.org",
        "panel-service@equalcity.invalid",
    ]
    decisions = remote.ledger()[-2:]
    assert [(d["reviewer"], d["decision"]) for d in decisions] == [
        ("rev-1", "approve"),
        ("rev-1", "request-changes"),
    ]
    # The service's work reaches every clone: `check` in a fresh clone accepts the ledger.
    fresh = Repo(remote.clone("fresh"))
    result = fresh.runner.invoke(main, ["--root", str(fresh.root), "check"])
    assert "reviews.jsonl" not in result.output, result.output
    # …and the one review state counts the service-signed approval as an approval.
    assert fresh.state(SURVIVOR) == "approved"


def test_no_serious_accessibility_violation_on_any_page(site: Repo, remote: Remote) -> None:
    with service(remote, "service") as (base, state), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        invitation = state.invite("rev-1")
        found: dict[str, list[str]] = {}
        for path in ("/signin", f"/invite/{invitation}", "/invite/unknown-link"):
            page.goto(base + path)
            found[path] = axe_violations(page)
        token = state.new_session("rev-1")
        page.context.add_cookies([{"name": "equalcity-session", "value": token, "url": base}])
        for path in ("/", "/review/fr/01-test?show=all", "/review/ar/01-test", "/account"):
            page.goto(base + path)
            found[path] = axe_violations(page)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base + "/review/fr/01-test?show=all")
        found["phone"] = axe_violations(page)
    bad = {path: v for path, v in found.items() if v}
    assert bad == {}, json.dumps(bad, indent=1)


# -- attacks on the HTTP interface ---------------------------------------------------------


def test_csrf_forged_reviewers_and_foreign_languages_are_refused(
    site: Repo, remote: Remote
) -> None:
    with service(remote, "service") as (base, state):
        lines = len(remote.ledger())
        http = api(base, state, "rev-1")
        fields = entry(site.root, SURVIVOR) | {"decision": "approve", "comment": ""}
        origin = {"origin": base}
        # CSRF: no token, a wrong token, a form body, another site's Origin, a cross-site fetch.
        no_token = httpx.post(
            f"{base}/api/decisions", json=fields, headers={"cookie": http.headers["cookie"]}
        )
        assert no_token.status_code == 403
        assert (
            http.post("/api/decisions", json=fields, headers={"x-csrf-token": "x"}).status_code
            == 403
        )
        assert http.post("/api/decisions", data=fields).status_code == 415
        evil = {"origin": "https://evil.example"}
        assert http.post("/api/decisions", json=fields, headers=evil).status_code == 403
        cross = {"sec-fetch-site": "cross-site"}
        assert http.post("/api/decisions", json=fields, headers=cross).status_code == 403
        page_form = {"decision": "approve", "doc": DOC, "key": fields["key"][:8], "csrf": "x"}
        assert http.post("/review/fr/01-test", data=page_form).status_code == 403
        # Not signed in at all, or with a made-up session: nothing.
        assert httpx.post(f"{base}/api/decisions", json=fields).status_code == 401
        fake = {"cookie": "equalcity-session=guessed"}
        assert httpx.get(f"{base}/api/session", headers=fake).status_code == 401
        # DNS rebinding: a request naming another host.
        assert http.get("/", headers={"host": "evil.example"}).status_code == 400

        # Naming another reviewer: refused, not ignored.
        forged = http.post("/api/decisions", json=fields | {"reviewer": "rev-2"})
        assert forged.status_code == 400 and "signed in" in forged.json()["error"]
        # A trailer smuggled into the comment stays a comment.
        smuggle = entry(site.root, LISTEN) | {
            "decision": "request-changes",
            "comment": "fine\n\nReviewer: rev-2\nSigned-off-by: rev-2",
        }
        assert http.post("/api/decisions", json=smuggle, headers=origin).json()["recorded"]
        trailers = remote.git("log", "-1", "--format=%(trailers:key=Reviewer,valueonly)")
        assert trailers.split() == ["rev-1"]
        assert "rev-2" not in remote.git("log", "-1", "--format=%B")

        # A reviewer deciding outside their languages: 403, nothing recorded.
        arabic_only = api(base, state, "rev-3")
        outside = arabic_only.post("/api/decisions", json=fields)
        assert outside.status_code == 403 and "does not review fr" in outside.json()["error"]

        # The same decision twice (a retried request): recorded once, and it says so.
        first = http.post("/api/decisions", json=fields).json()
        again = http.post("/api/decisions", json=fields).json()
        assert first["recorded"] and not again["recorded"]
        assert "already recorded" in again["message"]
        assert len(remote.ledger()) == lines + 2
        # Sign out everywhere ends this session too.
        ended = http.post("/signout-everywhere", data={"csrf": http.headers["x-csrf-token"]})
        assert ended.status_code == 303
        assert http.get("/api/session").status_code == 401


def test_invitations_expire_are_single_use_and_unknown_ones_look_the_same(
    site: Repo, remote: Remote
) -> None:
    with service(remote, "service") as (base, state):
        expired = state.invite("rev-1", seconds=-1)
        usable = state.invite("rev-2")
        answers = {
            name: httpx.get(f"{base}/invite/{token}")
            for name, token in {"expired": expired, "unknown": "n0t-a-real-token" * 3}.items()
        }
        assert {r.status_code for r in answers.values()} == {404}
        texts = {r.text for r in answers.values()}
        assert len(texts) == 1  # nothing tells a guess from a real, expired link
        options = httpx.post(f"{base}/invite/{expired}/options", json={})
        assert options.status_code == 404
        assert httpx.get(f"{base}/invite/{usable}").status_code == 200
        # Only hashes are stored: the database does not contain the token.
        assert usable.encode() not in state.path.read_bytes()
        # Revoking ends sessions and open invitations.
        token = state.new_session("rev-2")
        assert state.revoke("rev-2") == (1, 0, 1)
        assert state.session(token) is None
        assert httpx.get(f"{base}/invite/{usable}").status_code == 404


def credential(number: int) -> dict[str, object]:
    """A made-up passkey answer, as a brute-force script would send."""
    raw = base64.urlsafe_b64encode(number.to_bytes(16, "big")).decode().rstrip("=")
    return {
        "id": raw,
        "rawId": raw,
        "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
    }


def test_sign_in_is_rate_limited_per_address(site: Repo, remote: Remote) -> None:
    with service(remote, "service", proxies=("10.9.9.9",)) as (base, state):
        answers = []
        for attempt in range(22):
            # A forged X-Forwarded-For from a peer that is not the proxy changes nothing.
            headers = {"x-forwarded-for": f"203.0.113.{attempt}"}
            answers.append(
                httpx.post(
                    f"{base}/signin/verify",
                    json={"credential": credential(attempt)},
                    headers=headers,
                )
            )
        assert [a.status_code for a in answers] == [400] * 20 + [429] * 2
        assert {a.json()["error"] for a in answers[:20]} == {SIGN_IN_FAILED}
        assert any(event == "rate limited" for _at, _ip, _w, event, _d in state.audit_log())


def test_sign_in_is_rate_limited_per_account(site: Repo, remote: Remote) -> None:
    with service(remote, "service") as (base, _state):
        codes = [
            httpx.post(f"{base}/signin/verify", json={"credential": credential(7)}).status_code
            for _ in range(11)
        ]
        assert codes == [400] * 10 + [429]
        # Another passkey from the same address is still answered.
        other = httpx.post(f"{base}/signin/verify", json={"credential": credential(8)})
        assert other.status_code == 400


def test_the_state_folder_has_a_schema_version_and_stays_private(tmp_path: Path) -> None:
    state = State(tmp_path / "state").open()
    assert state.schema_version() >= 1
    assert (state.path.stat().st_mode & 0o777) == 0o600
    assert State(tmp_path / "state").open().schema_version() == state.schema_version()


# -- two services racing for one remote --------------------------------------------------

# The other service, as a process of its own: one decision committed (signed by the service
# key) and published through its own Sync.
RIVAL = """
import os, sys
from pathlib import Path
for name in [n for n in os.environ if n.startswith("GIT_")]:
    del os.environ[name]  # set by the fetch whose upload-pack started this process
from equalcity.repository.gitrepo import (
    Identity, ServiceSigning, commit_as_service, open_repo, write_lock,
)
from equalcity.repository.sync import TURN_SECONDS, Sync
root, key, number = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
signing = ServiceSigning(key)
with open_repo(root) as repo, write_lock(repo):
    path = root / "rival" / f"{number}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"decision {number} of the other service\\n", encoding="utf-8")
    who = Identity("Rev 2", "rev-2@panel.example.org")
    commit_as_service(repo, [path], f"Decision {number}", who, signing, "Reviewer: rev-2")
sync = Sync(root, signing=signing)
sync.publish(sync.committed())
print("published", number, flush=True)
"""

# git runs this instead of upload-pack for every fetch of the losing service: once the fetch
# has its data, and before it returns, the other service makes a decision and pushes it. Then
# the loser's next push always finds the remote moved on: it loses every race by construction.
# The script waits until the other service has pushed, or has fetched (it was refused and is
# looking at the remote again), so it never waits for a push that waits for this fetch.
LOSING_FETCH = """#!/bin/sh
git upload-pack "$@"
status=$?
runs=$(cat {tmp}/runs 2>/dev/null || echo 0)
if [ "$runs" -lt {cap} ]; then
    runs=$((runs + 1))
    echo $runs > {tmp}/runs
    before=$(git --git-dir={bare} rev-parse HEAD)
    fetches=$(cat {tmp}/rival-fetches 2>/dev/null | wc -l)
    {python} {tmp}/rival.py {rival} {key} $runs </dev/null >>{tmp}/rival.log 2>&1 &
    for _ in $(seq 600); do
        [ "$(git --git-dir={bare} rev-parse HEAD)" != "$before" ] && break
        [ "$(cat {tmp}/rival-fetches 2>/dev/null | wc -l)" -gt "$fetches" ] && break
        sleep 0.05
    done
fi
exit $status
"""

COUNTING_FETCH = """#!/bin/sh
echo fetch >> {tmp}/rival-fetches
exec git upload-pack "$@"
"""


def commit_here(clone: Path, key: Path, name: str, text: str = "a decision\n") -> str:
    """One commit of the service in ``clone`` (a file ``name``, as a decision of rev-1 would
    be: authored by the reviewer, signed by the service); returns its id."""
    with open_repo(clone) as repo, write_lock(repo):
        note = clone / name
        note.write_text(text, encoding="utf-8")
        who = Identity("Rev 1", "rev-1@panel.example.org")
        return commit_as_service(
            repo, [note], "Decision", who, ServiceSigning(key), "Reviewer: rev-1"
        )


def test_a_service_that_loses_every_race_still_gets_its_decision_through(
    site: Repo, remote: Remote
) -> None:
    cap = 10  # the other service stops deciding after this many (the old code starved)
    tmp = remote.tmp
    start = remote.git("rev-parse", "HEAD").strip()
    victim, rival = remote.clone("victim"), remote.clone("rival")
    (tmp / "rival.py").write_text(RIVAL, encoding="utf-8")
    values = {
        "tmp": tmp,
        "cap": cap,
        "bare": remote.bare,
        "python": sys.executable,
        "rival": rival,
        "key": remote.key,
    }
    for clone, name, text in (
        (victim, "losing", LOSING_FETCH),
        (rival, "counting", COUNTING_FETCH),
    ):
        script = tmp / f"{name}-fetch"
        script.write_text(text.format(**values), encoding="utf-8")
        script.chmod(0o755)
        git.Repo(clone).git.config("remote.origin.uploadpack", str(script))
    # The other service pushes first, so the loser's first push is refused.
    subprocess.run(
        [sys.executable, str(tmp / "rival.py"), str(rival), str(remote.key), "0"], check=True
    )
    signing = ServiceSigning(remote.key)
    mine = commit_here(victim, remote.key, "victim.txt", "the decision of the losing service\n")
    sync = Sync(victim, signing=signing)
    sync.publish(sync.committed())
    runs = int((tmp / "runs").read_text(encoding="utf-8"))
    # Through after the other service got in twice — not after it ran out of decisions.
    assert runs <= 2, f"the other service pushed {runs} times before this one got through"

    # The other service's decisions also all arrive (it waited for its turn, then pushed).
    deadline = time.monotonic() + 120
    while (tmp / "rival.log").read_text(encoding="utf-8").count("published") < runs:
        assert time.monotonic() < deadline, (tmp / "rival.log").read_text(encoding="utf-8")
        time.sleep(0.1)
    head = remote.git("rev-parse", "HEAD").strip()
    # The losing service's commit is on the remote as it was made: same id, same signature.
    assert remote.git("merge-base", "--is-ancestor", mine, head) == ""
    files = remote.git("ls-tree", "-r", "--name-only", "HEAD").split()
    assert "victim.txt" in files
    assert {f"rival/{n}.txt" for n in range(runs + 1)} <= set(files)
    for sha in remote.git("rev-list", f"{start}..HEAD").split():
        assert remote.verify(sha), sha  # decisions and merges alike, signed by the service
    # Nobody holds the turn once everyone has pushed.
    turn = remote.git("log", "-1", "--format=%B", "refs/equalcity/push-turn")
    assert "holder free" in turn, turn


def test_a_decision_that_arrives_through_a_merge_counts(site: Repo, remote: Remote) -> None:
    with service(remote, "one") as one, service(remote, "two") as two:
        first, second = api(*one, "rev-1"), api(*two, "rev-1")
        fields = {"decision": "request-changes", "comment": "Say who she can call."}
        answer = first.post("/api/decisions", json={**entry(site.root, LISTEN), **fields})
        assert answer.json()["recorded"]
        # The second service has not seen that push: its own is refused, it merges and pushes.
        answer = second.post(
            "/api/decisions",
            json={**entry(site.root, SURVIVOR), "decision": "approve", "comment": ""},
        )
        assert answer.json()["recorded"]
        # The second service's decision commit as it made it, before the merge moved HEAD on.
        mine = git.Repo(remote.tmp / "two").git.rev_parse("HEAD@{1}")
        first.close()
        second.close()
    head = remote.git("rev-parse", "HEAD").strip()
    parents = remote.git("rev-list", "--parents", "-1", head).split()[1:]
    assert len(parents) == 2 and parents[1] == mine  # the decision commit itself, not a copy
    assert remote.verify(head) and remote.verify(mine)
    assert "Reviewer: rev-1" in remote.git("log", "-1", "--format=%B", mine)
    # In a fresh clone the approval counts and `check` accepts the ledger: blame follows the
    # line through the merge to the signed decision commit.
    fresh = Repo(remote.clone("fresh"))
    result = fresh.runner.invoke(main, ["--root", str(fresh.root), "check"])
    assert "reviews.jsonl" not in result.output, result.output
    assert fresh.state(SURVIVOR) == "approved"
    assert fresh.state(LISTEN) == "changes-requested"


def test_a_remote_without_atomic_pushes_gets_plain_pushes(site: Repo, remote: Remote) -> None:
    remote.git("config", "receive.advertiseAtomic", "false")
    clone = remote.clone("service")
    sha = commit_here(clone, remote.key, "note.txt")
    sync = Sync(clone, signing=ServiceSigning(remote.key))
    sync.publish(sync.committed())
    assert remote.git("rev-parse", "HEAD").strip() == sha
    assert "push-turn" not in remote.git("for-each-ref")  # no turns where they cannot be atomic


def test_a_remote_that_refuses_the_turn_ref_gets_plain_pushes(site: Repo, remote: Remote) -> None:
    hook = remote.bare / "hooks/update"
    hook.write_text(
        '#!/bin/sh\ncase "$1" in refs/equalcity/*) echo "protected" >&2; exit 1;; esac\n',
        encoding="utf-8",
    )
    hook.chmod(0o755)
    clone = remote.clone("service")
    sha = commit_here(clone, remote.key, "note.txt")
    sync = Sync(clone, signing=ServiceSigning(remote.key))
    sync.publish(sync.committed())
    assert remote.git("rev-parse", "HEAD").strip() == sha
    assert "push-turn" not in remote.git("for-each-ref")


def test_a_turn_whose_holder_stopped_expires(site: Repo, remote: Remote) -> None:
    """A service that took the turn and crashed holds up the others until the turn expires;
    a turn dated beyond any turn's length (a clock far ahead) holds up nobody."""
    crashed, clone = remote.clone("crashed"), remote.clone("service")
    signing = ServiceSigning(remote.key)
    sync = Sync(clone, signing=signing)
    # A turn far in the future would keep the push waiting past PUSH_SECONDS (an error).
    for lasts in (2.0, 3 * TURN_SECONDS):
        with open_repo(crashed) as repo:
            fetch(repo, "origin")
            until = time.time() + lasts
            claim = turn_commit(repo, "crashed-service", until)
            claim_turn(repo, "origin", seen_turn(repo, "origin").sha, claim)
        sha = commit_here(clone, remote.key, f"note-{lasts}.txt")
        sync.publish(sync.committed())
        if lasts < TURN_SECONDS:
            assert time.time() >= until  # it waited for the turn to expire
        assert remote.git("rev-parse", "HEAD").strip() == sha
        turn = remote.git("log", "-1", "--format=%B", "refs/equalcity/push-turn")
        assert "holder free" in turn  # the push that got through freed it


# -- two services, twenty reviewers, a thousand decisions -------------------------------------


REVIEWERS = 20
DECISIONS_EACH = 50


def decision_targets(repo: Repo) -> list[dict[str, str]]:
    """An approval request for every paragraph of the load site's French module."""
    catalog = read_po(repo.root / "locales/fr/01-load/module.po")
    return [
        {
            "locale": "fr",
            "doc": "01-load/module",
            "key": key_hash(m.msgctxt, m.msgid),
            "text": text_hash(m),
            "decision": "approve",
            "comment": "",
        }
        for m in catalog.active
        if m.msgid.startswith("Paragraph")
    ]


def load_site(root: Path, paragraphs: int = DECISIONS_EACH, reviewers: int = REVIEWERS) -> Repo:
    """A module of translated paragraphs and a panel of French reviewers (also the
    benchmark's repository, benchmarks/bench_serve.py)."""
    (root / "source/01-load").mkdir(parents=True)
    (root / "workflows").mkdir()
    texts = [f"Paragraph {n}: she decides what happens next." for n in range(paragraphs)]
    (root / "source/01-load/module.md").write_text(
        "# Load\n\n" + "\n\n".join(texts) + "\n", encoding="utf-8"
    )
    panel = "".join(
        f'[[reviewer]]\nid = "load-{n}"\nemail = "load-{n}@panel.example.org"\n'
        'languages = ["fr"]\nrole = "language"\n\n'
        for n in range(reviewers)
    )
    repo = Repo(root).as_("maint-1@example.org")
    (root / "workflows/panel.toml").write_text(
        repo.keyed(panel + "[tiers.normal]\napprovals = 1\n"), encoding="utf-8"
    )
    (root / ".gitattributes").write_text(UNION_RULE + "\n", encoding="utf-8")
    repo("extract")
    repo("init", "fr")
    repo.commit_all("Start French")
    repo.as_("translator@example.org")
    path = root / "locales/fr/01-load/module.po"
    fill(path, {p: f"Paragraphe {n} : elle décide de la suite." for n, p in enumerate(texts)})
    repo.commit_all("Translate French")
    return repo


@contextmanager
def service_process(
    remote: Remote, name: str, source: Path | None = None
) -> Iterator[tuple[str, State]]:
    """A service instance as production runs it: ``equalcity serve`` in its own process (so
    two instances use two cores, as two VMs or two units would); ``source``: the ``src``
    folder of another version of the code to run (the benchmark's "before")."""
    root = remote.clone(name)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    base = f"http://localhost:{port}"
    state_dir = remote.tmp / f"{name}-state"
    state = State(state_dir).open()
    command = [sys.executable, "-m", "equalcity", "--root", str(root), "serve"]
    options = ["--public-url", base, "--state", str(state_dir), "--signing-key", str(remote.key)]
    process = subprocess.Popen(
        [*command, *options, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(source)} if source else None,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the service did not start"
            try:
                if httpx.get(f"{base}/signin").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, state
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
        assert "Traceback" not in output, output


def test_two_services_twenty_reviewers_a_thousand_decisions(tmp_path: Path) -> None:
    repo = load_site(tmp_path / "toolbox")
    remote = make_remote(repo, tmp_path)
    targets = decision_targets(repo)
    assert len(targets) == DECISIONS_EACH
    results: list[tuple[str, int, bool]] = []
    failures: list[str] = []
    guard = threading.Lock()
    started = time.monotonic()
    with service_process(remote, "one") as one, service_process(remote, "two") as two:
        barrier = threading.Barrier(REVIEWERS)

        def reviewer(number: int) -> None:
            base, state = (one, two)[number % 2]
            http = api(base, state, f"load-{number}")
            barrier.wait()
            try:
                for fields in targets:
                    answer = http.post("/api/decisions", json=fields, timeout=600)
                    recorded = answer.status_code == 200 and answer.json()["recorded"]
                    with guard:
                        results.append((f"load-{number}", answer.status_code, recorded))
                        if not recorded:
                            failures.append(answer.text)
            finally:
                http.close()

        threads = [threading.Thread(target=reviewer, args=(n,)) for n in range(REVIEWERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.monotonic() - started
    decisions = [d for d in remote.ledger() if d["doc"] == "01-load/module"]
    pairs = {(d["reviewer"], d["key"]) for d in decisions}
    assert len(decisions) == REVIEWERS * DECISIONS_EACH == len(pairs)  # none lost, none twice
    commits = remote.git("rev-list", "--count", "HEAD").strip()
    trailers = remote.git("log", "--format=%(trailers:key=Reviewer,valueonly)").split()
    assert len(trailers) == REVIEWERS * DECISIONS_EACH, commits
    # Every request answered, and each said its decision reached the remote.
    assert len(results) == REVIEWERS * DECISIONS_EACH
    assert failures == []
    head = remote.git("rev-parse", "HEAD").strip()
    assert remote.verify(head)
    print(f"1,000 decisions through two services in {elapsed:.0f} s")
    assert elapsed < 600, f"{elapsed:.0f} s"
