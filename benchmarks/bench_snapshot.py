"""The shared read model (issue 12) against the code before it, in the same run.

    python -m benchmarks.bench_snapshot --corpus DIR [--before REV] [--rounds 3]

The corpus of ``benchmarks/corpus.py`` (40 languages × 12 documents × 600 entries) is made a
git repository with a panel and ledgers approving half of the translated entries (as
``bench_status`` seeds them). ``status``, ``check`` and ``review list`` run from a checkout of
``--before`` (default: the commit before the Snapshot, 53070bd) and from this tree, alternating
(A B A B …) so that a busy machine slows both alike; the best time of each is reported, and
both must print the same bytes. ``release`` runs on the repository's own content
(``bench_release``'s copy) with ``--no-cache``, previews of every edition.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

from benchmarks.bench_release import make_repo
from benchmarks.bench_status import seed_ledgers
from benchmarks.corpus import generate
from benchmarks.report import emit

HERE = Path(__file__).resolve().parents[1]
BEFORE = "53070bd"


def timed(src: Path, root: Path, *args: str) -> tuple[float, str]:
    """Seconds and a digest of what ``equalcity`` from ``src`` prints."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from equalcity.cli import main; main()",
            "--root",
            str(root),
            *args,
        ],
        capture_output=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{src}: {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    text = done.stdout.replace(str(root).encode(), b"<root>")
    return seconds, hashlib.sha256(text).hexdigest()


def compare(
    name: str, before: Path, after: Path, root: Path, args: list[str], rounds: int
) -> dict[str, object]:
    times: dict[str, list[float]] = {"before": [], "after": []}
    digests: dict[str, set[str]] = {"before": set(), "after": set()}
    for _ in range(rounds):
        for label, src in (("before", before), ("after", after)):
            seconds, digest = timed(src, root, *args)
            times[label].append(seconds)
            digests[label].add(digest)
    best = {label: min(values) for label, values in times.items()}
    return {
        "what": name,
        "before_seconds": round(best["before"], 2),
        "after_seconds": round(best["after"], 2),
        "ratio_after_over_before": round(best["after"] / best["before"], 3),
        "same_output": digests["before"] == digests["after"] and len(digests["after"]) == 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.corpus.exists():
        generate(args.corpus)
        seed_ledgers(args.corpus)
        repo = git.Repo.init(args.corpus)
        with repo.config_writer() as config:
            config.set_value("user", "name", "Benchmark")
            config.set_value("user", "email", "bench@example.org")
        repo.git.add(A=True)
        repo.git.commit("-q", "-m", "corpus", "--no-gpg-sign")
        repo.close()
    with tempfile.TemporaryDirectory() as temp:
        old = Path(temp) / "before"
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "-q", "--detach", str(old), args.before],
            check=True,
        )
        try:
            site = Path(temp) / "site"
            make_repo(site, copies=1).close()
            rows = [
                compare("status", old / "src", HERE / "src", args.corpus, ["status"], args.rounds),
                compare(
                    "status --format json",
                    old / "src",
                    HERE / "src",
                    args.corpus,
                    ["status", "--format", "json"],
                    args.rounds,
                ),
                compare(
                    "check",
                    old / "src",
                    HERE / "src",
                    args.corpus,
                    ["check", "--format", "json"],
                    args.rounds,
                ),
                compare(
                    "review list (one language, all states)",
                    old / "src",
                    HERE / "src",
                    args.corpus,
                    ["review", "list", "-l", "fr", "--all-states", "--format", "json"],
                    args.rounds,
                ),
                compare(
                    "release --preview --no-cache (this repository's content)",
                    old / "src",
                    HERE / "src",
                    site,
                    ["release", "--out", str(Path(temp) / "dist"), "--preview", "--no-cache"],
                    max(1, args.rounds - 1),
                ),
            ]
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(old)], check=False
            )
    emit({"rows": rows}, args.json)


if __name__ == "__main__":
    main()
