"""The review page (``equalcity serve``): a real browser, concurrent reviewers, refused requests."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from equalcity.errors import ConflictError
from equalcity.po.catalog import read_po, write_po_files
from equalcity.repository.gitrepo import open_repo, write_lock
from equalcity.repository.project import Document, Project
from equalcity.review.decide import Ask, decide
from equalcity.review.panel import load_panel
from equalcity.web.app import create_app
from tests.browser import chromium, console_errors, screenshot
from tests.repos import Repo
from tests.sites import CALL, DOC, LISTEN, SCRIPT, SURVIVOR, TRAFFICKING, WRITE, build, po


@pytest.fixture
def site(tmp_path: Path) -> Repo:
    return build(tmp_path / "toolbox")


def app_for(repo: Repo, reviewer: str) -> Starlette:
    panel = load_panel(repo.root)
    found = panel.by_id(reviewer)
    assert found is not None
    return create_app(Project(repo.root), found, key=str(repo.keys.private(reviewer)))


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """uvicorn in a background thread on a free loopback port; yields the base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def ledger(repo: Repo, locale: str = "fr") -> list[dict[str, str]]:
    path = repo.root / f"locales/{locale}/reviews.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def authors(repo: Repo, count: int) -> list[str]:
    return repo.git.git.log(f"-{count}", "--format=%ae").splitlines()


# -- in a real browser -------------------------------------------------------------------


def test_a_panel_member_reviews_with_clicks_and_shortcuts(site: Repo) -> None:
    before = len(ledger(site))
    comment = "Keep her own words: « avec ses propres mots »."
    with serving(app_for(site, "rev-1")) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(10_000)
        errors = console_errors(page)
        page.goto(base + "/")
        assert page.get_by_role("heading", name="Translation status").is_visible()
        assert page.locator("svg.bars").count() == 2
        screenshot(page, "dashboard")
        page.get_by_role("link", name="fr · 01-test").click()
        page.wait_for_url(f"{base}/review/fr/01-test")
        assert page.locator("article.entry").count() == 7
        assert page.get_by_role("complementary", name="Keyboard shortcuts").is_visible()

        # A translation that is markup is shown as text, never run.
        listen = page.locator(f"#entry-{site.entry_id(LISTEN)} .translation .text")
        assert SCRIPT in listen.inner_text()
        assert page.evaluate("document.scripts.length") == 1
        assert page.title() != "pwned"
        # Glossary terms are marked in source and translation; the diff shows the change.
        survivor = page.locator(f"#entry-{site.entry_id(SURVIVOR)}")
        assert survivor.locator(".source mark.term").inner_text() == "survivor"
        assert survivor.locator(".translation mark.term").inner_text() == "survivante"
        write = page.locator(f"#entry-{site.entry_id(WRITE)}")
        assert write.locator(".previous ins").inner_text() == "dit, avec ses mots."
        assert "the legal term" in page.locator(f"#entry-{site.entry_id(TRAFFICKING)}").inner_text()

        # 1. Approve with a click.
        with page.expect_navigation():
            survivor.get_by_role("button", name="Approve").click()
        assert "Approved entry" in page.get_by_role("status").inner_text()
        # 2. The next entry has the focus: approve it with "a".
        focused = page.evaluate("document.activeElement.id")
        assert focused == f"entry-{site.entry_id(TRAFFICKING)}"
        with page.expect_navigation():
            page.keyboard.press("a")
        # 3. "j" moves on, "r" opens the comment, Ctrl+Enter sends the change request.
        assert page.evaluate("document.activeElement.id") == f"entry-{site.entry_id(LISTEN)}"
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.id") == f"entry-{site.entry_id(WRITE)}"
        page.keyboard.press("r")
        assert page.evaluate("document.activeElement.name") == "comment"
        page.keyboard.type(comment)
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        assert "Requested changes on entry" in page.get_by_role("status").inner_text()
        assert page.locator("article.entry").count() == 4  # two approved, one sent back
        page.goto(f"{base}/review/fr/01-test?show=all&risk=high")
        assert page.locator("article.entry").count() == 1
        page.goto(f"{base}/review/fr/01-test?show=all")
        screenshot(page, "review-fr")

        # Arabic: the translation runs right to left.
        page.goto(f"{base}/review/ar/01-test")
        cell = page.locator(f"#entry-{site.entry_id(CALL)} .translation .text")
        assert cell.get_attribute("lang") == "ar" and cell.get_attribute("dir") == "rtl"
        assert cell.evaluate("e => getComputedStyle(e).direction") == "rtl"
        screenshot(page, "review-ar")
        assert errors == []

        # A form on another site that posts to the page is refused (no session, no token).
        page.set_content(
            f'<form method="post" action="{base}/review/fr/01-test">'
            '<input name="decision" value="approve"><input name="doc" value="01-test/module">'
            f'<input name="key" value="{site.entry_id(CALL)}"><button>go</button></form>'
        )
        with page.expect_navigation():
            page.click("button")
        assert "Refused" in page.content()
        assert errors == [
            "Failed to load resource: the server responded with a status of 403 (Forbidden)"
        ]

    decisions = ledger(site)[before:]
    assert [(d["reviewer"], d["decision"]) for d in decisions] == [
        ("rev-1", "approve"),
        ("rev-1", "approve"),
        ("rev-1", "request-changes"),
    ]
    assert decisions[2]["comment"] == comment
    assert authors(site, 3) == ["rev-1@panel.example.org"] * 3
    sent_back = read_po(po(site, "fr")).index()[(None, WRITE)]
    assert sent_back.fuzzy
    assert sent_back.comments[-1].startswith(f"review: {comment} (rev-1, ")
    assert not site.git.is_dirty(untracked_files=True)


# -- requests without a browser ----------------------------------------------------------


@contextmanager
def client(repo: Repo, reviewer: str = "rev-1") -> Iterator[httpx.Client]:
    """An HTTP client of a review server running for ``reviewer``."""
    with (
        serving(app_for(repo, reviewer)) as base,
        httpx.Client(base_url=base, follow_redirects=False) as http,
    ):
        yield http


def form(page: str, entry_id: str) -> dict[str, str]:
    """The hidden fields of one entry's decision form."""
    article = re.search(rf'<article[^>]*id="entry-{entry_id}".*?</article>', page, re.S)
    assert article, f"entry {entry_id} is not on the page"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', article.group()))


def open_page(http: httpx.Client, path: str = "/review/fr/01-test?show=all") -> str:
    response = http.get(path)
    assert response.status_code == 200
    return response.text


def test_refused_posts_change_nothing(site: Repo) -> None:
    lines = len(ledger(site))
    with client(site) as http:
        fields = form(open_page(http), site.entry_id(SURVIVOR)) | {"decision": "approve"}
        url = "/review/fr/01-test"
        cases = {
            "no token": ({k: v for k, v in fields.items() if k != "csrf"}, {}),
            "wrong token": (fields | {"csrf": "x" * 43}, {}),
            "other origin": (fields, {"origin": "http://evil.example"}),
            "cross-site fetch": (fields, {"sec-fetch-site": "cross-site"}),
        }
        for name, (data, headers) in cases.items():
            response = http.post(url, data=data, headers=headers)
            assert response.status_code == 403, name
            assert 'role="alert"' in response.text and "Traceback" not in response.text
        rebound = http.get("/", headers={"host": "attacker.example:8470"})
        assert rebound.status_code == 400  # DNS rebinding: a foreign host name
        assert len(ledger(site)) == lines
        origin = str(http.base_url).rstrip("/")
        ok = http.post(url, data=fields, headers={"origin": origin})
        assert ok.status_code == 303
        assert ok.headers["location"].startswith("/review/fr/01-test?show=all")
    assert len(ledger(site)) == lines + 1
    for header in ("content-security-policy", "x-content-type-options"):
        assert header in ok.headers


def test_conflicts_are_409_with_one_line_and_the_comment_kept(site: Repo) -> None:
    with client(site) as http:
        page = open_page(http)
        fields = form(page, site.entry_id(LISTEN))
        # The translator's uncommitted edit of the same file.
        path = po(site, "fr")
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        draft = "Remove the <b>markup</b>."
        response = http.post(
            "/review/fr/01-test",
            data=fields | {"decision": "request-changes", "comment": draft},
        )
        assert response.status_code == 409
        [alert] = re.findall(r'<p class="error" role="alert" id="error">(.*?)</p>', response.text)
        assert alert == (
            "uncommitted changes in locales/fr/01-test/module.po; commit or stash them first, "
            "so the review commit holds only the review"
        )
        assert "Remove the &lt;b&gt;markup&lt;/b&gt;." in response.text  # the draft survives
        site.git.git.checkout("--", str(path))

        # The translation changed after the page was shown: approving it would be blind.
        site.as_("translator@example.org")
        catalog = read_po(path)
        catalog.index()[(None, LISTEN)].msgstr = "Écouter d'abord."
        write_po_files([(path, catalog, str(path))])
        site.commit_all("Translator fixes the entry meanwhile")
        response = http.post("/review/fr/01-test", data=fields | {"decision": "approve"})
        assert response.status_code == 409
        assert "changed since you opened it; reload and review the new text" in response.text

        missing = http.post(
            "/review/fr/01-test",
            data=form(open_page(http), site.entry_id(LISTEN)) | {"decision": "request-changes"},
        )
        assert missing.status_code == 400
        assert "A change request needs a comment: say what the translator" in missing.text
        assert http.get("/review/xx/01-test").status_code == 404
        assert http.get("/review/fr/99-nothing").status_code == 404
    assert len(ledger(site)) == 2  # only the fixture's decisions


def test_errors_are_one_line_on_the_page(site: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    path = po(site, "fr")
    path.write_text(path.read_text(encoding="utf-8") + 'msgid "unterminated\n', encoding="utf-8")
    with client(site) as http:
        broken = http.get("/review/fr/01-test")
        assert broken.status_code == 400
        [alert] = re.findall(r'<p class="error" role="alert">(.*?)</p>', broken.text)
        assert alert.startswith("locales/fr/01-test/module.po:")
        site.git.git.checkout("--", str(path))

        def boom(*args: object) -> None:
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr("equalcity.web.app.items", boom)
        failed = http.get("/review/fr/01-test")
        assert failed.status_code == 500
        assert "internal error (RuntimeError): the disk is on fire" in failed.text
        assert "Traceback" not in failed.text and "boom" not in failed.text


def test_two_reviewers_at_once_lose_nothing(site: Repo) -> None:
    # Different entries, and one entry both must approve (high risk: two, one an expert).
    jobs = {"rev-1": [SURVIVOR, CALL], "rev-2": [TRAFFICKING, CALL]}
    before = len(ledger(site))
    barrier = threading.Barrier(len(jobs))
    failures: list[str] = []

    def review(reviewer: str, msgids: list[str]) -> None:
        with client(site, reviewer) as http:
            page = open_page(http)
            fields = [form(page, site.entry_id(m)) | {"decision": "approve"} for m in msgids]
            barrier.wait()
            for data in fields:
                response = http.post("/review/fr/01-test", data=data)
                if response.status_code != 303:
                    failures.append(f"{reviewer}: {response.status_code} {response.text[-300:]}")

    threads = [threading.Thread(target=review, args=item) for item in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    decided = ledger(site)[before:]
    assert sorted((d["reviewer"], d["key"][:8]) for d in decided) == sorted(
        (reviewer, site.entry_id(m)) for reviewer, msgids in jobs.items() for m in msgids
    )
    log = site.git.git.log("-4", "--format=%ae %s").splitlines()
    assert sorted(line.split()[0] for line in log) == [
        "rev-1@panel.example.org",
        "rev-1@panel.example.org",
        "rev-2@panel.example.org",
        "rev-2@panel.example.org",
    ]
    assert not site.git.is_dirty(untracked_files=True)
    assert site.state(CALL) == "approved"


def test_the_write_lock_holds_across_processes(site: Repo) -> None:
    hold = (
        "import fcntl, sys, time\n"
        "f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('locked', flush=True); time.sleep(1.0)\n"
    )
    lock_file = str(site.root / ".git/equalcity.lock")
    with subprocess.Popen(
        [sys.executable, "-c", hold, lock_file], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with (
            open_repo(site.root) as repo,
            pytest.raises(ConflictError, match="try again"),
            write_lock(repo, timeout=0.2),
        ):
            pass
        start = time.monotonic()
        _sha, count = decide(
            Project(site.root),
            Ask("fr", Document.parse(DOC), "approve", (site.entry_id(SURVIVOR),)),
            reviewer_id="rev-1",
            key=str(site.keys.private("rev-1")),
        )
        assert time.monotonic() - start > 0.3  # it waited for the other process
    assert count == 1 and authors(site, 1) == ["rev-1@panel.example.org"]


def _git_children() -> list[str]:
    """Command lines of this process's child git processes (Linux /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"git" in cmdline:
            found.append(cmdline.decode(errors="replace"))
    return found


def test_the_server_leaves_no_git_processes_behind(site: Repo) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert _git_children() == []
    gc.disable()
    try:
        with client(site) as http:
            http.get("/")
            for msgid in (SURVIVOR, LISTEN):
                data = form(open_page(http), site.entry_id(msgid)) | {"decision": "approve"}
                assert http.post("/review/fr/01-test", data=data).status_code == 303
            assert _git_children() == []
    finally:
        gc.enable()


def test_serve_refuses_an_unknown_or_off_roster_reviewer(site: Repo) -> None:
    out = site("serve", "--reviewer", "nobody", code=2)
    assert out == ("equalcity: 'nobody' is not a reviewer id on the panel (workflows/panel.toml)\n")
    site.as_("translator@example.org")
    out = site("serve", code=2)
    assert "translator@example.org is not on the review panel" in out
    # decisions are signed: without a key the page would record nothing that counts
    out = site("serve", "--reviewer", "rev-1", code=2)
    assert (
        out.startswith("equalcity: decisions are signed with your SSH key")
        and len(out.splitlines()) == 1
    )
    out = site("serve", "--reviewer", "rev-1", "--key", str(site.keys.private("rev-2")), code=2)
    assert "is not a key workflows/panel.toml gives rev-1" in out
    key = str(site.keys.private("rev-1"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = site("serve", "--reviewer", "rev-1", "--key", key, "--port", str(port), code=2)
    assert out.startswith(f"equalcity: cannot listen on 127.0.0.1:{port}: ")
    assert len(out.splitlines()) == 1


# -- the installed command ---------------------------------------------------------------


@pytest.mark.e2e
def test_serve_and_status_through_the_installed_command(site: Repo, tmp_path: Path) -> None:
    exe = shutil.which("equalcity")
    assert exe, "the equalcity command is not installed (pip install -e .)"
    site.as_("rev-1@panel.example.org")
    server = subprocess.Popen(
        [exe, "serve", "--port", "0"],
        cwd=site.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        match = re.match(r"Review page for rev-1 at (http://127\.0\.0\.1:\d+)/ ", line)
        assert match, line
        with httpx.Client(base_url=match.group(1)) as http:
            page = http.get("/review/fr/01-test").text
            data = form(page, site.entry_id(SURVIVOR)) | {"decision": "approve"}
            assert http.post("/review/fr/01-test", data=data).status_code == 303
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=10)
    assert server.returncode == 0 and "Traceback" not in stderr
    assert authors(site, 1) == ["rev-1@panel.example.org"]
    assert ledger(site)[-1]["key"].startswith(site.entry_id(SURVIVOR))

    out = tmp_path / "status.html"
    result = subprocess.run(
        [exe, "status", "--format", "html", "--out", str(out)],
        cwd=site.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "://" not in page


def test_a_phone_gets_the_page_without_sideways_scroll_or_shortcuts(site: Repo) -> None:
    (site.root / "source/contacts.toml").write_text(
        '[emergency]\nname = "Police <b>now</b>"\nphone = "113"\nexample = true\n',
        encoding="utf-8",
    )
    site.as_("maintainer@example.org").commit_all("Contacts")
    with serving(app_for(site, "rev-1")) as base, chromium() as browser:
        phone = browser.new_page(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        phone.goto(f"{base}/review/fr/01-test?show=all")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px phone"
        assert not phone.get_by_role("complementary", name="Keyboard shortcuts").is_visible()
        call = phone.locator(f"#entry-{site.entry_id(CALL)}")
        # Plain words: what it needs, not a tier name, a fraction or the tool's block kinds.
        badges = call.locator(".badges").inner_text()
        assert "needs 2 approvals, one from a subject expert — none yet" in badges
        assert "kind:" not in phone.content() and "0/2" not in badges
        # The helpline sentence shows the service it becomes, and that it is not real yet.
        contacts = call.locator(".contacts").inner_text()
        assert "fr: Police <b>now</b> 113 — an example, not a real service" in contacts
        # A glossary definition opens with a tap.
        survivor = phone.locator(f"#entry-{site.entry_id(SURVIVOR)} details.definition")
        assert not survivor.locator("p").is_visible()
        survivor.locator("summary").tap()
        assert survivor.locator("p").is_visible()
        screenshot(phone, "review-phone")

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(f"{base}/review/fr/01-test?show=all")
        assert desk.get_by_role("complementary", name="Keyboard shortcuts").is_visible()
        # …and with the keyboard alone.
        definition = desk.locator(f"#entry-{site.entry_id(SURVIVOR)} details.definition")
        definition.locator("summary").focus()
        desk.keyboard.press("Enter")
        assert definition.locator("p").is_visible()


def test_a_verification_date_typed_by_hand_is_not_shown_as_verified(site: Repo) -> None:
    """The page says what the release gate says: only a recorded check counts (issue 15), so a
    reviewer never approves a helpline sentence believing an unchecked number was checked."""
    (site.root / "source/contacts.toml").write_text(
        '[emergency]\nname = "Police"\nphone = "113"\nverified = 2026-11-02\n', encoding="utf-8"
    )
    site.as_("maintainer@example.org").commit_all("Contacts, a check date typed by hand")
    with client(site) as http:
        page = open_page(http)
    assert "not verified yet" in page
    assert "verified on 2026-11-02" not in page
