"""The panel's shared service under load: p50/p95 of a decision (commit signed with the service
key + push to a local bare remote) and of the review list page of a 330-entry module, with 20
reviewers at once.

    python -m benchmarks.bench_serve [--entries 330] [--users 20] [--decisions 10] [--out FILE]
    python -m benchmarks.bench_serve --services 2 --pages 0 --before REV [--rounds 2]

``equalcity serve --public-url`` processes (as the systemd unit runs them), each on its own
clone of a generated content repository, all pushing to one bare remote; the users are threads
of this process, spread over the services in turn, speaking the JSON API (decisions) and
loading the page (``show=all``: every entry, in pages of 40). With ``--before REV`` the services
run the code of ``REV`` (its ``src`` from ``git archive``) and this tree's, alternating, so that
a busy machine slows both alike; each run reports decisions per second.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from tests.web.test_service import api, decision_targets, load_site, make_remote, service_process

from benchmarks.report import emit


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


HERE = Path(__file__).resolve().parents[1]


def run(args: argparse.Namespace, source: Path | None) -> dict[str, object]:
    """One round: a fresh repository and remote, ``args.services`` services running the code
    in ``source`` (None: this tree's), every user's pages and decisions."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        repo = load_site(tmp / "toolbox", paragraphs=args.entries, reviewers=args.users)
        remote = make_remote(repo, tmp)
        targets = decision_targets(repo)
        decisions: list[float] = []
        pages: list[float] = []
        failures: list[str] = []
        guard = threading.Lock()
        with contextlib.ExitStack() as stack:
            services = [
                stack.enter_context(service_process(remote, f"service-{n}", source))
                for n in range(args.services)
            ]
            barrier = threading.Barrier(args.users)

            def user(number: int) -> None:
                base, state = services[number % len(services)]
                http = api(base, state, f"load-{number}")
                barrier.wait()
                try:
                    mine = targets[number :: args.users][: args.decisions] or targets
                    for index in range(max(args.decisions, args.pages)):
                        if index < args.pages:
                            start = time.perf_counter()
                            page = http.get("/review/fr/01-load?show=all", timeout=600)
                            with guard:
                                pages.append(time.perf_counter() - start)
                                if page.status_code != 200:
                                    failures.append(f"page {page.status_code}")
                        if index < args.decisions:
                            start = time.perf_counter()
                            answer = http.post(
                                "/api/decisions", json=mine[index % len(mine)], timeout=600
                            )
                            with guard:
                                decisions.append(time.perf_counter() - start)
                                if answer.status_code != 200:
                                    failures.append(f"decision {answer.status_code}")
                finally:
                    http.close()

            started = time.perf_counter()
            threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        pushed = len([d for d in remote.ledger() if d["doc"] == "01-load/module"])
    return {
        "code": "this tree" if source is None else args.before,
        "decision": _percentiles(decisions),
        "list_page": _percentiles(pages) if pages else None,
        "decisions_on_remote": pushed,
        "decisions_per_s": round(pushed / elapsed, 2),
        "failures": failures,
        "elapsed_s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=330)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=10, help="per user")
    parser.add_argument("--pages", type=int, default=5, help="page loads per user")
    parser.add_argument("--services", type=int, default=1, help="services on one remote")
    parser.add_argument("--before", help="also run the services from this commit's code")
    parser.add_argument("--rounds", type=int, default=1, help="with --before: rounds of each")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old: Path | None = None
        if args.before:
            old = Path(folder) / "before"
            archive = subprocess.run(
                ["git", "-C", str(HERE), "archive", args.before, "src"],
                capture_output=True,
                check=True,
            ).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(old, filter="data")
            old = old / "src"
        sources = [old, None] if old else [None]
        runs = [run(args, source) for _ in range(args.rounds) for source in sources]
    emit(
        {
            "entries": args.entries,
            "users": args.users,
            "services": args.services,
            "runs": runs,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
