"""The panel's shared service under load: p50/p95 of a decision (commit signed with the service
key + push to a local bare remote) and of the review list page of a 330-entry module, with 20
reviewers at once.

    python -m benchmarks.bench_serve [--entries 330] [--users 20] [--decisions 10] [--out FILE]

One ``equalcity serve --public-url`` process (as the systemd unit runs it) on a clone of a
generated content repository; the users are threads of this process speaking the JSON API
(decisions) and loading the page (``show=all``: every entry, in pages of 40).
"""

from __future__ import annotations

import argparse
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=330)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=10, help="per user")
    parser.add_argument("--pages", type=int, default=5, help="page loads per user")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        repo = load_site(tmp / "toolbox", paragraphs=args.entries, reviewers=args.users)
        remote = make_remote(repo, tmp)
        targets = decision_targets(repo)
        decisions: list[float] = []
        pages: list[float] = []
        failures: list[str] = []
        guard = threading.Lock()
        with service_process(remote, "service") as (base, state):
            barrier = threading.Barrier(args.users)

            def user(number: int) -> None:
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
    emit(
        {
            "entries": args.entries,
            "users": args.users,
            "decision": _percentiles(decisions),
            "list_page": _percentiles(pages),
            "decisions_on_remote": pushed,
            "failures": failures,
            "elapsed_s": round(elapsed, 1),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
