"""The repository's own editions as a frontline worker meets them: on a phone, printed, in
greyscale, with a screen reader (axe-core), and as PDFs.

One release of the real content (every edition as a preview, so that the marks are there) is
built once for the module; every browser test reads it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.bench_release import make_repo
from click.testing import CliRunner
from playwright.sync_api import Browser, Page

from equalcity.cli import main
from equalcity.po.catalog import read_po
from equalcity.release.ui import ENGLISH, parse_catalogue
from tests.browser import SCREENSHOTS, chromium, screenshot

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = ("fr-LU", "de", "pt", "ar")
LANGUAGE = {"fr-LU": "fr", "de": "de", "pt": "pt", "ar": "ar"}
AXE = ROOT / "tools/node_modules/axe-core/axe.min.js"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ of a preview release of every edition of the repository's content."""
    repo_dir = tmp_path_factory.mktemp("site") / "content"
    make_repo(repo_dir, copies=1).close()  # the benchmark's copy of the content, committed
    dist = repo_dir / "dist"
    result = CliRunner().invoke(
        main, ["--root", str(repo_dir), "release", "--out", str(dist), "--preview", "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    return dist


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def pages(site: Path, edition: str) -> list[Path]:
    return sorted((site / edition / "html").rglob("*.html"))


def label(language: str, key: str) -> str:
    """A label as the language's UI catalogue translates it (English when it does not)."""
    if language == "en":
        return ENGLISH[key]
    po = read_po(ROOT / "locales" / language / "ui/page-furniture.po")
    english = parse_catalogue((ROOT / "source/ui/page-furniture.md").read_text("utf-8"))[key]
    return next(m.msgstr for m in po.active if m.msgid == english)


def visit(page: Page, path: Path) -> None:
    page.goto(path.as_uri())


# -- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_no_page_scrolls_sideways(site: Path, browser: Browser, viewport: dict[str, int]) -> None:
    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    wide, unboxed = [], []
    for edition in EDITIONS:
        for path in pages(site, edition):
            visit(page, path)
            name = f"{edition}/{path.relative_to(site / edition / 'html')}"
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                wide.append(f"{name}: {overflow}px")
            # a table wider than the screen scrolls in its own box, with a visible hint
            unboxed += [
                f"{name}: {t}"
                for t in page.evaluate(
                    """() => [...document.querySelectorAll('main table')].filter(t => {
                        const box = t.closest('.table-scroll');
                        if (!box) return true;
                        const hint = box.previousElementSibling;
                        const wide = t.scrollWidth > box.clientWidth;
                        return wide && !(hint && hint.classList.contains('scroll-hint')
                                         && hint.offsetHeight > 0);
                    }).map(t => t.innerText.slice(0, 40))"""
                )
            ]
    page.close()
    assert wide == []
    assert unboxed == []


def test_phone_numbers_never_wrap(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    wrapped = []
    for edition in EDITIONS:
        for path in pages(site, edition):
            visit(page, path)
            for text in page.evaluate(
                """() => [...document.querySelectorAll('a[href^="tel:"]')]
                    .filter(a => a.getClientRects().length > 1).map(a => a.textContent)"""
            ):
                wrapped.append(f"{edition}/{path.name}: {text}")
    page.close()
    assert wrapped == []


def test_title_comes_first_and_contents_stay_reachable(site: Path, browser: Browser) -> None:
    phone = browser.new_page(viewport=PHONE)
    desktop = browser.new_page(viewport=DESKTOP)
    for edition in EDITIONS:
        for path in sorted((site / edition / "html").glob("*/*.html")):
            visit(phone, path)
            # the title is on the first screen, and the contents one tap away from it
            assert phone.locator("h1").bounding_box()["y"] < PHONE["height"] / 2, path  # type: ignore[index]
            jump = phone.locator("a[href='#toc']")
            assert jump.is_visible(), path
            jump.click()
            toc_top = phone.evaluate("document.getElementById('toc').getBoundingClientRect().top")
            assert -2 < toc_top < PHONE["height"] / 2, (path, toc_top)
            # on a desktop the contents stay beside the text while it scrolls
            visit(desktop, path)
            desktop.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            box = desktop.evaluate(
                "(() => { const r = document.querySelector('nav.toc').getBoundingClientRect();"
                " return [r.top, r.bottom]; })()"
            )
            assert box[0] < DESKTOP["height"] and box[1] > 0, (path, box)
    phone.close()
    desktop.close()


def test_modules_link_their_annexes_and_pages_chain(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    for edition in EDITIONS:
        html = site / edition / "html"
        modules = sorted(p.name for p in html.iterdir() if p.is_dir())
        assert modules
        chain = []
        path: Path | None = html / modules[0] / "module.html"
        while path is not None:
            visit(page, path)
            chain.append(path.relative_to(html).as_posix())
            siblings = page.eval_on_selector_all(
                "nav.toc .siblings a", "els => els.map(e => e.getAttribute('href'))"
            )
            module = path.parent.name
            for doc in sorted((html / module).glob("*.html")):
                assert f"../{module}/{doc.name}" in siblings, (path, doc.name)
            following = page.locator("a[rel=next]")
            path = (
                (path.parent / following.get_attribute("href")).resolve()
                if following.count()
                else None
            )  # type: ignore[operator]
        # next, next, next… visits every document once, modules in order, the module first
        expected = [
            f"{m}/{d}"
            for m in modules
            for d in sorted(
                (p.name for p in (html / m).glob("*.html")), key=lambda n: (n != "module.html", n)
            )
        ]
        assert chain == expected
        visit(page, html / modules[-1] / "module.html")
        assert page.locator("a[rel=prev]").count() == 1
        assert page.locator("a[rel=prev] .pager-label").inner_text() == label(
            LANGUAGE[edition], "previous"
        )
    page.close()


# -- preview marks: print, greyscale, colour blindness ------------------------------------------


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_marks_survive_print_and_differ_by_more_than_hue(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.emulate_media(media="print")
    styles: dict[str, set[str]] = {"unapproved": set(), "fallback": set()}
    for edition in EDITIONS:
        for path in pages(site, edition):
            visit(page, path)
            marks = page.evaluate(
                """() => [...document.querySelectorAll('main mark, .preview-banner mark')]
                    .map(m => { const s = getComputedStyle(m);
                      return [m.className, s.printColorAdjust, s.borderBottomStyle,
                              s.borderBottomColor, parseFloat(s.borderBottomWidth)]; })"""
            )
            if path.name == "index.html" and edition != "fr-LU":
                # titles and summaries are marked too (nothing of these is approved yet)
                assert page.locator("main h3 mark, main li mark").count() > 0, edition
            for kind, adjust, style, colour, width in marks:
                assert adjust == "exact", (edition, path.name, kind)
                assert width >= 2 and (1.05 / (_luminance(colour) + 0.05)) >= 4.5, colour
                styles[kind].add(style)
    page.close()
    # one rule per kind, and the two differ in pattern: greyscale and colour-blind safe
    assert len(styles["unapproved"]) == 1 and len(styles["fallback"]) == 1
    assert styles["unapproved"] != styles["fallback"]


def _grey_pixels(pdf: bytes, tmp: Path, name: str) -> list[int]:
    from PIL import Image

    source = tmp / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-gray",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(source),
            str(tmp / name),
        ],
        check=True,
    )
    image = Image.open(next(tmp.glob(f"{name}*.png"))).convert("L")
    return list(image.tobytes())


def _difference(a: list[int], b: list[int]) -> int:
    """Pixels that differ by more than a quarter of the grey scale."""
    return sum(abs(x - y) > 64 for x, y in zip(a, b, strict=True))


def test_marks_are_visible_when_printed_from_the_browser_in_greyscale(
    site: Path, browser: Browser, tmp_path: Path
) -> None:
    """Chromium prints without backgrounds unless a page asks: the marks must still show."""
    page = browser.new_page(viewport=DESKTOP)
    for edition in ("de", "ar"):
        visit(page, site / edition / "html/index.html")
        marked = _grey_pixels(page.pdf(format="A4"), tmp_path, f"{edition}-marked")
        page.evaluate(
            "document.querySelectorAll('main mark').forEach(m => m.replaceWith(...m.childNodes))"
        )
        plain = _grey_pixels(page.pdf(format="A4"), tmp_path, f"{edition}-plain")
        assert _difference(marked, plain) > 300, edition
    page.close()


def test_marks_are_visible_in_greyscale_pdfs(site: Path, tmp_path: Path) -> None:
    """The same page through WeasyPrint (the bundle's PDFs), marks against marks removed."""
    from equalcity.release.pdf import render_pdf

    for edition in ("de", "ar"):
        html = site / edition / "html/01-introduction/module.html"
        css = (site / edition / "html/style.css").read_text("utf-8")
        text = html.read_text("utf-8").replace(
            '<link rel="stylesheet" href="../style.css">', f"<style>{css}</style>"
        )
        assert "<style>" in text
        # the marks of the text, not the legend in the dark banner
        head, main = text.split("<main", 1)
        plain = head + "<main" + re.sub(r"</?mark[^>]*>", "", main)
        assert plain != text
        marked_pixels = _grey_pixels(render_pdf(text), tmp_path, f"w-{edition}-marked")
        plain_pixels = _grey_pixels(render_pdf(plain), tmp_path, f"w-{edition}-plain")
        assert _difference(marked_pixels, plain_pixels) > 300, edition


# -- contacts ---------------------------------------------------------------------------------


def test_placeholders_say_example_in_the_editions_language(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    for edition in EDITIONS:
        example = label(LANGUAGE[edition], "example")
        assert example != ENGLISH["example"]
        folder = site / edition
        for markdown in (folder / "markdown").rglob("*.md"):
            text = markdown.read_text("utf-8")
            numbers = re.findall(r"\]\(tel:\+00\d+\)", text)
            labelled = re.findall(r"\]\(tel:\+00\d+\), \*" + re.escape(example) + r"\*\)", text)
            assert len(numbers) == len(labelled), (edition, markdown.name)
        for path in pages(site, edition):
            visit(page, path)
            # in running text: the label right after the number, visible
            unlabelled = page.evaluate(
                """(example) => [...document.querySelectorAll('main a[href^="tel:+00"]')]
                    .filter(a => !a.closest('.contact-card'))
                    .filter(a => !(a.parentElement.innerText || '').includes(example))
                    .map(a => a.textContent)""",
                example,
            )
            assert unlabelled == [], (edition, path.name)
            for card in page.locator(".contact-card.example").all():
                assert card.locator(".example-label").inner_text() == example
                assert card.locator(".example-label").is_visible()
    page.close()


def test_english_contact_names_are_isolated_in_arabic(site: Path, browser: Browser) -> None:
    english = tomllib.loads((ROOT / "source/contacts.toml").read_text("utf-8"))
    arabic = tomllib.loads((ROOT / "locales/ar/contacts.toml").read_text("utf-8"))
    names = [fields["name"] for key, fields in english.items() if key not in arabic]
    assert names
    page = browser.new_page(viewport=PHONE)
    found = 0
    for path in pages(site, "ar"):
        visit(page, path)
        problems = page.evaluate(
            """(names) => [...document.querySelectorAll('main a, main span, main mark, main h3')]
                .filter(e => e.children.length === 0 && names.includes(e.textContent.trim()))
                .map(e => { const lang = e.closest('[lang]'); const dir = e.closest('[dir]');
                  return [e.textContent, lang.lang, dir.dir]; })""",
            names,
        )
        found += len(problems)
        assert all(lang == "en" and direction == "ltr" for _, lang, direction in problems), problems
    page.close()
    assert found > 0


def test_contact_cards_show_what_is_known_and_what_is_not(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    visit(page, site / "fr-LU/html/referral-card.html")
    # police (113) and ambulance (112) first, each number with what it is for
    emergency = page.locator(".card-group.emergency")
    assert emergency.locator(".contact-card").count() == 2
    text = emergency.inner_text()
    assert "113" in text and "112" in text and "Police : danger immédiat" in text
    assert "Pour qui" in text and "Dernière vérification" in text
    assert label("fr", "not_verified") in text  # never verified: said, not hidden
    screenshot(page, "release-fr-LU-phone-referral-card")
    page.close()


# -- labels through the PO flow ---------------------------------------------------------------


def test_page_furniture_comes_from_the_ui_catalogue(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    for edition in EDITIONS:
        language = LANGUAGE[edition]
        visit(page, site / edition / "html/01-introduction/module.html")
        assert page.locator("a.skip").inner_text() == label(language, "skip")
        assert page.locator("nav.toc h2").first.inner_text() == label(language, "in_module")
        visit(page, site / edition / "html/index.html")
        pdf_link = page.locator("p.pdf a").first.inner_text()
        assert pdf_link.startswith(label(language, "pdf") + ":")
    page.close()


def test_every_label_is_in_the_catalogue_and_translated() -> None:
    catalogue = parse_catalogue((ROOT / "source/ui/page-furniture.md").read_text("utf-8"))
    assert catalogue == ENGLISH
    for language in ("fr", "de", "pt", "ar"):
        po = ROOT / "locales" / language / "ui/page-furniture.po"
        subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)
        done = {m.msgid for m in read_po(po).active if m.translated}
        assert set(ENGLISH.values()) <= done, language


# -- accessibility and screenshots ------------------------------------------------------------


def test_axe_finds_no_serious_violation_on_any_page(site: Path, browser: Browser) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run 'npm ci' in tools/")
    script = AXE.read_text("utf-8")
    page = browser.new_page(viewport=DESKTOP)
    found = []
    for edition in EDITIONS:
        for path in pages(site, edition):
            visit(page, path)
            page.add_script_tag(content=script)
            violations = page.evaluate(
                """async () => (await axe.run(document, {resultTypes: ['violations']}))
                    .violations.filter(v => ['serious', 'critical'].includes(v.impact))
                    .map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target).join(' | '))"""
            )
            found += [f"{edition}/{path.name}: {v}" for v in violations]
    page.close()
    assert found == []


def test_phone_screenshots_of_every_edition(site: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    for edition in EDITIONS:
        html = site / edition / "html"
        for name, path in (
            ("index", html / "index.html"),
            ("module", html / "02-domestic-violence/module.html"),
            ("referral-card", html / "referral-card.html"),
        ):
            visit(page, path)
            shot = screenshot(page, f"phone-{edition}-{name}")
            assert shot.stat().st_size > 10_000
    page.close()


# -- the referral card as PDFs ----------------------------------------------------------------


def test_referral_card_pdfs(site: Path, tmp_path: Path) -> None:
    from PIL import Image

    for edition in EDITIONS:
        for size, points, pages_expected in (("a4", (595, 842), 1), ("a6", (298, 420), None)):
            pdf = site / edition / f"pdf/referral-card-{size}.pdf"
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
            count = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
            width, height = (
                round(float(v)) for v in re.findall(r"Page size:\s+([\d.]+) x ([\d.]+)", info)[0]
            )
            assert (width, height) == points, (edition, size, info)
            if pages_expected:
                assert count == pages_expected, f"{edition}: the A4 card runs to {count} pages"
            text = subprocess.run(
                ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
            ).stdout
            assert label(LANGUAGE[edition], "emergency") in text.replace("\n", " ") or (
                edition == "ar"  # pdftotext reorders Arabic words; the card's raster is checked
            )
            assert "112" in text or "113" in text
        prefix = tmp_path / f"card-{edition}"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "50",
                "-png",
                str(site / edition / "pdf/referral-card-a4.pdf"),
                str(prefix),
            ],
            check=True,
        )
        image = next(tmp_path.glob(f"card-{edition}*.png"))
        grey = Image.open(image).convert("L")
        ink = sum(grey.histogram()[:128]) / (grey.width * grey.height)
        assert ink > 0.02, f"{edition}: the card is nearly blank ({ink:.2%})"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(image, SCREENSHOTS / f"referral-card-{edition}-a4.png")


def test_the_wallet_card_folds_into_a_booklet_in_reading_order(site: Path, tmp_path: Path) -> None:
    """The A6 pages imposed on A4 sheets: each panel of each sheet, cut out of the printed sheet
    (turned back where the fold turns it), looks most like the card page the fold puts there
    and in the right way up; panels past the card's end are blank."""
    from PIL import Image, ImageChops, ImageStat

    from equalcity.release.fold import A4, LEFT_TO_RIGHT, RIGHT_TO_LEFT, sheet_pages

    dpi = 40
    scale = dpi / 72

    def rasters(pdf: Path, name: str) -> list[Image.Image]:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(tmp_path / name)], check=True
        )
        return [Image.open(p).convert("L") for p in sorted(tmp_path.glob(f"{name}-*.png"))]

    def ink_map(image: Image.Image) -> Image.Image:
        # where the ink is, in 5 mm squares: immune to the half-pixel shifts of a turned page
        return image.resize((21, 30), Image.Resampling.BOX)

    for edition in EDITIONS:
        folded = site / edition / "pdf/referral-card-a6-fold.pdf"
        info = subprocess.run(["pdfinfo", str(folded)], capture_output=True, text=True).stdout
        assert "Page size:       595.276 x 841.89 pts (A4)" in info, info
        cards = rasters(site / edition / "pdf/referral-card-a6.pdf", f"{edition}-a6")
        sheets = rasters(folded, f"{edition}-sheet")
        layout = sheet_pages(len(cards))
        assert len(sheets) == len(layout) == -(-len(cards) // 4), edition
        slots = RIGHT_TO_LEFT if edition == "ar" else LEFT_TO_RIGHT
        info = subprocess.run(
            ["pdfinfo", str(site / edition / "pdf/referral-card-a6.pdf")],
            capture_output=True,
            text=True,
        ).stdout
        width, height = (float(v) for v in re.findall(r"Page size:\s+([\d.]+) x ([\d.]+)", info)[0])
        for n, (sheet, numbers) in enumerate(zip(sheets, layout, strict=True)):
            for slot, number in zip(slots, numbers, strict=True):
                # the panel in points, from the sheet's top left corner (the fold lines are the
                # sheet's middle lines)
                left = A4[0] / 2 + (slot.column - 1) * width
                top = A4[1] / 2 - slot.row * height
                panel = sheet.crop(
                    (
                        round(left * scale),
                        round(top * scale),
                        round((left + width) * scale),
                        round((top + height) * scale),
                    )
                )
                panel = panel.rotate(180) if slot.turned else panel
                if number >= len(cards):
                    assert panel.getextrema() == (255, 255), (edition, n, slot)
                    continue
                distances = {
                    (page, turn): ImageStat.Stat(
                        ImageChops.difference(ink_map(panel), ink_map(card.rotate(turn)))
                    ).mean[0]
                    for page, card in enumerate(cards)
                    for turn in (0, 180)
                }
                assert min(distances, key=distances.__getitem__) == (number, 0), (
                    edition,
                    n,
                    slot,
                    sorted(distances.items(), key=lambda item: item[1])[:3],
                )
        # The text is there as text: the front cover's panel says the card's title.
        front = slots[0]
        text = subprocess.run(
            [
                *("pdftotext", "-f", "1", "-l", "1", "-r", "72"),
                *("-x", str(round(A4[0] / 2)) if front.column else "0"),
                *("-y", str(round(A4[1] / 2)), "-W", "297", "-H", "420"),
                *(str(folded), "-"),
            ],
            capture_output=True,
            text=True,
        ).stdout
        assert edition in text, (edition, text)  # the title's edition and date
        assert label(LANGUAGE[edition], "card") in text or edition == "ar", (edition, text)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        sheets[0].save(SCREENSHOTS / f"referral-card-{edition}-a6-fold.png")


def test_pdf_marks_are_dotted_strokes_not_dots(site: Path) -> None:
    """The dotted rule under unapproved text is one dashed stroke per line in the bundle's PDFs
    (WeasyPrint draws a one-sided dotted border as a clipped circle per dot: a 6 MB module PDF
    that took 20 s to render)."""
    from pypdf import PdfReader

    for edition in EDITIONS:
        pdf = site / edition / "pdf/01-introduction.pdf"
        content = PdfReader(pdf).pages[1].get_contents().get_data()  # type: ignore[union-attr]
        assert re.search(rb"\[0 [\d.]+\] 0 d", content), edition  # a dotted dash pattern
        assert len(content) < 200_000, (edition, len(content))
        assert pdf.stat().st_size < 1_000_000, (edition, pdf.stat().st_size)


def test_pdf_running_head_uses_the_body_font(site: Path) -> None:
    for edition in EDITIONS:
        fonts = subprocess.run(
            ["pdffonts", str(site / edition / "pdf/01-introduction.pdf")],
            capture_output=True,
            text=True,
        ).stdout
        assert not re.search(r"Serif|Times|Liberation", fonts), (edition, fonts)
