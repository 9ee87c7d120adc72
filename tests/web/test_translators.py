"""Translators and contact verifiers without git (issue 15): their roster roles, PO download and
upload on the hosted service (three-way merged, checked, signed with a ``Translator:`` trailer,
pushed), and contact checks recorded in service-signed commits that the release gate trusts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import httpx
import polib
import pytest
from playwright.sync_api import Browser, Page

from equalcity.errors import EqualcityError
from equalcity.po.catalog import Catalog, read_po_text
from equalcity.release.contacts import Contact
from equalcity.release.editions import load_release
from equalcity.release.verification import Check, Facts, judge, record
from equalcity.repository.gitrepo import ServiceSigning
from equalcity.repository.project import Document, Project
from equalcity.review.ledger import key_hash, text_hash
from equalcity.review.panel import load_panel, parse_panel
from equalcity.review.signatures import CommitSignature
from equalcity.translation import upload
from equalcity.translation.upload import download
from equalcity.web.i18n import Catalogues
from equalcity.web.state import State
from tests.browser import axe_violations, chromium, console_errors, screenshot
from tests.keys import Keyring
from tests.repos import Repo
from tests.sites import DOC, LISTEN, SURVIVOR, TRAFFICKING, WRITE, build
from tests.web.test_page_language import english_left, with_catalogue
from tests.web.test_service import (
    Remote,
    add_to_roster,
    make_remote,
    service,
    virtual_authenticator,
)

ROLES = """
[[reviewer]]
id = "fr-tr-1"
email = "fr-tr-1@panel.example.org"
languages = ["fr"]
role = "translator"

[[reviewer]]
id = "lu-check-1"
email = "lu-check-1@panel.example.org"
countries = ["LU"]
role = "contact-verifier"
"""


def test_translators_and_verifiers_have_roles_of_their_own_and_never_review() -> None:
    panel = parse_panel(ROLES)
    translator, verifier = panel.reviewers
    assert translator.translates("fr", "01-test") and not translator.translates("de", "01-test")
    assert not translator.covers("fr", "01-test")  # never approves anything
    assert verifier.verifies("LU") and not verifier.verifies("BE") and not verifier.verifies("")
    assert not verifier.covers("fr", "01-test") and not verifier.translates("fr", "01-test")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (ROLES.replace('countries = ["LU"]\n', ""), 9, "lists the countries"),
        (ROLES.replace('["LU"]', '["lu"]'), 9, "two-letter ISO codes"),
        (ROLES.replace('languages = ["fr"]', 'countries = ["FR"]'), 3, "only a contact verifier"),
        (ROLES.replace('languages = ["fr"]\n', ""), 3, "list the languages they translate"),
        (ROLES.replace('"translator"', '"typist"'), 3, "role must be one of"),
    ],
)
def test_bad_roles_are_one_located_error(text: str, line: int, message: str) -> None:
    with pytest.raises(EqualcityError) as raised:
        parse_panel(text)
    assert raised.value.line == line and message in str(raised.value), str(raised.value)


# -- the hosted service: fixtures ----------------------------------------------------------------

TEAM = """
[[reviewer]]
id = "tr-1"
email = "tr-1@panel.example.org"
languages = ["fr"]
role = "translator"

[[reviewer]]
id = "tr-2"
email = "tr-2@panel.example.org"
languages = ["fr"]
role = "translator"

[[reviewer]]
id = "check-1"
email = "check-1@panel.example.org"
countries = ["LU"]
role = "contact-verifier"
"""
RELEASE_TOML = """[release]
title = "Test"
version = "1.0.0"

[edition.fr-LU]
language = "fr"
country = "LU"
min_coverage = 0.0
"""
CONTACTS_LU = """[emergency]
name = "Police grand-ducale"
phone = "113"
example = false
verified = ""
"""


@pytest.fixture
def team(tmp_path: Path) -> tuple[Repo, Remote]:
    """The review site with two translators and a contact verifier on the roster, an fr-LU
    edition with one real (unchecked) contact, and the service allowed to sign for them all."""
    return make_team(tmp_path)


def make_team(tmp_path: Path, extra: str = "", words: bool = False) -> tuple[Repo, Remote]:
    """``team``, with ``extra`` people on the roster and, with ``words``, the service's own UI
    catalogue and its translations (so its pages speak fr, de, pt and ar)."""
    repo = build(tmp_path / "toolbox")
    if words:
        with_catalogue(repo)
    (repo.root / "workflows/release.toml").write_text(RELEASE_TOML, encoding="utf-8")
    (repo.root / "locales/fr/contacts-LU.toml").write_text(CONTACTS_LU, encoding="utf-8")
    add_to_roster(repo, TEAM + extra)
    repo.as_("maint-1@example.org").commit_all("Translators, a verifier, the fr-LU edition")
    remote = make_remote(repo, tmp_path)
    panel = repo.root / "workflows/panel.toml"
    panel.write_text(
        panel.read_text(encoding="utf-8").replace(
            'may_sign_for = ["language", "subject-expert"]',
            'may_sign_for = ["language", "subject-expert", "translator", "contact-verifier"]',
        ),
        encoding="utf-8",
    )
    repo.commit_all("The service signs for translators and verifiers")  # maint-1: signed
    repo.git.git.tag("v1")
    repo.git.git.push(str(remote.bare), f"HEAD:{repo.git.active_branch.name}", "--tags")
    return repo, remote


def bearer(state: State, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {state.new_token(who, 'test')}"}


def head(remote: Remote) -> str:
    return remote.git("rev-parse", "HEAD").strip()


def remote_po(remote: Remote) -> Catalog:
    return read_po_text(remote.git("show", "HEAD:locales/fr/01-test/module.po"))


def edited(text: str, changes: dict[str, str]) -> bytes:
    """A downloaded file edited with polib, then saved through msgcat as a PO editor would."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "module.po"
        path.write_text(text, encoding="utf-8")
        catalog = polib.pofile(str(path))
        for entry in catalog:
            if entry.msgid in changes:
                entry.msgstr = changes[entry.msgid]
        catalog.save()
        subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)
        return path.read_bytes()


# -- uploads that must be refused, by the token API ------------------------------------------


def test_refused_uploads_say_why_and_commit_nothing(team: tuple[Repo, Remote]) -> None:
    _repo, remote = team
    with service(remote, "service") as (base, state):
        auth = bearer(state, "tr-1")
        url = f"{base}/api/translate/fr/01-test"
        download = httpx.get(url, params={"doc": "module"}, headers=auth)
        assert download.status_code == 200
        assert download.headers["x-equalcity-base"] == head(remote)
        text = download.text
        assert f"X-Equalcity-Base: {head(remote)}" in text
        before = head(remote)

        def upload(data: bytes, name: str = "module.po", **params: str) -> httpx.Response:
            files = {"file": (name, data, "application/octet-stream")}
            return httpx.post(url, files=files, params=params, headers=auth, timeout=60)

        def refused(answer: httpx.Response, status: int, words: str) -> None:
            assert answer.status_code == status, answer.text
            assert words in answer.json()["error"], answer.json()
            assert head(remote) == before

        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        refused(upload(png, "photo.png"), 400, "not a PO file")
        # 50 MB: refused from its Content-Length, before the body is read.
        big = httpx.post(
            url,
            content=b"x" * (50 * 1024 * 1024),
            headers=auth | {"content-type": "application/octet-stream"},
            timeout=60,
        )
        refused(big, 413, "larger than 8 MB")
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("module.po", b"#" * (40 * 1024 * 1024))  # 40 KB zipped
        assert len(bomb.getvalue()) < 100_000
        refused(upload(bomb.getvalue(), "module.zip"), 400, "zip bomb")
        many = io.BytesIO()
        with zipfile.ZipFile(many, "w") as archive:
            for number in range(41):
                archive.writestr(f"f{number}.po", b"")
        refused(upload(many.getvalue(), "many.zip"), 400, "at most 40")
        escape = io.BytesIO()
        with zipfile.ZipFile(escape, "w") as archive:
            archive.writestr("../../etc/module.po", text)
        refused(upload(escape.getvalue(), "x.zip"), 400, "outside itself")
        arabic = httpx.get(f"{base}/api/translate/ar/01-test", headers=bearer(state, "tr-1"))
        assert arabic.status_code == 403 and "does not translate ar" in arabic.json()["error"]
        wrong_language = text.replace("Language: fr", "Language: ar")
        refused(upload(wrong_language.encode()), 400, "in 'ar', not 'fr'")
        reworded = text.replace(f'msgid "{WRITE}"', 'msgid "Write down anything."')
        refused(upload(reworded.encode()), 400, "a changed or new msgid is the English source")
        plural = text.replace("Plural-Forms: nplurals=2;", "Plural-Forms: nplurals=3;")
        refused(upload(plural.encode()), 400, "header field Plural-Forms changed")
        foreign = text.replace("X-Equalcity-Document: 01-test/module\\n", "")
        refused(upload(foreign.encode()), 400, "not downloaded from this service")
        script = edited(text, {SURVIVOR: "<script>alert(1)</script> Elle décide."})
        answer = upload(script, confirm="1")
        assert answer.status_code == 422 and not answer.json()["committed"]
        errors = answer.json()["errors"]
        assert {(e["check"], e["line"]) for e in errors} == {("raw-html", 28)}, errors
        assert "forbidden HTML '<script>'" in [e["message"] for e in errors]
        assert script.decode().split("\n")[27].startswith("msgstr"), "line 28 is its msgstr"
        assert head(remote) == before
        # Nobody but a translator may upload: a reviewer's token is refused (403).
        reviewer = httpx.post(url, files={"file": ("m.po", text)}, headers=bearer(state, "rev-1"))
        assert reviewer.status_code == 403 and "only translators" in reviewer.json()["error"]
        assert httpx.post(url, files={"file": ("m.po", text)}).status_code == 401
        assert head(remote) == before


def test_two_translators_by_token_both_survive_and_warnings_need_a_comment(
    team: tuple[Repo, Remote],
) -> None:
    _repo, remote = team
    with service(remote, "service") as (base, state):
        url = f"{base}/api/translate/fr/01-test"
        one, two = bearer(state, "tr-1"), bearer(state, "tr-2")
        text_one = httpx.get(url, params={"doc": "module"}, headers=one).text
        text_two = httpx.get(url, params={"doc": "module"}, headers=two).text
        first = httpx.post(
            url,
            files={"file": ("m.po", edited(text_two, {LISTEN: "Écouter, puis demander."}))},
            params={"confirm": "1"},
            headers=two,
        )
        assert first.status_code == 200 and first.json()["committed"], first.text
        # tr-1 downloaded before tr-2's change; only their own entry changes.
        preview = httpx.post(
            url,
            files={"file": ("m.po", edited(text_one, {WRITE: "Noter ses mots, tels quels."}))},
            headers=one,
        ).json()
        assert [(c["msgid"], c["new"]) for c in preview["changes"]] == [
            (WRITE, ["Noter ses mots, tels quels."])
        ]
        assert not preview["committed"] and head(remote) != ""
        confirmed = httpx.post(
            f"{base}/api/translate/confirm/{preview['upload']}", json={}, headers=one
        )
        assert confirmed.json()["committed"], confirmed.text
        catalog = remote_po(remote).index()
        assert catalog[(None, LISTEN)].msgstr == "Écouter, puis demander."
        assert catalog[(None, WRITE)].msgstr == "Noter ses mots, tels quels."
        trailers = remote.git("log", "-2", "--format=%(trailers:key=Translator,valueonly)")
        assert trailers.split() == ["tr-1", "tr-2"]
        assert remote.verify(head(remote))
        # An English text kept as is warns ("identical"): saved only with a comment.
        same = edited(text_one, {TRAFFICKING: TRAFFICKING})
        refused = httpx.post(
            url, files={"file": ("m.po", same)}, params={"confirm": "1"}, headers=one
        )
        assert refused.status_code == 422 and "comment" in refused.json()["message"], refused.text
        assert "identical" in [w["check"] for w in refused.json()["warnings"]]
        assert refused.json()["errors"] == []
        kept = httpx.post(
            url,
            files={"file": ("m.po", same)},
            params={"confirm": "1", "comment": "The legal term is the same in French."},
            headers=one,
        )
        assert kept.json()["committed"], kept.text
        assert "Warnings accepted: The legal term" in remote.git("log", "-1", "--format=%B")
        # The same entry changed by both since one download: a conflict, nothing committed.
        before = head(remote)
        clash = httpx.post(
            url,
            files={"file": ("m.po", edited(text_one, {LISTEN: "Écoutez-la."}))},
            params={"confirm": "1"},
            headers=one,
        )
        assert clash.status_code == 422 and clash.json()["conflicts"], clash.text
        assert head(remote) == before


# -- two translators and a verifier, signed in with passkeys, in Chromium -------------------------


def test_two_translators_and_a_verifier_work_in_chromium(
    team: tuple[Repo, Remote], tmp_path: Path
) -> None:
    _repo, remote = team
    with service(remote, "service") as (base, state), chromium() as browser:
        pages = {}
        errors = []
        for who, start in (("tr-1", "translate"), ("tr-2", "translate"), ("check-1", "verify")):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(15_000)
            errors.append(console_errors(page))
            virtual_authenticator(page)
            page.goto(f"{base}/invite/{state.invite(who)}")
            page.get_by_role("button", name="Create my passkey").click()
            page.wait_for_url(f"{base}/{start}")  # each lands on their own work
            pages[who] = page

        # tr-1 downloads the module's main file.
        one = pages["tr-1"]
        with one.expect_download() as info:
            one.get_by_role("link", name="module.po").click()
        downloaded = tmp_path / "download.po"
        info.value.save_as(downloaded)
        text = downloaded.read_text(encoding="utf-8")
        assert f"X-Equalcity-Base: {head(remote)}" in text

        # Meanwhile tr-2 makes a token on the page and sends a change by script.
        two = pages["tr-2"]
        two.get_by_label("What the token is for").fill("laptop")
        two.get_by_role("button", name="Create a token").click()
        token = two.locator("#new-token").inner_text()
        url = f"{base}/api/translate/fr/01-test"
        auth = {"authorization": f"Bearer {token}"}
        theirs = httpx.get(url, params={"doc": "module"}, headers=auth).text
        sent = httpx.post(
            url,
            files={
                "file": (
                    "m.po",
                    edited(theirs, {SURVIVOR: "La survivante décide elle-même de la suite."}),
                )
            },
            params={"confirm": "1"},
            headers=auth,
        )
        assert sent.json()["committed"], sent.text

        # tr-1 first uploads a msgstr with a script: refused in plain words, nothing saved.
        before = head(remote)
        bad = tmp_path / "bad.po"
        bad.write_bytes(edited(text, {WRITE: "<script>alert(1)</script>"}))
        one.set_input_files("input[type=file]", str(bad))
        one.get_by_role("button", name="Check my upload").click()
        assert "Nothing was saved" in one.locator("#refusal").inner_text()
        assert "bad.po, line 50: forbidden HTML '<script>'" in one.locator("#errors").inner_text()
        assert one.get_by_role("button", name="Save these translations").count() == 0
        assert head(remote) == before
        # …then the real work, edited with polib and saved through msgcat.
        one.goto(f"{base}/translate")
        good = tmp_path / "good.po"
        good.write_bytes(edited(text, {WRITE: "Noter ses paroles, avec ses mots."}))
        one.set_input_files("input[type=file]", str(good))
        one.get_by_role("button", name="Check my upload").click()
        changes = one.locator("#changes").inner_text()
        assert "Noter ce qu'elle dit, avec ses mots." in changes  # before
        assert "Noter ses paroles, avec ses mots." in changes  # after
        assert "La survivante décide elle-même" not in changes  # tr-2's work is not tr-1's change
        screenshot(one, "translator-upload-diff")
        one.get_by_role("button", name="Save these translations").click()
        one.wait_for_url(f"{base}/translate")
        assert "Saved: 1 translation(s)" in one.get_by_role("status").first.inner_text()

        # The verifier records a phone check of fr-LU's emergency number.
        check = pages["check-1"]
        check.get_by_role("link", name="fr-LU").click()
        card = check.locator("#contact-emergency")
        assert "never checked" in card.inner_text()
        card.get_by_label("number").check()
        card.get_by_label("hours").check()
        card.get_by_label("phone call").check()
        card.get_by_role("button", name="Record my check of emergency").click()
        check.wait_for_url(f"{base}/verify/fr-LU")
        assert "Recorded" in check.get_by_role("status").first.inner_text()
        assert "counts for the release" in check.locator("#contact-emergency").inner_text()
        # Only the refused upload's answer (422) is logged: no script error on any page.
        logged = [x for e in errors for x in e if "status of 422" not in x]
        assert logged == [], logged

    # Both translators' work and the check are on the remote, each signed by the service.
    catalog = remote_po(remote).index()
    assert catalog[(None, SURVIVOR)].msgstr == "La survivante décide elle-même de la suite."
    assert catalog[(None, WRITE)].msgstr == "Noter ses paroles, avec ses mots."
    log = remote.git("log", "-3", "--format=%(trailers:key=Translator,key=Verifier)%x00")
    assert [x.strip() for x in log.split("\0") if x.strip()] == [
        "Verifier: check-1",
        "Translator: tr-1",
        "Translator: tr-2",
    ]
    for sha in remote.git("rev-list", "-3", "HEAD").split():
        assert remote.verify(sha), sha
    assert remote.git("log", "-2", "--format=%ae", "HEAD~1").split() == [
        "tr-1@panel.example.org",
        "tr-2@panel.example.org",
    ]
    # The release gate and the release notes of a fresh clone show the recorded check.
    fresh = Repo(remote.clone("fresh"))
    today = dt.date.today().isoformat()
    gate = fresh("release", "--out", str(tmp_path / "dist"), "-e", "fr-LU", code=1)
    assert f"emergency: checked {today} by check-1 (phone call: number, hours)\n" in gate, gate
    assert not re.search(r"contact +\S+ +emergency", gate)
    notes = fresh("release", "notes", "--since", "v1")
    assert f"checked {today} by check-1 (phone call: number, hours); counts for the gate" in notes


def test_only_the_roster_says_who_may_do_what(team: tuple[Repo, Remote]) -> None:
    _repo, remote = team
    with service(remote, "service") as (base, state):
        before = head(remote)

        def signed_in(who: str) -> httpx.Client:
            token = state.new_session(who)
            http = httpx.Client(base_url=base, headers={"cookie": f"equalcity-session={token}"})
            http.headers["x-csrf-token"] = http.get("/api/session").json()["csrf"]
            return http

        reviewer, translator, verifier = signed_in("rev-1"), signed_in("tr-1"), signed_in("check-1")
        # A reviewer has no translator's or verifier's pages; they have no review page's votes.
        assert reviewer.get("/translate").status_code == 403
        assert reviewer.get("/translate/fr/01-test/download").status_code == 403
        assert reviewer.get("/verify/fr-LU").status_code == 403
        assert translator.get("/verify").status_code == 403
        assert verifier.get("/translate").status_code == 403
        assert translator.get("/translate/ar/01-test/download").status_code == 403
        # A translator (or verifier) cannot approve: the roster gives them no review role.
        catalog = read_po_text(remote.git("show", "HEAD:locales/fr/01-test/module.po"))
        message = catalog.index()[(None, SURVIVOR)]
        vote = {
            "locale": "fr",
            "doc": DOC,
            "key": key_hash(None, SURVIVOR),
            "text": text_hash(message),
            "decision": "approve",
            "comment": "",
        }
        for person in (translator, verifier):
            answer = person.post("/api/decisions", json=vote)
            assert answer.status_code == 403 and "does not review fr" in answer.json()["error"]
        # Each lands on their own work after signing in.
        assert translator.get("/", follow_redirects=False).headers["location"] == "/translate"
        assert verifier.get("/", follow_redirects=False).headers["location"] == "/verify"
        # A verifier records only in the countries the roster gives them, never an example,
        # and says which official page they read.
        form = {"csrf": verifier.headers["x-csrf-token"], "what": "number"}
        web = verifier.post(
            "/verify/fr-LU/emergency", data=form | {"method": "official web page", "url": ""}
        )
        assert web.status_code == 400 and "address (https://…)" in web.text
        sneaky = form | {"method": "official web page", "url": 'https://x"\nexample = true'}
        assert verifier.post("/verify/fr-LU/emergency", data=sneaky).status_code == 400
        assert head(remote) == before
        # A token ends with its revocation; a revoked person's tokens end with them.
        token = state.new_token("tr-1", "script")
        auth = {"authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/api/translate/fr/01-test", headers=auth).status_code == 200
        [(token_id, _label, _c, _u)] = [t for t in state.tokens("tr-1") if t[1] == "script"]
        assert state.revoke_token("tr-1", token_id)
        assert httpx.get(f"{base}/api/translate/fr/01-test", headers=auth).status_code == 401
        again = state.new_token("tr-1", "again")
        state.revoke("tr-1")
        gone = httpx.get(
            f"{base}/api/translate/fr/01-test", headers={"authorization": f"Bearer {again}"}
        )
        assert gone.status_code == 401
        # Only hashes are stored.
        assert again.encode() not in state.path.read_bytes()
        for client in (reviewer, translator, verifier):
            client.close()


def test_an_ignore_comment_silences_a_warning_never_an_error(team: tuple[Repo, Remote]) -> None:
    _repo, remote = team
    with service(remote, "service") as (base, state):
        auth = bearer(state, "tr-1")
        url = f"{base}/api/translate/fr/01-test"
        text = httpx.get(url, params={"doc": "module"}, headers=auth).text

        def with_comment(changes: dict[str, str], comment: str) -> bytes:
            data = edited(text, changes).decode()
            for msgid in changes:
                data = data.replace(f'msgid "{msgid}"', f'# {comment}\nmsgid "{msgid}"')
            return data.encode()

        hidden = with_comment({WRITE: "<script>alert(1)</script>"}, "equalcity-ignore: raw-html")
        refused = httpx.post(
            url, files={"file": ("m.po", hidden)}, params={"confirm": "1"}, headers=auth
        )
        assert refused.status_code == 422
        assert "raw-html" in {e["check"] for e in refused.json()["errors"]}
        same = with_comment(
            {TRAFFICKING: TRAFFICKING}, "equalcity-ignore: identical, glossary-missing"
        )
        kept = httpx.post(
            url, files={"file": ("m.po", same)}, params={"confirm": "1"}, headers=auth
        )
        assert kept.json()["committed"] and kept.json()["warnings"] == [], kept.text


def test_the_new_pages_are_accessible_and_fit_a_phone(
    team: tuple[Repo, Remote], tmp_path: Path
) -> None:
    _repo, remote = team
    found: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    with service(remote, "service") as (base, state), chromium() as browser:
        auth = bearer(state, "tr-1")
        text = httpx.get(f"{base}/api/translate/fr/01-test?doc=module", headers=auth).text
        upload = tmp_path / "module.po"
        upload.write_bytes(edited(text, {WRITE: "<b>Noter</b> ses mots."}))
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for who, paths in (("tr-1", ["/translate"]), ("check-1", ["/verify", "/verify/fr-LU"])):
                token = state.new_session(who)
                page.context.add_cookies(
                    [{"name": "equalcity-session", "value": token, "url": base}]
                )
                for path in paths:
                    page.goto(base + path)
                    found[f"{path} {width}"] = axe_violations(page)
                    wide[f"{path} {width}"] = page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
                if who == "tr-1":  # the diff, with a warning and an error on it
                    page.set_input_files("input[type=file]", str(upload))
                    page.get_by_role("button", name="Check my upload").click()
                    assert page.locator("#errors").count() == 1
                    found[f"preview {width}"] = axe_violations(page)
                    wide[f"preview {width}"] = page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
            page.close()
    assert {path: v for path, v in found.items() if v} == {}
    assert {path: w for path, w in wide.items() if w > 0} == {}


# -- the gate's judgement of a contact check (pure) --------------------------------------------


def judged(tmp_path: Path, **changes: object) -> str:
    """The verdict on a check of an LU contact, as recorded by ``check-1`` through the service,
    with ``changes`` to the facts, the contact, the edition's country or the day."""
    keys = Keyring(tmp_path / "keys")
    service_line = keys.public("panel-service")
    roster = parse_panel(
        TEAM.replace('id = "check-1"', f'id = "check-1"\nkeys = ["{keys.public("check-1")}"]')
        + '[[reviewer]]\nid = "check-2"\nemail = "c2@x.org"\ncountries = ["BE"]\n'
        'role = "contact-verifier"\n'
        f'[[service]]\nid = "panel-service"\nkeys = ["{service_line}"]\n'
        f"may_sign_for = {changes.pop('may_sign_for', ['contact-verifier'])!r}\n".replace("'", '"')
    )
    service_key = roster.services[0].keys[0]
    contact = Contact(
        "emergency", "Police", "113", "", "", "", False, dt.date(2026, 11, 1),
        "locales/fr/contacts-LU.toml", 1, verified_by="check-1",
        verified_method="phone call", verified_what=("number",),
    )  # fmt: skip
    fields = {
        "verified_by": changes.pop("verified_by", "check-1"),
        "verified_method": changes.pop("verified_method", "phone call"),
    }
    contact = dataclasses.replace(contact, **fields)
    key = changes.pop("key", service_key)
    facts = Facts(
        "a" * 40,
        CommitSignature(key, "" if key else "is not signed"),
        changes.pop("verifiers", ("check-1",)),
        roster,
    )
    country = str(changes.pop("country", "LU"))
    today = changes.pop("today", dt.date(2026, 12, 1))
    assert not changes
    return judge(contact, [facts], roster, country, today, 365)


def test_the_gate_trusts_only_a_check_signed_for_its_verifier(tmp_path: Path) -> None:
    keys = Keyring(tmp_path / "keys")
    assert judged(tmp_path) == ""
    assert judged(tmp_path, key=keys.public("check-1").rsplit(" ", 1)[0]) == ""  # their own key
    assert "by hand: no recorded check" in judged(tmp_path, verified_method="")
    assert "is not signed; only a check recorded" in judged(tmp_path, key=None)
    assert "not for check-1" in judged(tmp_path, verifiers=("check-2",))
    assert "may not sign for contact verifiers" in judged(tmp_path, may_sign_for=["language"])
    assert "does not verify contacts for LU" in judged(
        tmp_path, verified_by="check-2", verifiers=("check-2",)
    )
    assert "check-1 does not verify contacts for BE" in judged(tmp_path, country="BE")
    assert judged(tmp_path, country="") == ""  # an edition without a country: any verifier
    assert "older than 365 days" in judged(tmp_path, today=dt.date(2027, 11, 2))
    stranger = keys.public("stranger").rsplit(" ", 1)[0]
    assert "a key the roster does not know" in judged(tmp_path, key=stranger)


def test_a_commit_that_fails_leaves_no_half_written_file(team: tuple[Repo, Remote]) -> None:
    repo, _remote = team
    project = Project(repo.root)
    broken = ServiceSigning(repo.root.parent / "no-such-key")
    translator = load_panel(repo.root).by_id("tr-1")
    verifier = load_panel(repo.root).by_id("check-1")
    assert translator is not None and verifier is not None
    text, _base = download(project, "fr", Document.parse(DOC))
    files = [("m.po", edited(text, {WRITE: "Noter ses paroles."}))]
    po, contacts = repo.po.read_bytes(), (repo.root / "locales/fr/contacts-LU.toml").read_bytes()
    with pytest.raises(EqualcityError, match="service key"):
        upload.commit(project, "fr", "01-test", files, translator, broken)
    edition = load_release(project).edition("fr-LU")
    with pytest.raises(EqualcityError, match="service key"):
        record(project, edition, "emergency", verifier, Check(("number",), "phone call"), broken)
    assert repo.git.git.status("--porcelain") == ""
    assert repo.po.read_bytes() == po
    assert (repo.root / "locales/fr/contacts-LU.toml").read_bytes() == contacts


# -- the translators' and verifiers' pages in their own languages ------------------------------

ARABIC_TRANSLATOR = """
[[reviewer]]
id = "tr-ar"
email = "tr-ar@panel.example.org"
languages = ["ar"]
role = "translator"
"""


@pytest.fixture
def speaking(tmp_path: Path) -> tuple[Repo, Remote]:
    """``team`` with the service's words in every language and an Arabic translator."""
    return make_team(tmp_path, ARABIC_TRANSLATOR, words=True)


def signed_in_page(
    browser: Browser, base: str, state: State, who: str, locale: str, width: int
) -> tuple[Page, list[str]]:
    """A page of a browser that prefers ``locale``, ``width`` px wide, signed in as ``who``;
    and the list its console errors go to."""
    page = browser.new_page(locale=locale, viewport={"width": width, "height": 900})
    page.set_default_timeout(15_000)
    errors = console_errors(page)
    page.context.add_cookies(
        [{"name": "equalcity-session", "value": state.new_session(who), "url": base}]
    )
    return page, errors


def measured(page: Page, found: dict[str, list[str]], name: str) -> None:
    """axe-core's serious and critical findings and any sideways scrolling of ``page``."""
    found[name] = axe_violations(page)
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 0:
        found[name] = [*found[name], f"{wide} px wider than the window"]


def plain(text: str) -> str:
    """``text`` without the Unicode isolates that keep each value's direction in Arabic."""
    return text.replace("\u2068", "").replace("\u2069", "")


def check_upload(page: Page, path: Path) -> None:
    """Upload ``path`` on the Arabic page of module 01-test (the page also lists module ui)."""
    module = page.get_by_role("region", name="العربية · 01-test")
    module.locator("input[type=file]").set_input_files(str(path))
    module.get_by_role("button", name="التحقق من الملفات المرفوعة").click()


def test_an_arabic_translator_uploads_in_arabic_right_to_left(
    speaking: tuple[Repo, Remote], tmp_path: Path
) -> None:
    _repo, remote = speaking
    left: dict[str, list[str]] = {}
    found: dict[str, list[str]] = {}
    with service(remote, "service") as (base, state), chromium() as browser:
        text = httpx.get(
            f"{base}/api/translate/ar/01-test",
            params={"doc": "module"},
            headers=bearer(state, "tr-ar"),
        ).text
        good, wrong, same = tmp_path / "good.po", tmp_path / "wrong.po", tmp_path / "same.po"
        good.write_bytes(edited(text, {WRITE: "دوِّن ما تقوله، بكلماتها هي."}))
        wrong.write_bytes(text.replace("Language: ar", "Language: fr").encode())
        same.write_text(text, encoding="utf-8")
        for width in (1280, 390):
            # The browser asks for English: the roster's language (ar) decides.
            page, errors = signed_in_page(browser, base, state, "tr-ar", "en-GB", width)
            page.goto(f"{base}/translate")
            assert page.evaluate("[document.documentElement.lang, document.dir]") == ["ar", "rtl"]
            assert page.get_by_role("heading", name="ترجماتك", exact=True).is_visible()
            page.get_by_label("الغرض من رمز الوصول").fill("الحاسوب")
            page.get_by_role("button", name="إنشاء رمز وصول").click()
            assert "(لم يُستخدم قط)" in page.locator("main").inner_text()
            left[f"/translate {width}"] = english_left(page)
            measured(page, found, f"/translate {width}")

            # A file of another language: refused in Arabic, with the file and line.
            check_upload(page, wrong)
            refusal = plain(page.get_by_role("alert").inner_text())
            assert "wrong.po، السطر" in refusal, refusal
            assert "هذا الملف بلغة «fr» لا بلغة «ar»: يُرجى رفعه في صفحة لغته" in refusal, refusal
            assert page.evaluate("document.dir") == "rtl"
            left[f"refused {width}"] = english_left(page)
            measured(page, found, f"refused {width}")

            # A file with nothing new: the preview says so in Arabic, and offers no saving.
            page.goto(f"{base}/translate")
            check_upload(page, same)
            nothing = "لا شيء يتغيّر: تحتوي الملفات المرفوعة على الترجمات الموجودة في المستودع"
            shown = page.locator("#refusal").inner_text()
            assert shown == f"لم يُحفَظ أي شيء: \u2068{nothing}\u2069"  # the reason isolated
            assert page.get_by_role("button", name="حفظ هذه الترجمات").count() == 0

            # The real work: the diff in Arabic words, the English source marked English.
            page.goto(f"{base}/translate")
            check_upload(page, good)
            assert page.evaluate("[document.documentElement.lang, document.dir]") == ["ar", "rtl"]
            headings = [plain(h) for h in page.locator("h2").all_inner_texts()]
            assert "ما سيتغيّر (1)" in headings, headings
            headers = page.locator("#changes th").all_inner_texts()
            assert headers == ["المستند", "الإنجليزية", "قبل", "بعد"]
            source = page.locator("#changes td[lang=en]")
            assert source.inner_text() == WRITE and source.get_attribute("dir") == "ltr"
            after = page.locator("#changes tr td:nth-child(4) span[lang=ar]")
            assert after.inner_text() == "دوِّن ما تقوله، بكلماتها هي."
            assert after.get_attribute("dir") == "rtl"
            left[f"preview {width}"] = english_left(page)
            measured(page, found, f"preview {width}")
            if width == 390:
                screenshot(page, "translator-upload-diff-ar")
                with page.expect_navigation(url=f"{base}/translate"):
                    page.get_by_role("button", name="حفظ هذه الترجمات").click()
                saved = page.get_by_role("status").first.inner_text()
                assert saved.startswith("حُفِظت الترجمات: عددها \u20681\u2069"), saved
                left[f"saved {width}"] = english_left(page)
            # Only the refusals' answers (400, 422) are logged: no script error on any page.
            assert [e for e in errors if not re.search("status of 4(00|22)", e)] == []
            page.close()
    assert remote_po_ar(remote).index()[(None, WRITE)].msgstr == "دوِّن ما تقوله، بكلماتها هي."
    assert {name: words for name, words in left.items() if words} == {}
    assert {name: v for name, v in found.items() if v} == {}


def remote_po_ar(remote: Remote) -> Catalog:
    return read_po_text(remote.git("show", "HEAD:locales/ar/01-test/module.po"))


def test_a_verifier_records_a_check_in_portuguese(speaking: tuple[Repo, Remote]) -> None:
    _repo, remote = speaking
    left: dict[str, list[str]] = {}
    found: dict[str, list[str]] = {}
    with service(remote, "service") as (base, state), chromium() as browser:
        for width in (1280, 390):
            # A verifier's roster entry names countries, not languages: the browser decides.
            page, errors = signed_in_page(browser, base, state, "check-1", "pt-PT", width)
            page.goto(f"{base}/verify")
            assert page.evaluate("[document.documentElement.lang, document.dir]") == ["pt", "ltr"]
            assert page.get_by_role("heading", name="Verificação dos contactos").is_visible()
            left[f"/verify {width}"] = english_left(page)
            measured(page, found, f"/verify {width}")
            page.get_by_role("link", name="fr-LU").click()
            card = page.locator("#contact-emergency")
            # The contact's own text is the French edition's, marked so.
            assert card.locator("h2 span[lang=fr]").inner_text() == "Police grand-ducale"
            left[f"/verify/fr-LU {width}"] = english_left(page)
            measured(page, found, f"/verify/fr-LU {width}")
            if width == 1280:
                assert "Última verificação: nunca verificado" in card.inner_text()
                card.get_by_label("número").check()
                card.get_by_label("horário").check()
                card.get_by_label("chamada telefónica").check()
                with page.expect_navigation(url=f"{base}/verify/fr-LU"):
                    card.get_by_role(
                        "button", name="Registar a minha verificação de emergency"
                    ).click()
                status = page.get_by_role("status").first.inner_text()
                assert status == (
                    "Registado: verificou emergency (chamada telefónica: número, horário)."
                )
                left[f"recorded {width}"] = english_left(page)
            today = dt.date.today().isoformat()
            assert (
                f"Última verificação: verificado em {today} por check-1 (chamada telefónica: "
                "número, horário) — conta para a publicação"
            ) in page.locator("#contact-emergency").inner_text()
            assert errors == []
            page.close()
    assert "Verifier: check-1" in remote.git("log", "-1", "--format=%B")
    assert {name: words for name, words in left.items() if words} == {}
    assert {name: v for name, v in found.items() if v} == {}


def test_a_translation_that_drops_a_field_falls_back_to_english(tmp_path: Path) -> None:
    """A refusal is a label like any other: its Arabic that lost ``{locale}`` is not used (the
    'ui-field' check names the line), the English sentence is."""
    repo = with_catalogue(build(tmp_path / "toolbox"))
    po = repo.root / "locales/ar/ui/review-page.po"
    text = po.read_text(encoding="utf-8")
    whole = "هذا الملف بلغة «{language}» لا بلغة «{locale}»: يُرجى رفعه في صفحة لغته"
    assert whole in text
    po.write_text(
        text.replace(whole, "هذا الملف بلغة «{language}»: يُرجى رفعه في صفحة لغته"), "utf-8"
    )
    texts = Catalogues(Project(repo.root)).texts("ar")
    assert texts("refused_language", language="fr", locale="ar") == (
        "this file is in '\u2068fr\u2069', not '\u2068ar\u2069': upload it on the page of its "
        "own language"
    )
    assert texts("refused_zip_empty") == "لا يضم ملف zip أي ملف PO"
    findings = repo("check", code=1)
    assert re.search(r"locales/ar/ui/review-page\.po:\d+: error ui-field", findings), findings
