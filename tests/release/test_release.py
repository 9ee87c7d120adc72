"""Release bundles: editions, gates, contacts, HTML/PDF/Markdown, reproducibility, cache, notes."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import git
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalcity.po.catalog import read_po, write_po_files
from equalcity.release.html import render_markdown, sanitise
from tests.conftest import DATA
from tests.repos import Repo

RELEASE = DATA / "release"
DOCS = ["01-basics/module", "01-basics/annex", "02-safety/module"]
UI_DOC = "ui/page-furniture"  # the labels of the pages, translated and reviewed like the text


class Toolbox(Repo):
    """A content repository with French (complete, approved) and Arabic (partial) translations."""

    def translate(self, language: str, table: dict[str, str]) -> None:
        for doc in [*DOCS, UI_DOC]:
            po = self.root / "locales" / language / f"{doc}.po"
            catalog = read_po(po)
            for message in catalog.active:
                if message.msgid in table:
                    message.msgstr = table[message.msgid]
            write_po_files([(po, catalog, str(po))])

    def approve(self, language: str) -> None:
        self.as_(f"rev-{language}@panel.example.org")
        for doc in [*DOCS, UI_DOC]:
            self("review", "approve", "-l", language, "--doc", doc, "--all")
        self.as_("maintainer@example.org")

    def release(self, *args: str, code: int = 0) -> str:
        return self("release", "--out", str(self.root / "dist"), *args, code=code)

    def files(self, edition: str) -> dict[str, str]:
        """Every file of dist/<edition>/ → its SHA-256."""
        folder = self.root / "dist" / edition
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }


def make_toolbox(root: Path) -> Toolbox:
    shutil.copytree(RELEASE / "source", root / "source")
    (root / "workflows").mkdir(parents=True)
    shutil.copy(RELEASE / "contacts.toml", root / "source/contacts.toml")
    shutil.copy(RELEASE / "release.toml", root / "workflows/release.toml")
    (root / ".gitignore").write_text("dist/\n.cache/\n", encoding="utf-8")
    box = Toolbox(root).as_("maintainer@example.org")
    panel = box.keyed((RELEASE / "panel.toml").read_text(encoding="utf-8"))
    (root / "workflows/panel.toml").write_text(panel, encoding="utf-8")
    box("extract")
    box("init", "fr")
    box("init", "ar")
    # The contacts come without their checks; the verifier records them, signed with their
    # own key (the release gate trusts no date typed in an unsigned commit).
    lu = root / "locales/fr/contacts-LU.toml"
    contacts = root / "source/contacts.toml"
    checked = {path: path.read_bytes() for path in (contacts,)}
    checked[lu] = (RELEASE / "contacts-LU.toml").read_bytes()
    for path, data in checked.items():
        path.write_bytes(re.sub(rb"(?m)^verified(_\w+)? = .*\n", b"", data))
    box.commit_all("Toolbox, French and Arabic")
    box.as_("rev-check-lu@panel.example.org")
    for path, data in checked.items():
        path.write_bytes(data)
    box.commit_all("Contact checks")  # signed by rev-check-lu's key
    box.as_("maintainer@example.org")
    box.as_("translator@example.org")
    box.translate("fr", json.loads((RELEASE / "fr.json").read_text(encoding="utf-8")))
    box.translate("ar", json.loads((RELEASE / "ar.json").read_text(encoding="utf-8")))
    box.commit_all("Translate")
    box.approve("fr")
    return box.as_("maintainer@example.org")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Toolbox:
    """One toolbox whose editions are built once (the expensive part) for read-only tests."""
    box = make_toolbox(tmp_path_factory.mktemp("built") / "toolbox")
    verify_helpline(box)
    box.release("--no-cache")
    return box


@pytest.fixture
def box(tmp_path: Path) -> Toolbox:
    return make_toolbox(tmp_path / "toolbox")


def verify_helpline(box: Toolbox) -> None:
    """The source's example helpline is replaced for fr-LU by a verified one; commit it."""
    box.commit_all("Verified contacts") if box.git.is_dirty(untracked_files=True) else None


# -- gates -----------------------------------------------------------------------------------


def test_official_edition_is_built_from_approved_text(built: Toolbox) -> None:
    folder = built.root / "dist/fr-LU"
    page = (folder / "html/01-basics/module.html").read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr">' in page
    assert "Croyez-la, et dites-lui que la violence n’est pas de sa faute." in page
    assert "preview" not in page.split("<body", 1)[1].split(">", 1)[0]
    assert "<mark" not in page
    # the edition's own contact, not the source's example
    assert "Ligne d’écoute pour femmes" in page or "Ligne d'écoute pour femmes" in page
    assert 'href="tel:+352123456"' in page
    markdown = (folder / "markdown/02-safety/module.md").read_text(encoding="utf-8")
    assert "appelez Emergency services ([112](tel:112))." in markdown
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["edition"] == "fr-LU" and manifest["preview"] is False
    assert manifest["commit"] == built.git.head.commit.hexsha
    assert manifest["version"] == "1.2.0"
    assert manifest["totals"]["fallback"] == 0
    assert manifest["totals"]["approved"] == manifest["totals"]["strings"] > 0
    assert all(doc["reviewers"] == ["rev-fr"] for doc in manifest["documents"])
    contacts = {c["id"]: c for c in manifest["contacts"]}
    assert contacts["helpline"]["verified"] == "2026-11-01"
    assert contacts["helpline"]["from"] == "locales/fr/contacts-LU.toml"
    assert contacts["emergency"]["from"] == "source/contacts.toml"


def test_checksums_and_zip_cover_the_bundle(built: Toolbox) -> None:
    folder = built.root / "dist/fr-LU"
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
    assert set(listed) == {
        "manifest.json",
        "html/index.html",
        "html/style.css",
        *(f"html/{d}.html" for d in DOCS),
        *(f"markdown/{d}.md" for d in DOCS),
        "pdf/01-basics.pdf",
        "pdf/02-safety.pdf",
        "html/referral-card.html",
        "pdf/referral-card-a4.pdf",
        "pdf/referral-card-a6.pdf",
        "pdf/referral-card-a6-fold.pdf",
    }
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    archive = folder / "equalcity-fr-LU-1.2.0.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert names == sorted(names)
        assert {n.removeprefix("fr-LU/") for n in names} == {*listed, "SHA256SUMS"}
        assert {info.date_time for info in zipped.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zipped.read("fr-LU/manifest.json") == (folder / "manifest.json").read_bytes()
    everything = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert str(built.root).encode() not in everything  # no machine paths


def test_blocked_edition_writes_nothing_and_says_why(box: Toolbox) -> None:
    # Arabic as an official edition: partly translated, unapproved; the source helpline is an
    # example; an uncommitted change in the language's files.
    release_toml = box.root / "workflows/release.toml"
    release_toml.write_text(
        release_toml.read_text(encoding="utf-8").replace("preview = true", "preview = false"),
        encoding="utf-8",
    )
    box.commit_all("Arabic official")
    (box.root / "locales/ar/notes.txt").write_text("draft", encoding="utf-8")
    output = box.release("--edition", "ar", code=1)
    assert "ar: blocked" in output
    assert re.search(
        r"coverage\s+locales/ar/\s+0\.0% of strings approved \(0/27\), needs 100%", output
    )
    assert re.search(r"contact\s+source/contacts.toml:\d+\s+helpline: an example", output)
    assert re.search(r"tree\s+locales/ar/notes.txt\s+uncommitted change", output)
    assert not re.search(r"contact +\S+ +emergency", output)  # checked recently: no blocker
    assert "emergency: checked 2026-10-01 by rev-check-lu" in output  # in the table of checks
    assert not (box.root / "dist/ar").exists()


def test_stale_contact_blocks(box: Toolbox) -> None:
    lu = box.root / "locales/fr/contacts-LU.toml"
    lu.write_text(
        lu.read_text(encoding="utf-8").replace("2026-11-01", "2020-01-01"), encoding="utf-8"
    )
    box.as_("rev-check-lu@panel.example.org").commit_all("Old verification")  # signed
    output = box.release("--edition", "fr-LU", code=1)
    assert re.search(
        r"contact\s+locales/fr/contacts-LU.toml:1\s+helpline: verified 2020-01-01, older than "
        r"365 days",
        output,
    ), output


def test_a_date_typed_in_an_unsigned_commit_is_no_check(box: Toolbox) -> None:
    # The attack: freshen a stale check by editing the date, without the verifier.
    lu = box.root / "locales/fr/contacts-LU.toml"
    lu.write_text(
        lu.read_text(encoding="utf-8").replace("2026-11-01", "2026-12-01"), encoding="utf-8"
    )
    box.commit_all("Checked again")  # maintainer@: an unsigned commit
    sha = box.git.head.commit.hexsha[:10]
    output = box.release("--edition", "fr-LU", "--as-of", "2026-12-02", code=1)
    [line] = [x for x in output.splitlines() if "helpline:" in x and "contact " in x]
    assert re.search(
        rf"contact\s+locales/fr/contacts-LU.toml:1\s+helpline: verified 2026-12-01: commit "
        rf"{sha} is not signed; only a check recorded through the service, or signed by the "
        "verifier's own key, counts$",
        line,
    ), output
    # The gate's table shows what each check says, and that this one does not count.
    assert "helpline: checked 2026-12-01 by rev-check-lu (phone call: number, hours) (does " in (
        output
    )
    assert "emergency: checked 2026-10-01 by rev-check-lu (official web page https://112.lu/: "
    assert not (box.root / "dist/fr-LU").exists()


def test_check_errors_block_an_official_release(box: Toolbox) -> None:
    po = box.root / "locales/fr/02-safety/module.po"
    catalog = read_po(po)
    for message in catalog.active:
        if message.msgid.startswith("If she is in danger"):
            message.msgstr = "Si elle est en danger, appelez la police."  # placeholder lost
    write_po_files([(po, catalog, str(po))])
    box.as_("translator@example.org").commit_all("Lose a placeholder")
    box.approve("fr")
    output = box.release("--edition", "fr-LU", code=1)
    assert re.search(r"check\s+locales/fr/02-safety/module.po:\d+\s+placeholder: ", output)


def test_preview_marks_unapproved_and_fallback_text(built: Toolbox) -> None:
    folder = built.root / "dist/ar"
    page = (folder / "html/01-basics/module.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert 'class="preview-banner"' in page
    assert '<mark class="unapproved"' in page and "صدّقيها" in page
    assert '<a href="tel:+00000000001" dir="ltr"' in page  # the number is not reversed
    # untranslated text falls back to English, marked and laid out as English
    assert re.search(r'<mark class="fallback" title="[^"]+" lang="en" dir="ltr">Step</mark>', page)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["preview"] is True
    assert manifest["totals"]["unapproved_shown"] == 6
    assert manifest["totals"]["approved"] == 0
    assert (folder / "equalcity-ar-1.2.0-preview.zip").exists()
    # the Markdown has no marks
    assert "\u2e28" not in (folder / "markdown/01-basics/module.md").read_text(encoding="utf-8")


def test_unresolved_contact_is_an_error(box: Toolbox) -> None:
    source = box.root / "source/02-safety/module.md"
    source.write_text(
        source.read_text(encoding="utf-8") + "\nCall {{contact:nowhere}} too.\n", encoding="utf-8"
    )
    box.commit_all("Unknown contact")
    output = box("release", "--out", "dist", "--edition", "ar", code=2)
    assert (
        "equalcity: source/02-safety/module.md:16: {{contact:nowhere}} is defined in no" in output
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[edition.fr-LU\n", "workflows/release.toml:1: not valid TOML"),
        ("[edition.fr-LU]\nlanguage = 'xx'\n", "no language folder locales/xx/"),
        ("[edition.fr-LU]\nminimum = 1\n", "unknown setting 'minimum'"),
        ("[edition.fr-LU]\nmin_coverage = 2\n", "min_coverage is a share between 0 and 1"),
    ],
)
def test_bad_release_settings(box: Toolbox, content: str, message: str) -> None:
    (box.root / "workflows/release.toml").write_text(content, encoding="utf-8")
    output = box("release", "--out", "dist", code=2)
    assert message in output and output.count("\n") == 1


def test_unknown_edition(box: Toolbox) -> None:
    output = box("release", "--out", "dist", "--edition", "fr-BE", code=2)
    assert "no edition 'fr-BE' (editions: fr-LU, ar)" in output


# -- sanitising ------------------------------------------------------------------------------


def test_script_in_a_translation_never_reaches_a_page(box: Toolbox) -> None:
    po = box.root / "locales/ar/01-basics/module.po"
    catalog = read_po(po)
    for message in catalog.active:
        if message.msgid == "Listen without judging.":
            message.msgstr = '<script>alert("x")</script><img src=x onerror="alert(1)"> استمعي'
        if message.msgid == "Then":
            message.msgstr = '[انقري](javascript:alert(1)) <a href="#" onclick="alert(2)">هنا</a>'
    write_po_files([(po, catalog, str(po))])
    box.commit_all("Hostile translation")
    box.release("--edition", "ar", "--preview")
    for page in (box.root / "dist/ar/html").rglob("*.html"):
        parser = Elements()
        parser.feed(page.read_text(encoding="utf-8"))
        assert "script" not in parser.tags
        for tag, name, value in parser.attributes:
            assert not name.startswith("on"), (tag, name)
            assert not value.strip().lower().startswith("javascript:"), (tag, name)
    html = (box.root / "dist/ar/html/01-basics/module.html").read_text("utf-8")
    assert "&lt;script&gt;alert(" in html and "استمعي" in html  # shown as text, inert
    markdown = (box.root / "dist/ar/markdown/01-basics/module.md").read_text("utf-8")
    assert "<script" not in markdown and "&lt;script>" in markdown


class Elements(HTMLParser):
    """Every element and attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def test_sanitiser_keeps_markdown_and_drops_the_rest() -> None:
    page = render_markdown(
        "# T\n\n**b** [l](https://e.org) <b onclick=x>y</b><style>p{}</style>", "en"
    )
    assert "<strong>b</strong>" in page.body
    assert '<a href="https://e.org" rel="noopener noreferrer">l</a>' in page.body
    assert "onclick" not in page.body and "<style" not in page.body and "p{}" not in page.body
    assert sanitise('<p style="color:red">x</p>') == "<p>x</p>"


# -- reproducibility and cache ---------------------------------------------------------------


def test_two_releases_of_one_commit_are_byte_identical(box: Toolbox, tmp_path: Path) -> None:
    box.release("--edition", "fr-LU", "--no-cache")
    first = box.files("fr-LU")
    shutil.rmtree(box.root / "dist")
    # a clone elsewhere, built at another time, gives the same bytes
    clone = git.Repo.clone_from(box.root, tmp_path / "elsewhere")
    clone.close()
    other = Toolbox(tmp_path / "elsewhere")
    other("release", "--out", str(other.root / "dist"), "--edition", "fr-LU", "--no-cache")
    assert other.files("fr-LU") == first
    box.release("--edition", "fr-LU", "--no-cache")
    assert box.files("fr-LU") == first


def test_second_release_comes_from_the_cache(box: Toolbox) -> None:
    first = box.release("--edition", "ar")
    assert "(from cache)" not in first
    files = box.files("ar")
    second = box.release("--edition", "ar")
    assert "ar: " in second and "(from cache)" in second
    assert box.files("ar") == files
    # a commit that changes another language leaves this edition's PDFs as they were
    other = box.root / "locales/fr/01-basics/annex.po"
    other.write_text(other.read_text("utf-8").replace("à l’écart", "tranquille"), "utf-8")
    box.commit_all("French wording")
    third = box.release("--edition", "ar")
    assert "(from cache)" not in third and "(4 PDFs unchanged, reused)" in third  # 2 + cards
    assert box.files("ar")["pdf/01-basics.pdf"] == files["pdf/01-basics.pdf"]
    manifest = json.loads((box.root / "dist/ar/manifest.json").read_text("utf-8"))
    assert manifest["commit"] == box.git.head.commit.hexsha  # the manifest names the new commit


# -- PDFs -------------------------------------------------------------------------------------


def test_pdfs_have_pages_with_content_and_fonts_for_the_script(
    built: Toolbox, tmp_path: Path
) -> None:
    from PIL import Image

    from tests.browser import SCREENSHOTS

    for edition, fonts in (("fr-LU", ["Noto-Sans"]), ("ar", ["Noto-Naskh-Arabic", "Noto-Sans"])):
        pdf = built.root / f"dist/{edition}/pdf/01-basics.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
        assert pages >= 3  # cover, module, annex
        embedded = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        for font in fonts:
            assert font in embedded, embedded
        prefix = tmp_path / edition
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
        images = sorted(tmp_path.glob(f"{edition}-*.png"))
        assert len(images) == pages
        for image in images:
            grey = Image.open(image).convert("L")
            ink = sum(grey.histogram()[:128]) / (grey.width * grey.height)
            assert ink > 0.002, f"{image.name} is blank ({ink:.4%} dark pixels)"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(images[1], SCREENSHOTS / f"release-{edition}-pdf-page-2.png")


def test_pdf_fonts_cover_latin_greek_cyrillic_arabic_ethiopic() -> None:
    from equalcity.release.pdf import render_pdf

    html = (
        "<html><head><style>body{font-family:'Noto Sans','Noto Naskh Arabic','Noto Sans "
        "Ethiopic',sans-serif}</style></head><body><p>Latin café</p><p>Ελληνικά</p>"
        "<p>Кириллица</p><p dir=rtl>العربية</p><p>ኢትዮጵያ</p></body></html>"
    )
    data = render_pdf(html)
    pdf = Path("/tmp") / f"equalcity-fonts-{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    pdf.write_bytes(data)
    try:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    finally:
        pdf.unlink()
    assert "Noto-Sans-Ethiopic" in fonts and "Noto-Naskh-Arabic" in fonts and "Noto-Sans" in fonts
    for word in ("café", "Ελληνικά", "Кириллица", "ኢትዮጵያ"):
        assert word in text


# -- release notes ---------------------------------------------------------------------------


def test_release_notes_since_a_tag(box: Toolbox) -> None:
    box.git.create_tag("v1.0")
    # a source change, a re-approval, a glossary concept, a contact change
    po = box.root / "locales/fr/01-basics/annex.po"
    catalog = read_po(po)
    for message in catalog.active:
        if message.msgid == "Find a private room.":
            message.msgstr = "Trouver une pièce où parler sans témoin."
    write_po_files([(po, catalog, str(po))])
    box.as_("translator@example.org").commit_all("Better wording")
    box.approve("fr")
    # someone records rev-fr's approval of another annex entry without rev-fr's key
    ledger = box.root / "locales/fr/reviews.jsonl"
    forged = json.loads(ledger.read_text("utf-8").splitlines()[0])
    forged["doc"], forged["key"] = "01-basics/annex", "0" * 16
    with ledger.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(forged) + "\n")
    box.as_("translator@example.org").commit_all("approve")
    (box.root / "glossary").mkdir()
    (box.root / "glossary/core.yaml").write_text(
        "- id: survivor\n  definition: d\n  source: s\n  terms:\n    en:\n      preferred: "
        "[survivor]\n    fr:\n      preferred: [survivante]\n",
        encoding="utf-8",
    )
    lu = box.root / "locales/fr/contacts-LU.toml"
    lu.write_text(lu.read_text("utf-8").replace("+352 12 34 56", "+352 65 43 21"), "utf-8")
    box.commit_all("Glossary and contact")
    notes = box("release", "notes", "--since", "v1.0", "--edition", "fr-LU")
    assert notes.startswith("# Release notes: v1.0 → ")
    assert "- 01-basics/annex: translation changed" in notes
    assert "- 01-basics/annex: 1 new or changed strings approved by rev-fr" in notes
    assert "; 1 decisions that do not count (unverified; 'equalcity check' says why)" in notes
    assert "01-basics/module:" not in notes.split("### Approvals")[1].split("###")[0]
    assert "- survivor: new concept (preferred: survivante)" in notes
    assert "- helpline (locales/fr/contacts-LU.toml): phone +352 12 34 56 → +352 65 43 21" in notes
    output = box("release", "notes", "--since", "v9", code=2)
    assert "no tag or commit 'v9'" in output


# -- in a real browser ------------------------------------------------------------------------


def test_pages_in_chromium_ltr_and_rtl(built: Toolbox) -> None:
    from tests.browser import chromium, console_errors, screenshot

    with chromium() as browser:
        for edition, lang, direction in (("fr-LU", "fr", "ltr"), ("ar", "ar", "rtl")):
            html = built.root / "dist" / edition / "html"
            pages = sorted(html.rglob("*.html"))
            assert len(pages) == 5  # index, three documents, the referral card
            for path in pages:
                page = browser.new_page()
                errors = console_errors(page)
                page.goto(path.as_uri())
                assert page.evaluate("document.documentElement.lang") == lang
                assert page.evaluate("document.documentElement.dir") == direction
                assert page.evaluate("getComputedStyle(document.body).direction") == direction
                assert page.locator("main").count() == 1 and page.locator("h1").count() == 1
                assert page.evaluate("document.styleSheets.length") == 1  # style.css loaded
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                    if not href.startswith("file://"):
                        continue
                    target, _, anchor = unquote(href.removeprefix("file://")).partition("#")
                    assert Path(target).is_file(), f"{path.name}: broken link {href}"
                    if anchor:
                        other = browser.new_page()
                        other.goto(Path(target).as_uri())
                        assert other.locator(f"[id='{anchor}']").count() == 1, href
                        other.close()
                assert errors == [], errors
                page.close()
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto((html / "01-basics/module.html").as_uri())
            testimony = page.locator("figure.testimony")
            assert testimony.count() == 1
            caption = testimony.locator("figcaption").text_content() or ""
            assert {"fr-LU": "Témoignage", "ar": "شهادة"}[edition] in caption
            assert testimony.locator("blockquote").count() == 1
            screenshot(page, f"release-{edition}")
            page.close()


@pytest.mark.e2e
def test_installed_command_releases_and_blocks(box: Toolbox) -> None:
    exe = shutil.which("equalcity")
    assert exe, "the equalcity command is not installed (pip install -e .)"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([exe, *args], cwd=box.root, capture_output=True, text=True)
        assert "Traceback" not in result.stderr
        return result

    done = run("release", "--out", "dist")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fr-LU: dist/fr-LU" in done.stdout and "ar: dist/ar" in done.stdout
    assert (box.root / "dist/fr-LU/equalcity-fr-LU-1.2.0.zip").is_file()
    assert (box.root / "dist/ar/equalcity-ar-1.2.0-preview.zip").is_file()
    again = run("release", "--out", "dist")
    assert again.stdout.count("(from cache)") == 2
    # the panel asks for a change: fr-LU is blocked until it is approved again
    box.as_("rev-fr@panel.example.org")
    box("review", "request-changes", "-l", "fr", "--doc", "02-safety/module", "--all",
        "--comment", "Say 'en danger immédiat'.")  # fmt: skip
    blocked = run("release", "--out", "dist", "--edition", "fr-LU")
    assert blocked.returncode == 1
    assert "coverage" in blocked.stdout and "needs 100%" in blocked.stdout
    preview = run("release", "--out", "dist", "--edition", "fr-LU", "--preview")
    assert preview.returncode == 0
    assert (box.root / "dist/fr-LU/equalcity-fr-LU-1.2.0-preview.zip").is_file()


HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>', "[x](javascript:alert(1))", "[x](JaVaScRiPt:x)",
        "<iframe src=//e.org></iframe>", "<style>*{}</style>", '<div style="x:url(j)">',
        '<a href="tel:1" onclick="x">', "&#106;avascript:", "<object data=x>", "<b>", "</b>",
        "<mark>", "</mark>", "\u2e28", "\u2e29", "\u2e26", "\u2e27", "<!--", "-->", "```", "`",
        "*", "_", "[", "](", ")", "<", ">", '"', "'", "\n", "\n\n", "> ", "- ", "1. ", "# ",
        "| a | b |\n|---|---|", "![i](javascript:x)", "<https://e.org>", "{{contact:x}}",
    ]
)  # fmt: skip


class Page(HTMLParser):
    """What a browser would act on: elements, attributes, and the depth of open marks."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "iframe", "object", "embed", "svg", "math", "form"}:
            self.problems.append(f"<{tag}>")
        self.marks += tag == "mark"
        for name, value in attrs:
            plain = "".join(ch for ch in (value or "") if ch > " ").lower()
            if name.startswith("on") or name == "srcdoc":
                self.problems.append(f"{tag} {name}")
            if name in {"href", "src"} and plain.split(":")[0] in {
                "javascript",
                "data",
                "vbscript",
            }:
                self.problems.append(f"{tag} {name}={value}")
            if name == "style" and not re.fullmatch(r"(text-align:\s*\w+;?\s*)?", value or ""):
                self.problems.append(f"{tag} style={value}")

    def handle_endtag(self, tag: str) -> None:
        self.marks -= tag == "mark"
        if self.marks < 0:
            self.problems.append("a </mark> without its <mark>")


# What a PO file can carry: the reader refuses control characters other than tab and newline.
PO_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters=[chr(c) for c in range(32)
                                                                  if c not in (9, 10)] + ["\x7f"]),
    max_size=12,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(HOSTILE, PO_TEXT), max_size=10).map("".join))
def test_no_translation_puts_active_content_on_a_page(msgstr: str) -> None:
    """Whatever a translator writes, the page has no script, handler, dangerous URL or stray
    mark — checked on the path a preview takes (Markdown escaping, marks, nh3)."""
    from equalcity.content.markdown import render_segments
    from equalcity.release.content import UNAPPROVED, neutralise_html, strip_marks

    marked = UNAPPROVED[0] + neutralise_html(strip_marks(msgstr)) + UNAPPROVED[1]
    source = "# Title\n\nA paragraph.\n\n- An item.\n\n| a | b |\n|---|---|\n| Cell | x |\n"
    parser = Page()
    page = render_markdown(render_segments(source, lambda s: marked), "ar", highlight=True)
    parser.feed(page.body)
    parser.close()
    assert parser.problems == [] and parser.marks == 0, msgstr
    # nh3 alone, on raw HTML that the Markdown step did not escape, holds too.
    raw = Page()
    raw.feed(render_markdown(render_segments(source, lambda s: strip_marks(msgstr)), "ar").body)
    raw.close()
    assert raw.problems == [], msgstr


def test_footnotes_of_documents_sharing_a_pdf_do_not_collide() -> None:
    text = "Text[^1].\n\n[^1]: Note.\n"
    module = render_markdown(text, "fr", pdf=True, doc_id="m-module").body
    annex = render_markdown(text, "fr", pdf=True, doc_id="m-annex").body
    assert 'href="#fn-m-module-1"' in module and 'id="fn-m-module-1"' in module
    assert 'href="#fn-m-annex-1"' in annex and 'id="fn-m-annex-1"' in annex


def test_the_gate_judges_contact_ages_as_of_the_given_day(box: Toolbox) -> None:
    # Emergency verified on 2026-10-01, the helpline on 2026-11-01; both valid for 365 days.
    verify_helpline(box)
    on_time = box.release("-e", "fr-LU", "--as-of", "2027-09-30", "--no-cache")
    assert "blocked" not in on_time
    late = box.release("-e", "fr-LU", "--as-of", "2027-10-15", "--no-cache", code=1)
    assert "emergency: verified 2026-10-01, older than 365 days" in late
    assert not re.search(r"contact +\S+ +helpline", late)  # not a blocker, and in the table:
    assert "helpline: checked 2026-11-01 by rev-check-lu (phone call: number, hours)\n" in late


# -- contact cards -----------------------------------------------------------------------------

CARD = """[helpline]
name = "Ligne d'écoute pour femmes"
phone = "+352 12 34 56"
url = "https://example.lu/ecoute"
example = false
verified = "2026-11-01"
"""


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ('colour = "red"\n', 7, "contact helpline: unknown field 'colour'"),
        ('numbers = [{ number = "113" }]\n', 7, "number 113: say what it is for"),
        ('numbers = [{ number = "1l3", purpose = "police" }]\n', 7, "number '1l3' is digits"),
        (
            'numbers = [{ number = "113", purpose = "police" }]\n',
            3,
            "phone +352 12 34 56 is not among its numbers",
        ),
        ('languages = "fr"\n', 7, "languages is a list of language codes"),
        ('category = "urgent"\n', 7, "category is one of emergency, helpline, specialist"),
        ("remit = 3\n", 7, "remit is text in quotes"),
    ],
)
def test_bad_contact_cards_name_the_field_line(
    box: Toolbox, extra: str, line: int, message: str
) -> None:
    (box.root / "locales/fr/contacts-LU.toml").write_text(CARD + extra, encoding="utf-8")
    box.commit_all("A contact card")
    output = box("release", "--out", "dist", "--edition", "fr-LU", "--preview", code=2)
    [error] = [x for x in output.splitlines() if x.startswith("equalcity:")]
    assert error.startswith(f"equalcity: locales/fr/contacts-LU.toml:{line}: "), output
    assert message in error and "Traceback" not in output
    assert not (box.root / "dist/fr-LU").exists()


def test_phone_with_remarks_is_refused(box: Toolbox) -> None:
    card = CARD.replace('"+352 12 34 56"', '"+352 12 34 56 (24/7)"')
    (box.root / "locales/fr/contacts-LU.toml").write_text(card, encoding="utf-8")
    box.commit_all("Hours in the phone field")
    output = box("release", "--out", "dist", "--edition", "fr-LU", "--preview", code=2)
    assert "contacts-LU.toml:3: contact helpline: phone '+352 12 34 56 (24/7)' is digits" in output


def test_contact_card_in_pages_and_pdfs(box: Toolbox) -> None:
    """The card fields reach the page and the PDF alike; what is unknown is said."""
    card = CARD + (
        'numbers = [\n  { number = "+352 12 34 56", purpose = "écoute" },\n'
        '  { number = "112", purpose = "ambulance" },\n]\n'
        'hours = "12 h-20 h"\nlanguages = ["fr", "de"]\naudience = "Femmes majeures"\n'
    )
    (box.root / "locales/fr/contacts-LU.toml").write_text(card, encoding="utf-8")
    box.commit_all("A fuller card")
    box.release("--edition", "fr-LU", "--preview")
    folder = box.root / "dist/fr-LU"
    page = (folder / "html/01-basics/module.html").read_text("utf-8")
    [html_card] = re.findall(
        r'<article class="contact-card" id="contact-helpline">.*?</article>', page, re.S
    )
    for text in ("écoute", "ambulance", 'href="tel:112"', "12 h-20 h", "français, allemand",
                 "Femmes majeures", "not known: ask when you call", "2026-11-01"):  # fmt: skip
        assert text in html_card, text
    # the A4 referral card: one page, emergency first, with the same fields
    pdf = folder / "pdf/referral-card-a4.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "12 h-20 h" in text and "ambulance" in text and "Femmes majeures" in text
    assert text.index("Emergency services") < text.index("Ligne d")
    module_pdf = folder / "pdf/01-basics.pdf"
    text = subprocess.run(
        ["pdftotext", str(module_pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "12 h-20 h" in text and "Femmes majeures" in text
