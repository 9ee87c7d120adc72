"""One Jinja environment for every page: autoescaping always on, undefined names are errors."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from equalcity.progress.dashboard import percent
from equalcity.web.i18n import current

_ENV = Environment(
    loader=PackageLoader("equalcity.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["number"] = lambda value: f"{value:,}".replace(",", "\u202f")
# Rounded down: a page never says 100 % of anything that is not all of it.
_ENV.filters["percent"] = percent


def render(template: str, **context: Any) -> str:
    """Render one page; every value is escaped unless the template says otherwise. ``t`` is
    the page's words in the reader's language (``i18n``), unless the caller passes its own."""
    page = current()
    context.setdefault("t", page.texts)
    context.setdefault("languages_offered", page.offered)
    context.setdefault("here", page.here)
    return _ENV.get_template(template).render(**context)


def static_text(name: str) -> str:
    """A file of ``equalcity/web/static`` (the stylesheet, the review page's script)."""
    return (files("equalcity.web") / "static" / name).read_text(encoding="utf-8")


_ENV.globals["static_text"] = static_text
