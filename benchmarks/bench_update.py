"""``equalcity update`` against GNU ``msgmerge --previous``, and ``extract``, on one corpus.

    python -m benchmarks.bench_update [--languages 40 --documents 12 --entries 600] [--keep DIR]

Both tools get identical copies of the corpus (benchmarks/corpus.py) and both cores: msgmerge
runs one process per file, two at a time (``xargs -P 2``), as a maintainer's script would;
``equalcity update`` is one command. The results are compared file by file: entries translated,
fuzzy and obsolete, whether any non-empty msgstr of the input is missing from the output, and
whether the two files are byte-identical (``#|`` lines, flags, order, wrapping: everything).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import generate
from benchmarks.report import emit
from equalcity.po.catalog import Catalog, read_po


def _counts(catalog: Catalog) -> tuple[int, int, int]:
    active = catalog.active
    return (
        sum(m.translated for m in active),
        sum(m.fuzzy and m.has_translation for m in active),
        len(catalog.obsolete),
    )


def _strings(catalog: Catalog) -> set[str]:
    return {s for m in catalog.messages for s in m.strings if s}


def _timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def run(languages: int, documents: int, entries: int, keep: Path | None) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="equalcity-bench-"))
    try:
        corpus = work / "corpus"
        start = time.perf_counter()
        generate(corpus, languages, documents, entries)
        generated = time.perf_counter() - start
        ours, gnu = work / "ours", work / "gnu"
        shutil.copytree(corpus, ours)
        shutil.copytree(corpus, gnu)
        exe = shutil.which("equalcity") or sys.exit("install equalcity first (pip install -e .)")

        pos = sorted(gnu.glob("locales/*/*/*.po"))
        pos = [p for p in pos if p.parts[-3] != "templates"]
        jobs = "".join(
            f"{p}\0{gnu / 'locales/templates' / p.parts[-2] / (p.stem + '.pot')}\0" for p in pos
        )
        gnu_seconds = _timed(
            [
                "xargs",
                "-0",
                "-n",
                "2",
                "-P",
                "2",
                "sh",
                "-c",
                'msgmerge --quiet --previous --update --backup=off "$0" "$1"',
            ],
            input=jobs.encode(),
        )
        ours_seconds = _timed([exe, "--root", str(ours), "update"], stdout=subprocess.DEVNULL)

        # extract: all generated sources into templates (they exist: remove them first)
        shutil.rmtree(ours / "locales/templates")
        extract_seconds = _timed([exe, "--root", str(ours), "extract"], stdout=subprocess.DEVNULL)

        totals = {"ours": [0, 0, 0], "msgmerge": [0, 0, 0]}
        lost = {"ours": 0, "msgmerge": 0}
        differing_files = 0
        identical_files = 0
        differing_examples: list[str] = []
        entries_total = 0
        for path in pos:
            rel = path.relative_to(gnu)
            before = read_po(corpus / rel)
            mine, theirs = read_po(ours / rel), read_po(gnu / rel)
            entries_total += len(before.messages)
            kept = _strings(before)
            lost["ours"] += len(kept - _strings(mine))
            lost["msgmerge"] += len(kept - _strings(theirs))
            a, b = _counts(mine), _counts(theirs)
            if (ours / rel).read_bytes() == (gnu / rel).read_bytes():
                identical_files += 1
            elif len(differing_examples) < 5:
                differing_examples.append(str(rel))
            differing_files += a != b
            for i in range(3):
                totals["ours"][i] += a[i]
                totals["msgmerge"][i] += b[i]
        if keep is not None:
            shutil.copytree(work, keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def within(i: int) -> float:
        base = totals["msgmerge"][i]
        return abs(totals["ours"][i] - base) / base if base else 0.0

    return {
        "corpus": {
            "languages": languages,
            "documents": documents,
            "entries_per_document": entries,
            "po_files": len(pos),
            "entries": entries_total,
            "generated_seconds": round(generated, 1),
        },
        "cores": os.cpu_count(),
        "msgmerge_seconds": round(gnu_seconds, 2),
        "update_seconds": round(ours_seconds, 2),
        "speedup": round(gnu_seconds / ours_seconds, 2),
        "extract_seconds": round(extract_seconds, 2),
        "totals": {
            name: dict(zip(("translated", "fuzzy", "obsolete"), values, strict=True))
            for name, values in totals.items()
        },
        "difference": {
            name: round(within(i), 4) for i, name in enumerate(("translated", "fuzzy", "obsolete"))
        },
        "files_with_different_counts": differing_files,
        "files_byte_identical": identical_files,
        "files_not_identical_examples": differing_examples,
        "translations_lost": lost,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--languages", type=int, default=40)
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--entries", type=int, default=600)
    parser.add_argument("--keep", type=Path, help="copy the corpus and both results here")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    report = run(args.languages, args.documents, args.entries, args.keep)
    emit(report, args.json)


if __name__ == "__main__":
    main()
