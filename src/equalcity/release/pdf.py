"""PDF rendering with WeasyPrint, cached by content.

A PDF is a pure function of its print HTML (which carries its own CSS and dates) and of the
renderer's version, so the cache key is the SHA-256 of both; a second release reuses every PDF
whose text did not change. Fonts come from fontconfig: the Noto families installed by
``scripts/install.sh`` cover Latin, Greek, Cyrillic, Arabic and Ethiopic.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from equalcity.fs import write_atomic


def renderer_version() -> str:
    import weasyprint

    return f"weasyprint {weasyprint.__version__}"


def cache_key(html: str) -> str:
    digest = hashlib.sha256(renderer_version().encode())
    digest.update(b"\0")
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()


def render_pdf(html: str) -> bytes:
    import logging

    import weasyprint

    # WeasyPrint logs unsupported CSS at warning level; the pages' CSS is ours and tested.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(weasyprint.HTML(string=html).write_pdf())


def pdf(html: str, cache: Path | None) -> tuple[bytes, bool]:
    """The PDF of ``html`` and whether it came from the cache."""
    if cache is not None:
        path = cache / "pdf" / f"{cache_key(html)}.pdf"
        if path.exists():
            return path.read_bytes(), True
    data = render_pdf(html)
    if cache is not None:
        write_atomic(path, data)
    return data, False


def render_job(job: tuple[str, str | None]) -> tuple[bytes, bool]:
    """``pdf`` for a process pool: (html, cache folder)."""
    html, cache = job
    return pdf(html, Path(cache) if cache else None)
