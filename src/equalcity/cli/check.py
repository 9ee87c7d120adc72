"""``equalcity check``: the CI gate."""

from __future__ import annotations

import os
from pathlib import Path

import click

from equalcity.checks import registry
from equalcity.checks.report import FORMATS, github_summary, render
from equalcity.checks.runner import load_config, run, targets
from equalcity.cli.progress import on_terminal
from equalcity.errors import FindingsError
from equalcity.repository.project import Project


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
@click.option("--jobs", "-j", type=int, help="Parallel workers (default: one per core).")
@click.pass_obj
def command(
    project: Project, paths: tuple[Path, ...], fmt: str, list_checks: bool, jobs: int | None
) -> None:
    """Check PO files and sources; one line per finding, 'path:line: severity check: message'.

    Exit status 0: no errors (warnings allowed); 1: errors found; 2: could not run.
    With --format github in a GitHub Actions job, every finding also goes to the job summary
    ($GITHUB_STEP_SUMMARY), grouped by file.
    Severities are set per check in workflows/checks.toml; one entry is silenced with a
    translator comment '# equalcity-ignore: CHECK-ID'.
    """
    if list_checks:
        config = load_config(project)
        for check in registry().values():
            click.echo(f"{check.id:20} {config.severity(check.id):8} {check.explanation}")
        return
    work = targets(project, paths)
    for target in work:
        if target.standalone:
            language = repr(target.locale) if target.locale else "unknown (no Language header)"
            click.echo(
                f"note: {target.display} is not a translation under locales/<lang>/: checked "
                f"on its own, language {language} from its header; the review ledger does not "
                "apply",
                err=True,
            )
    findings = run(project, paths, jobs=jobs, work=work, progress=on_terminal("checking files"))
    click.echo(render(findings, fmt, _information_uri()), nl=False)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        # Appended, as GitHub expects: other steps of the job write their own summaries.
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(github_summary(findings))
    if any(f.severity == "error" for f in findings):
        raise FindingsError("")


def _information_uri() -> str | None:
    """docs/checks.md in the repository CI runs on (GitHub Actions' own variables)."""
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if not server or not repository:
        return None
    return f"{server}/{repository}/blob/{os.environ.get('GITHUB_SHA') or 'HEAD'}/docs/checks.md"
