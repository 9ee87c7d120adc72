"""``equalcity status`` with review states against a bare polib parse of the same files.

    python -m benchmarks.bench_status --corpus DIR

The corpus (benchmarks/corpus.py) gets a panel and, per language, a ledger approving half of
each document's translated entries; then ``equalcity status`` (parse, ledger, roster, states)
is timed against ``polib.pofile`` over every PO file, one core each, in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polib

from benchmarks.corpus import generate
from benchmarks.report import emit
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import Decision, key_hash, text_hash

PANEL = """
[[reviewer]]
id = "bench-1"
email = "bench-1@panel.equalcity.example"
languages = ["*"]
role = "language"
"""


def seed_ledgers(root: Path) -> int:
    snapshot = Snapshot.of(root)
    (root / "workflows").mkdir(exist_ok=True)
    (root / "workflows/panel.toml").write_text(PANEL, encoding="utf-8")
    count = 0
    for locale in snapshot.locales():
        lines = []
        for doc in snapshot.po_documents(locale):
            catalog = snapshot.catalog(locale, doc)
            translated = [m for m in catalog.active if m.translated]
            for message in translated[::2]:
                decision = Decision(
                    doc.id,
                    None,
                    key_hash(None, message.msgid),
                    text_hash(message),
                    "bench-1",
                    "approve",
                    "",
                    "2026-01-01T00:00:00Z",
                    message.msgstr,
                )
                lines.append(decision.as_json())
        (root / "locales" / locale / "reviews.jsonl").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
        count += len(lines)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.corpus.exists():
        generate(args.corpus)
    approvals = seed_ledgers(args.corpus)
    files = sorted(p for p in args.corpus.glob("locales/*/*/*.po"))
    start = time.perf_counter()
    entries = sum(len(polib.pofile(str(p))) for p in files)
    polib_seconds = time.perf_counter() - start
    exe = shutil.which("equalcity") or sys.exit("install equalcity first")
    start = time.perf_counter()
    subprocess.run(
        [exe, "--root", str(args.corpus), "status", "--format", "json"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    status_seconds = time.perf_counter() - start
    for locale_dir in args.corpus.glob("locales/*"):
        (locale_dir / "reviews.jsonl").unlink(missing_ok=True)
    report = {
        "po_files": len(files),
        "entries": entries,
        "approvals": approvals,
        "polib_parse_seconds": round(polib_seconds, 2),
        "status_seconds": round(status_seconds, 2),
        "ratio": round(status_seconds / polib_seconds, 2),
    }
    emit(report, args.json)


if __name__ == "__main__":
    main()
