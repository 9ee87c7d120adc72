"""CLI habits: a fast --help, shell completion, progress only on a terminal, JSON for scripts."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from equalcity.cli import main
from equalcity.cli.main import SUMMARIES
from equalcity.repository.snapshot import Snapshot
from equalcity.review.state import STATES
from tests.conftest import Cli

ROOT = Path(__file__).parents[2]
HEAVY = ("babel", "git", "translate", "markdown_it", "weasyprint", "equalcity.po.catalog")


def test_help_lists_what_the_commands_themselves_say() -> None:
    import importlib

    eager = click.Group(
        "equalcity", params=main.params, help=main.help, context_settings=main.context_settings
    )
    for name, (module, _) in SUMMARIES.items():
        eager.add_command(importlib.import_module(f"equalcity.cli.{module}").command, name)
    for width in (60, 80, 120):
        lazy = CliRunner().invoke(main, ["--help"], terminal_width=width, prog_name="equalcity")
        real = CliRunner().invoke(eager, ["--help"], terminal_width=width, prog_name="equalcity")
        assert lazy.output == real.output


def test_help_imports_none_of_the_commands() -> None:
    code = (
        "import sys\n"
        "from equalcity.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stderr.split()
    assert "Commands:" in done.stdout and "click" in loaded
    assert not [m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY], loaded


def _complete(*words: str) -> list[str]:
    env = {
        "_EQUALCITY_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(["equalcity", "--root", str(ROOT), *words]),
        "COMP_CWORD": str(len(words) + 2),
    }
    result = CliRunner().invoke(main, [], env=env, prog_name="equalcity")
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


def test_completion_offers_languages_documents_and_editions() -> None:
    project = Snapshot.of(ROOT)
    assert _complete("update", "--locale", "") == project.locales()
    assert _complete("status", "-l", "f") == [c for c in project.locales() if c.startswith("f")]
    documents = [doc.id for doc in project.documents()]
    assert _complete("review", "show", "--doc", "") == documents
    assert _complete("review", "show", "--doc", "03") == [d for d in documents if d[:2] == "03"]
    modules = sorted({doc.module for doc in project.documents()})
    assert _complete("review", "list", "--module", "") == modules
    editions = list(tomllib.loads((ROOT / "workflows/release.toml").read_text())["edition"])
    assert _complete("release", "--edition", "") == editions
    assert _complete("release", "notes", "--edition", "fr") == [
        e for e in editions if e.startswith("fr")
    ]


def _stderr_on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run ``equalcity ARGS`` with stderr on a pseudo-terminal (stdout piped); its stderr."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from equalcity.cli import main; main()", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "TERM": "xterm"},
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:  # the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    process.communicate(timeout=120)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def translated(cli: Cli, repo: Path) -> Path:
    cli("extract")
    cli("init", "fr")
    cli("init", "de")
    return repo


def test_progress_only_when_stderr_is_a_terminal(translated: Path, cli: Cli) -> None:
    files = len(list(translated.glob("locales/*/*/*.po"))) + len(
        list(translated.glob("source/*/*.md"))
    )
    seen = _stderr_on_a_terminal(["check"], translated)
    assert f"\rchecking files 1/{files}" in seen and seen.endswith("\r\x1b[K")
    merged = _stderr_on_a_terminal(["update"], translated)
    assert "\rmerging languages 1/2" in merged
    piped = subprocess.run(
        [sys.executable, "-c", "from equalcity.cli import main; main()", "check"],
        cwd=translated,
        capture_output=True,
        text=True,
    )
    assert piped.stderr == ""  # CI logs and pipes get no counter
    assert "checking" not in cli("update").output


def test_review_list_as_json_lists_what_the_text_lists() -> None:
    runner = CliRunner()
    args = ["--root", str(ROOT), "review", "list", "--locale", "fr", "--all-states"]
    text = runner.invoke(main, args)
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    lines = text.output.splitlines()[:-1]
    assert len(data) == len(lines) > 0
    for item, line in zip(data, lines, strict=True):
        assert line.startswith(f"{item['doc']}:{item['line']} {item['id']} {item['state']} ")
    assert set(data[0]) == {
        "locale",
        "doc",
        "line",
        "id",
        "state",
        "tier",
        "approvals",
        "approvals_required",
        "changes_requested",
        "changed_since_approval",
        "msgctxt",
        "msgid",
        "msgstr",
        "fuzzy",
    }
    # The repository's seeded approvals are unsigned: they show as unverified, never approved.
    assert {item["state"] for item in data} <= set(STATES) and "approved" not in {
        item["state"] for item in data
    }
