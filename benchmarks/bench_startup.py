"""How fast ``equalcity --help`` starts, against starting Python itself, in one run.

    python -m benchmarks.bench_startup [--runs 30] [--json FILE]

Both are started the same way (``python -c``, so a pyenv or venv launcher adds nothing to one
side only) and interleaved, so a busy machine slows both alike; the medians are compared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import emit

HELP = "import sys; sys.argv = ['equalcity', '--help']; from equalcity.cli import main; main()"


def _once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    bare: list[float] = []
    helped: list[float] = []
    for _ in range(args.runs):
        bare.append(_once("pass"))
        helped.append(_once(HELP))
    python_ms, help_ms = statistics.median(bare) * 1000, statistics.median(helped) * 1000
    report = {
        "runs": args.runs,
        "python_c_pass_ms": round(python_ms, 1),
        "equalcity_help_ms": round(help_ms, 1),
        "ratio": round(help_ms / python_ms, 2),
    }
    emit(report, args.json)


if __name__ == "__main__":
    main()
