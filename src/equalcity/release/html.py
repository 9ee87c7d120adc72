"""Markdown → accessible, sanitised HTML pages for a release.

Every page is rendered from the edition's Markdown with markdown-it (the same dialect as
extraction), then sanitised by nh3 against an allow-list, so a translation can never put a
script, a style or an event handler on a page, even if ``check`` were switched off. Only then are
the highlight marks (unapproved and fallback text in previews) turned into ``<mark>`` elements.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources

import jinja2
import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from equalcity.content.markdown import MARKER
from equalcity.po.locales import is_rtl, parse_name
from equalcity.release.content import FALLBACK, SENTINELS, UNAPPROVED
from equalcity.release.ui import ENGLISH

_TAG = re.compile(r"<[^>]*>")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "div", "em", "figcaption", "figure", "h1",
    "h2", "h3", "h4", "h5",
    "h6", "hr", "img", "li", "ol", "p", "pre", "s", "section", "strong", "sup", "sub", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class"},
    "a": {"href", "title", "dir"},
    "img": {"src", "alt", "title"},
    "th": {"style", "scope"},
    "td": {"style"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def direction(language: str) -> str:
    return "rtl" if is_rtl(language) else "ltr"


def html_lang(language: str) -> str:
    """BCP 47 form of a gettext name: ``pt_BR`` → ``pt-BR``, ``sr@latin`` → ``sr-Latn``."""
    return parse_name(language).bcp47


def slug(text: str) -> str:
    """An ``id`` for a heading: letters of any script kept, the rest dashes.

    >>> slug("Module 2: Violence domestique — l’essentiel")
    'module-2-violence-domestique-l-essentiel'
    """
    text = unicodedata.normalize("NFC", text.translate(str.maketrans("", "", SENTINELS)))
    words = re.findall(r"\w+", text.casefold())
    return "-".join(words) or "section"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(footnote_plugin)
    )
    return md


@dataclass(frozen=True)
class Rendered:
    body: str  # sanitised HTML of the document
    headings: tuple[tuple[int, str, str], ...]  # (level, id, text) of h1–h3


def _link_target(href: str, pdf: bool) -> str | None:
    """Links between documents of the toolbox point at pages, not at Markdown files."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("#"):
        return href
    if pdf:
        return None
    return re.sub(r"\.md(?=$|#)", ".html", href)


def _prepare(
    tokens: list[Token], pdf: bool, ids: Sequence[str] = (), all_levels: bool = False
) -> list[tuple[int, str, str]]:
    headings: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    count = 0
    pending: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "html_block":
            match = MARKER.match(token.content)
            if match:
                pending = set(match.group(1).split())
                token.content = ""
            continue
        if token.nesting == 1 and token.level == 0 and pending:
            classes = sorted(pending)
            token.attrJoin("class", " ".join(classes))
            pending = set()
        if token.type == "heading_open":
            inline = tokens[index + 1]
            text = "".join(
                child.content
                for child in inline.children or []
                if child.type in ("text", "code_inline")
            )
            base = slug(text)
            seen[base] = seen.get(base, 0) + 1
            anchor = base if seen[base] == 1 else f"{base}-{seen[base]}"
            if count < len(ids):
                anchor = ids[count]
            count += 1
            token.attrSet("id", anchor)
            level = int(token.tag[1])
            if level <= 3 or all_levels:
                headings.append((level, anchor, text.translate(str.maketrans("", "", SENTINELS))))
        if token.type == "inline":
            for child in token.children or []:
                if child.type == "link_open":
                    target = _link_target(str(child.attrGet("href") or ""), pdf)
                    if target is None:
                        child.attrs.pop("href", None)
                    else:
                        child.attrSet("href", target)
                    if target and target.startswith("tel:"):
                        # A phone number reads left to right in every script ("+352 …"),
                        # and never breaks across lines (the class keeps it on one).
                        child.attrSet("dir", "ltr")
                        child.attrSet("class", "tel")
    return headings


def _figures(tokens: list[Token], label: str) -> list[Token]:
    """A testimony becomes a figure with a visible caption saying what it is (a fictional
    composite), so that no reader, sighted or not, takes it for a real person's account."""
    out: list[Token] = []
    closing: list[int] = []  # levels at which an open testimony block ends
    for token in tokens:
        classes = str(token.attrGet("class") or "").split()
        if token.nesting == 1 and "testimony" in classes:
            classes.remove("testimony")
            if classes:
                token.attrSet("class", " ".join(classes))
            else:
                token.attrs.pop("class", None)
            caption = Token("html_block", "", 0)
            caption.content = (
                f'<figure class="testimony"><figcaption>{escape(label)}</figcaption>\n'
            )
            out.append(caption)
            closing.append(token.level)
            out.append(token)
            continue
        out.append(token)
        if token.nesting == -1 and closing and token.level == closing[-1]:
            closing.pop()
            end = Token("html_block", "", 0)
            end.content = "</figure>\n"
            out.append(end)
    return out


def sanitise(html: str) -> str:
    """Only the elements and attributes Markdown produces survive; scripts lose their content."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )


def _marks(html: str, labels: Mapping[str, str], highlight: bool, fallback_lang: str) -> str:
    """Sentinels → ``<mark>`` (previews) in text; removed inside tags (e.g. an image's alt).

    Fallback text always carries its own ``lang`` and ``dir``, so English inside an Arabic
    page is read and laid out as English."""
    html = _TAG.sub(lambda m: m.group().translate(str.maketrans("", "", SENTINELS)), html)
    other = f'lang="{fallback_lang}" dir="{direction(fallback_lang)}"'
    if highlight:
        start = f'<mark class="fallback" title="{escape(labels["fallback"])}" {other}>'
        end = "</mark>"
    else:
        start, end = f'<span class="fallback-text" {other}>', "</span>"
    replacements = {
        UNAPPROVED[0]: f'<mark class="unapproved" title="{escape(labels["unapproved"])}">',
        FALLBACK[0]: start,
        UNAPPROVED[1]: "</mark>",
        FALLBACK[1]: end,
    }
    return re.sub(f"[{SENTINELS}]", lambda m: replacements[m.group()], html)


def marked_text(
    text: str, labels: Mapping[str, str], *, highlight: bool, fallback_lang: str = "en"
) -> str:
    """Plain text with sentinel marks (a title, a summary) as escaped HTML with the marks.

    >>> marked_text("\u2e28Titre\u2e29 <b>", ENGLISH, highlight=True)[:26]
    '<mark class="unapproved" t'
    """
    return _marks(escape(text, quote=False), labels, highlight, fallback_lang)


def _scroll_boxes(html: str, hint: str) -> str:
    """Each table in its own box that scrolls sideways on a narrow screen (the page itself never
    does), keyboard-focusable and named, with a visible hint above it."""
    label = escape(hint)
    return html.replace(
        "<table>",
        f'<p class="scroll-hint" aria-hidden="true">{label}</p>'
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}"><table>',
    ).replace("</table>", "</table></div>")


def render_markdown(
    markdown: str,
    language: str,
    *,
    labels: Mapping[str, str] = ENGLISH,
    pdf: bool = False,
    highlight: bool = False,
    fallback_lang: str = "en",
    heading_ids: Sequence[str] = (),
    doc_id: str | None = None,
) -> Rendered:
    """Sanitised HTML of a document; ``heading_ids`` (from the English text) name the headings
    so that links between documents reach the same section in every language."""
    md = _parser()
    # Several documents share one PDF: their footnote ids must not collide.
    env: dict[str, object] = {"docId": doc_id} if doc_id else {}
    tokens = md.parse(markdown, env)
    headings = _prepare(tokens, pdf, heading_ids)
    tokens = _figures(tokens, labels["testimony"])
    html = md.renderer.render(tokens, md.options, env)
    body = _marks(sanitise(html), labels, highlight, html_lang(fallback_lang))
    if not pdf:
        body = _scroll_boxes(body, labels["table_hint"])
    return Rendered(body, tuple(headings))


def headings_of(markdown: str, all_levels: bool = False) -> list[tuple[int, str, str]]:
    """(level, anchor, text) of a document's headings."""
    return _prepare(_parser().parse(markdown, {}), False, (), all_levels)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("equalcity.release", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def page(template: str, **values: object) -> str:
    return environment().get_template(template).render(**values)


def stylesheet() -> str:
    return resources.files("equalcity.release").joinpath("templates/style.css").read_text("utf-8")
