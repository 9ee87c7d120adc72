"""``equalcity release``: a first build against a second one with nothing changed (the cache).

    python -m benchmarks.bench_release [--copies N] [--json FILE]

The repository's own content (4 modules × 3 documents, editions fr-LU, de, pt and ar) is copied
into a fresh git repository; with ``--copies N`` every module is duplicated N times under new
names, for a larger toolbox. Every edition is built as a preview (so the fr-LU edition, whose
contacts are not verified yet, is built too): once with an empty cache, then again with nothing
changed, then once more with ``--no-cache``, all through the installed command. The outputs of
the three runs must be byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

from benchmarks.report import emit

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ["source", "locales", "glossary", "workflows"]


def make_repo(target: Path, copies: int) -> git.Repo:
    for name in CONTENT:
        shutil.copytree(ROOT / name, target / name)
    for copy in range(2, copies + 1):
        for module in sorted((ROOT / "source").iterdir()):
            if not module.is_dir():
                continue
            shutil.copytree(module, target / "source" / f"{module.name}-{copy}")
            for locale in (ROOT / "locales").iterdir():
                translated = locale / module.name
                if translated.is_dir():
                    copied = target / "locales" / locale.name / f"{module.name}-{copy}"
                    shutil.copytree(translated, copied)
    repo = git.Repo.init(target)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Benchmark")
        config.set_value("user", "email", "bench@example.org")
    repo.git.add(A=True)
    repo.index.commit("content")
    return repo


def digest(folder: Path) -> str:
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hasher.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()


def timed(exe: str, root: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [exe, "--root", str(root), "release", "--out", str(root / "dist"), "--preview", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="warm runs to time")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    exe = shutil.which("equalcity") or sys.exit("install equalcity first")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "toolbox"
        repo = make_repo(root, args.copies)
        repo.close()
        documents = len(list((root / "source").glob("*/*.md")))
        cold = timed(exe, root)
        first = digest(root / "dist")
        warm = [timed(exe, root) for _ in range(args.repeat)]
        second = digest(root / "dist")
        fresh = timed(exe, root, "--no-cache")
        third = digest(root / "dist")
        pdfs = len(list((root / "dist").glob("*/pdf/*.pdf")))
    if not first == second == third:
        sys.exit("the cached and uncached releases differ")
    best = min(warm)
    report = {
        "documents": documents,
        "editions": 4,
        "pdfs": pdfs,
        "first_release_seconds": round(cold, 2),
        "second_release_seconds": [round(w, 2) for w in warm],
        "no_cache_seconds": round(fresh, 2),
        "speedup": round(cold / best, 1),
        "outputs_identical": True,
    }
    emit(report, args.json)


if __name__ == "__main__":
    main()
