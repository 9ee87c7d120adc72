"""A shallow clone (what actions/checkout gives by default): every command works, or exits 2
with one line saying what history it needs and how to get it — never a traceback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shallow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("shallow") / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", ROOT.as_uri(), str(target)], check=True
    )
    assert (target / ".git" / "shallow").exists()
    return target


WORKS = [
    ("check", "{root}/locales/fr/01-introduction/module.po"),
    ("status",),
    ("status", "--format", "json"),
    ("review", "list", "--locale", "fr"),
    ("glossary", "lint"),
    ("extract",),
]
NEEDS_HISTORY = [
    ("check",),
    ("check", "{root}/locales/fr"),
    ("release", "--edition", "de", "--out", "{tmp}/dist"),
    ("release", "notes", "--since", "HEAD"),
]


@pytest.mark.parametrize("args", WORKS, ids=" ".join)
def test_commands_that_need_no_history_work(shallow: Path, args: tuple[str, ...]) -> None:
    Cli(shallow)(*(a.format(root=shallow) for a in args), code=0)


@pytest.mark.parametrize("args", NEEDS_HISTORY, ids=" ".join)
def test_commands_that_need_history_say_so_in_one_line(
    shallow: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = Cli(shallow)(*(a.format(tmp=tmp_path, root=shallow) for a in args), code=2)
    last = result.output.strip().splitlines()[-1]
    assert "needs the repository's whole history" in last
    assert "git fetch --unshallow" in last and "fetch-depth: 0" in last
    assert "Traceback" not in result.output


def test_the_dashboard_says_the_trend_needs_history(shallow: Path, tmp_path: Path) -> None:
    out = tmp_path / "status.html"
    Cli(shallow)("status", "--format", "html", "--out", str(out))
    assert "shallow" in out.read_text(encoding="utf-8")


def test_after_unshallow_the_gate_runs(shallow: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    shutil.copytree(shallow, full)  # its origin is this repository, with every commit
    subprocess.run(["git", "-C", str(full), "fetch", "--quiet", "--unshallow"], check=True)
    result = Cli(full)("check", str(full / "locales/fr/reviews.jsonl"), code=0)
    assert "needs the repository's whole history" not in result.output
