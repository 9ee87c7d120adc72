"""Printing and saving a benchmark's report."""

from __future__ import annotations

import json
from pathlib import Path


def emit(report: dict[str, object], path: Path | None) -> None:
    """Print ``report`` as JSON and, when ``path`` is given, save it there too."""
    text = json.dumps(report, indent=2)
    print(text)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
