"""The review service's own words in the reviewer's language (en, fr, de, pt, ar; Arabic right
to left), through the project's UI catalogue ``source/ui/review-page.md`` and its PO files —
checked in real Chromium against the English catalogue, with axe-core and a 390 px phone."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest

from equalcity.po.catalog import read_po
from equalcity.release.ui import parse_catalogue
from equalcity.repository.project import Project
from equalcity.web.i18n import CATALOGUE, ENGLISH, Catalogues, choose, fields
from tests.browser import axe_violations, chromium, console_errors, screenshot
from tests.repos import Repo
from tests.sites import CALL, SURVIVOR
from tests.web.test_service import (
    Remote,
    arabic_reviewer_site,
    make_remote,
    service,
    virtual_authenticator,
)

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "de", "pt", "ar")


def with_catalogue(repo: Repo) -> Repo:
    """The project's own UI catalogue and its translations, committed in ``repo``."""
    source = f"source/{CATALOGUE.module}/{CATALOGUE.name}.md"
    (repo.root / source).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / source, repo.root / source)
    for code in LANGUAGES:
        po = f"locales/{code}/{CATALOGUE.module}/{CATALOGUE.name}.po"
        (repo.root / po).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / po, repo.root / po)
    repo("extract")
    repo.as_("maintainer@example.org").commit_all("The review page's words")
    return repo


@pytest.fixture
def site(tmp_path: Path) -> Repo:
    return with_catalogue(arabic_reviewer_site(tmp_path))


@pytest.fixture
def remote(site: Repo, tmp_path: Path) -> Remote:
    return make_remote(site, tmp_path)


def test_the_catalogue_is_the_pages_list_of_words_and_every_language_has_them_all() -> None:
    english = parse_catalogue((ROOT / "source/ui/review-page.md").read_text("utf-8"))
    assert english == ENGLISH
    catalogues = Catalogues(Project(ROOT))
    assert catalogues.available() == ["en", "ar", "de", "fr", "pt"]
    for code in LANGUAGES:
        po = read_po(ROOT / f"locales/{code}/ui/review-page.po")
        done = {m.msgid for m in po.active if m.translated}
        assert set(ENGLISH.values()) <= done, code
        texts = catalogues.texts(code)
        assert texts.dir == ("rtl" if code == "ar" else "ltr")
        shown = {
            key: texts(key, **dict.fromkeys(fields(label), "X")) for key, label in ENGLISH.items()
        }
        assert shown["approve"] != ENGLISH["approve"] and "X" in shown["entries_count"]


def test_the_language_is_the_choice_then_the_roster_then_the_browser() -> None:
    offered = ["en", "ar", "de", "fr", "pt"]
    assert choose("", ("ar",), "fr-FR,fr;q=0.9", offered) == "ar"
    assert choose("de", ("ar",), "fr", offered) == "de"
    assert choose("", (), "pt-PT,pt;q=0.9,en;q=0.8", offered) == "pt"
    assert choose("", ("*",), "", offered) == "en"
    assert choose("xx", ("sw",), "sw-KE", offered) == "en"


def english_left(page: object) -> list[str]:
    """English words of the page's own catalogue still on the page: its visible text and the
    texts it gives assistive technology and scripts, leaving out what is content in another
    language (elements marked with their own ``lang``: the source, glossary definitions)."""
    found = page.evaluate(  # type: ignore[attr-defined]
        """() => {
          const copy = document.documentElement.cloneNode(true);
          const root = document.documentElement.lang;
          copy.querySelectorAll("[lang]").forEach((e) => {
            if (e !== copy && !e.lang.startsWith(root)) e.remove();
          });
          copy.querySelectorAll("script, style").forEach((e) => e.remove());
          const texts = [copy.querySelector("body").textContent, document.title];
          copy.querySelectorAll("*").forEach((e) => {
            for (const name of ["aria-label", "title", "placeholder", "alt",
                                "data-working", "data-failed", "data-empty"]) {
              if (e.hasAttribute(name)) texts.push(e.getAttribute(name));
            }
          });
          return texts.join("\\n");
        }"""
    )
    left = []
    for key, label in ENGLISH.items():
        for piece in re.split(r"\{[a-z_]+\}", label):
            piece = piece.strip(" .,:;()“”—-")
            if re.search(r"[A-Za-z]{2,}", piece) and re.search(
                rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", found
            ):
                left.append(f"{key}: {piece!r}")
    return left


def test_arabic_pages_are_right_to_left_with_no_english_of_their_own(
    site: Repo, remote: Remote
) -> None:
    with service(remote, "service") as (base, state), chromium() as browser:
        # Before sign-in the browser's Accept-Language decides.
        page = browser.new_page(locale="ar", viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        errors = console_errors(page)
        virtual_authenticator(page)
        found: dict[str, list[str]] = {}
        invitation = state.invite("rev-3")
        for path in ("/signin", "/invite/unknown-link", f"/invite/{invitation}"):
            page.goto(base + path)
            assert page.evaluate("[document.documentElement.lang, document.dir]") == ["ar", "rtl"]
            found[path] = english_left(page)
        with page.expect_navigation(url=f"{base}/"):
            page.get_by_role("button", name="إنشاء مفتاح المرور").click()

        # Signed in, rev-3's roster language decides, whatever the browser says.
        english = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        token = state.new_session("rev-3")
        english.context.add_cookies([{"name": "equalcity-session", "value": token, "url": base}])
        english.goto(f"{base}/review/ar/01-test?show=all")
        assert english.evaluate("document.dir") == "rtl"
        english.close()

        page.goto(f"{base}/review/ar/01-test")
        call = page.locator(f"#entry-{site.entry_id(CALL)}")
        # Values sit in Unicode isolates, so "01-test" stays "01-test" inside Arabic.
        needs = call.locator(".badges").inner_text().replace("\u2068", "").replace("\u2069", "")
        assert (
            "عدد الموافقات المطلوبة: 2، منها موافقة من مختص في الموضوع — لا شيء حتى الآن" in needs
        )
        with page.expect_navigation():
            page.locator(f"#entry-{site.entry_id(SURVIVOR)}").get_by_role(
                "button", name="موافقة"
            ).click()
        assert "تمت الموافقة على المُدخل" in page.get_by_role("status").inner_text()
        found["/review/ar/01-test"] = english_left(page)
        # The page is laid out right to left, not just its text: the entry's state border and
        # the signed-in name sit on the right.
        entry = page.locator("article.entry").first
        assert entry.evaluate("e => getComputedStyle(e).borderRightWidth") == "6px"
        screenshot(page, "service-review-ar")
        for path in ("/review/ar/01-test?show=all", "/account", "/review/ar/99-nothing"):
            page.goto(base + path)
            assert page.evaluate("document.dir") == "rtl"
            found[path] = english_left(page)
        assert "لا توجد وحدة \u206899-nothing\u2069" in page.content()

        # The reviewer's own choice beats the roster, and is kept.
        page.goto(f"{base}/review/ar/01-test")
        page.get_by_label("لغة هذه الصفحة").select_option("fr")
        with page.expect_navigation():
            page.get_by_role("button", name="تغيير").click()
        assert page.url.startswith(f"{base}/review/ar/01-test")
        assert page.evaluate("[document.documentElement.lang, document.dir]") == ["fr", "ltr"]
        assert page.get_by_role("heading", name="Raccourcis clavier").is_visible()
        assert [e for e in errors if "404" not in e] == []
    assert {path: left for path, left in found.items() if left} == {}


def test_the_language_menu_goes_back_only_to_this_site(site: Repo, remote: Remote) -> None:
    with service(remote, "service") as (base, _state):
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            answer = httpx.get(f"{base}/language", params={"lang": "ar", "next": target})
            assert answer.status_code == 303 and answer.headers["location"] == "/"
        answer = httpx.get(f"{base}/language", params={"lang": "<script>", "next": "/signin"})
        assert answer.headers["location"] == "/signin" and "set-cookie" not in answer.headers


def test_every_page_passes_axe_in_english_and_arabic_and_fits_a_phone(
    site: Repo, remote: Remote
) -> None:
    found: dict[str, list[str]] = {}
    widths: dict[str, int] = {}
    with service(remote, "service") as (base, state), chromium() as browser:
        for language, reviewer in (("en", "rev-1"), ("ar", "rev-3")):
            for width in (1280, 390):
                page = browser.new_page(locale=language, viewport={"width": width, "height": 900})
                invitation = state.invite(reviewer)
                for path in ("/signin", f"/invite/{invitation}", "/invite/unknown-link"):
                    page.goto(base + path)
                    found[f"{language} {width} {path}"] = axe_violations(page)
                    widths[f"{language} {width} {path}"] = page.evaluate(
                        "document.documentElement.scrollWidth"
                    )
                token = state.new_session(reviewer)
                page.context.add_cookies(
                    [
                        {"name": "equalcity-session", "value": token, "url": base},
                        # rev-1 reviews French: English is a choice on the page.
                        {"name": "equalcity-lang", "value": language, "url": base},
                    ]
                )
                locale = "fr" if language == "en" else "ar"
                for path in (
                    "/",
                    f"/review/{locale}/01-test?show=all",
                    f"/review/{locale}/ui?show=all",
                    "/account",
                    f"/review/{locale}/99-nothing",
                ):
                    page.goto(base + path)
                    assert page.evaluate("document.documentElement.lang") == language
                    found[f"{language} {width} {path}"] = axe_violations(page)
                    widths[f"{language} {width} {path}"] = page.evaluate(
                        "document.documentElement.scrollWidth"
                    )
                if width == 390:
                    screenshot(page, f"service-phone-{language}")
                page.close()
    bad = {path: v for path, v in found.items() if v}
    assert bad == {}, json.dumps(bad, indent=1)
    wide = {path: w for path, w in widths.items() if w > int(path.split()[1])}
    assert wide == {}, wide
