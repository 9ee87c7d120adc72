"""``equalcity check``: the CI gate."""

from __future__ import annotations

from pathlib import Path

import click

from ..checks import registry
from ..checks.report import FORMATS, render
from ..checks.runner import load_config, run, targets
from ..project import Project
from .errors import reports_errors


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
@click.option("--jobs", "-j", type=int, help="Parallel workers (default: one per core).")
@click.pass_obj
@reports_errors
def command(
    project: Project, paths: tuple[Path, ...], fmt: str, list_checks: bool, jobs: int | None
) -> None:
    """Check PO files and sources; one line per finding, 'path:line: severity check: message'.

    Exit status 0: no errors (warnings allowed); 1: errors found; 2: could not run.
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
    findings = run(project, paths, jobs=jobs, work=work)
    click.echo(render(findings, fmt), nl=False)
    if any(f.severity == "error" for f in findings):
        raise SystemExit(1)
