"""The shared read model (issue 12) against the code before it, in the same run.

    python -m benchmarks.bench_snapshot --corpus DIR [--before REV] [--rounds 3] [--only check]

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
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(src: Path, root: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the command and its worker processes: on a busy machine the
    wall time measures the neighbours too) and a digest of what ``equalcity`` from ``src``
    prints."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cpu = _children_cpu()
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
    cpu = _children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"{src}: {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    text = done.stdout.replace(str(root).encode(), b"<root>")
    return seconds, cpu, hashlib.sha256(text).hexdigest()


def compare(
    name: str, before: Path, after: Path, root: Path, args: list[str], rounds: int
) -> dict[str, object]:
    times: dict[str, list[float]] = {"before": [], "after": []}
    cpus: dict[str, list[float]] = {"before": [], "after": []}
    digests: dict[str, set[str]] = {"before": set(), "after": set()}
    for _ in range(rounds):
        for label, src in (("before", before), ("after", after)):
            seconds, cpu, digest = timed(src, root, *args)
            times[label].append(seconds)
            cpus[label].append(cpu)
            digests[label].add(digest)
    best = {label: min(values) for label, values in times.items()}
    cpu_best = {label: min(values) for label, values in cpus.items()}
    return {
        "what": name,
        "before_seconds": round(best["before"], 2),
        "after_seconds": round(best["after"], 2),
        "ratio_after_over_before": round(best["after"] / best["before"], 3),
        "before_cpu_seconds": round(cpu_best["before"], 2),
        "after_cpu_seconds": round(cpu_best["after"], 2),
        "cpu_ratio_after_over_before": round(cpu_best["after"] / cpu_best["before"], 3),
        "same_output": digests["before"] == digests["after"] and len(digests["after"]) == 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--only", action="append", default=[], help="only rows whose name starts with this"
    )
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
            wanted = tuple(args.only) or ("",)
            corpus = args.corpus
            runs: list[tuple[str, Path, list[str], int]] = [
                ("status", corpus, ["status"], args.rounds),
                ("status --format json", corpus, ["status", "--format", "json"], args.rounds),
                ("check", corpus, ["check", "--format", "json"], args.rounds),
                (
                    "review list (one language, all states)",
                    corpus,
                    ["review", "list", "-l", "fr", "--all-states", "--format", "json"],
                    args.rounds,
                ),
                (
                    "release --preview --no-cache (this repository's content)",
                    site,
                    ["release", "--out", str(Path(temp) / "dist"), "--preview", "--no-cache"],
                    max(1, args.rounds - 1),
                ),
            ]
            rows = [
                compare(name, old / "src", HERE / "src", root, command, rounds)
                for name, root, command, rounds in runs
                if name.startswith(wanted)
            ]
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(old)], check=False
            )
    emit({"rows": rows}, args.json)


if __name__ == "__main__":
    main()
