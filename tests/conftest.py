"""Shared fixtures: a content repository in a temporary folder, goldens, canonical-file checks."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from equalcity.cli import main

DATA = Path(__file__).parent / "data"

# CI replays the same examples on every run (a red build must mean a regression, and be
# reproducible); developers' runs explore new examples each time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
REGENERATE = os.environ.get("EQUALCITY_REGENERATE_GOLDENS") == "1"


#: The day every test lives in: contact ages in release gates are judged as of this day, so no
#: test changes its verdict when the calendar moves on (the installed command reads it too).
FROZEN_DAY = "2026-12-04"


os.environ["EQUALCITY_AS_OF"] = FROZEN_DAY  # before any fixture, module-scoped ones included


def _working_tree_state() -> str:
    """What git sees in this checkout, ignored files included, less the allowed outputs."""
    allowed = ("test-artifacts/", "tools/node_modules/", ".hypothesis/")
    out = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "\n".join(
        line
        for line in out.splitlines()
        if not any(part in line for part in allowed) and "__pycache__" not in line
    )


@pytest.fixture(autouse=True, scope="session")
def _no_writes_outside_temporary_folders() -> Iterator[None]:
    """Tests write only below their temporary folders: the checkout is as it was."""
    before = _working_tree_state()
    yield
    after = _working_tree_state()
    assert after == before, f"the test session changed the working tree:\n{after}"


@pytest.fixture(autouse=True)
def _collect_git_processes() -> Iterator[None]:
    """gitpython keeps ``git cat-file`` processes per Repo object and ends them only when the
    object is collected; collect here, at a known point, so their ResourceWarnings cannot
    surface at random in a later test (CLI commands run in-process in these tests)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def golden(path: Path, actual: str) -> None:
    """Compare ``actual`` with the golden file (``EQUALCITY_REGENERATE_GOLDENS=1`` rewrites)."""
    if REGENERATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with EQUALCITY_REGENERATE_GOLDENS=1"
    assert actual == path.read_text(encoding="utf-8")


def assert_gettext_clean(root: Path) -> None:
    """Every PO/POT file under ``root`` is what msgcat writes, and msgfmt --check accepts it."""
    files = sorted([*root.rglob("*.po"), *root.rglob("*.pot")])
    for path in files:
        data = path.read_bytes()
        rewritten = subprocess.run(
            ["msgcat", "--force-po", "-o", "-", str(path)], capture_output=True, check=True
        ).stdout
        assert data == rewritten, f"{path} is not in msgcat's canonical form"
        # Templates carry xgettext's placeholder header, which --check-header flags by design.
        checks = ["--check"] if path.suffix == ".po" else ["--check-format", "--check-domain"]
        check = subprocess.run(
            ["msgfmt", *checks, "-o", os.devnull, str(path)], capture_output=True, text=True
        )
        assert check.returncode == 0 and not check.stderr, f"{path}: {check.stderr}"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small content repository: two documents of one module, no locales yet."""
    root = tmp_path / "content"
    (root / "source" / "01-test").mkdir(parents=True)
    shutil.copy(DATA / "markdown" / "blocks.md", root / "source" / "01-test" / "module.md")
    shutil.copy(DATA / "markdown" / "special.md", root / "source" / "01-test" / "annex.md")
    return root


class Cli:
    """``equalcity`` through click's runner; failures print output and traceback."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = self.runner.invoke(main, ["--root", str(self.root), *args])
        if result.exit_code != code:
            print(result.output)
            if result.exc_info and not isinstance(result.exception, SystemExit):
                import traceback

                traceback.print_exception(*result.exc_info)
        assert result.exit_code == code, result.output
        return result


@pytest.fixture
def cli(repo: Path) -> Iterator[Cli]:
    yield Cli(repo)
    assert_gettext_clean(repo)
