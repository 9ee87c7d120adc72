"""The command group and its shared options.

Commands are imported when they run, not when ``equalcity`` starts: importing them all (the
PO layer, Babel, git, the release renderer) took six times as long as starting Python, and
``equalcity --help`` or a shell completion should answer at once. The help list comes from
``SUMMARIES``; ``tests/cli/test_cli_habits.py`` checks it says what the commands say.
"""

from __future__ import annotations

import gc
import importlib
from pathlib import Path

import click

from equalcity import __version__

# name -> (module in this package, first paragraph of the command's help)
SUMMARIES: dict[str, tuple[str, str]] = {
    "extract": (
        "extract",
        "Write PO templates for every source/MODULE/DOC.md into locales/templates/.",
    ),
    "init": (
        "init",
        "Create locales/LANG/ with one PO file per template (header from CLDR: Plural-Forms).",
    ),
    "update": (
        "update",
        "Merge every template into every PO file (msgmerge semantics; no translation is lost).",
    ),
    "build": (
        "build",
        "Write translated Markdown: translated, non-fuzzy strings; source text elsewhere.",
    ),
    "status": (
        "status",
        "Per language × module: strings and source words untranslated, fuzzy, translated "
        "(waiting for review), changes requested and approved; 'words done' = translated or "
        "approved.",
    ),
    "check": (
        "check",
        "Check PO files and sources; one line per finding, 'path:line: severity check: message'.",
    ),
    "format": (
        "format",
        "Rewrite PO/POT files (or every one under a folder) the way GNU msgcat and Poedit write "
        "them, so that saving in any editor causes no diff noise.",
    ),
    "merge-driver": (
        "merge_driver",
        "Merge PO files for git: BASE (%O), OURS (%A, rewritten with the result), THEIRS (%B), "
        "NAME (%P, the file's path, for messages).",
    ),
    "contacts": (
        "contacts",
        "The contacts each edition prints and whether the release gate trusts their checks.",
    ),
    "glossary": ("glossary", "The shared SGBV termbase in glossary/*.yaml (docs/glossary.md)."),
    "review": (
        "review",
        "Approve translations or request changes (workflows/panel.toml is the roster).",
    ),
    "release": ("release", "Build the release bundles of workflows/release.toml."),
    "serve": (
        "serve",
        "Start the review page: pick a language and module, read each entry beside its source "
        "and glossary terms, approve or request changes. Each decision is recorded exactly as "
        "'equalcity review' records it (a ledger line and a commit authored by you).",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUMMARIES)  # as click.Group lists them

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUMMARIES:
            return None
        module = importlib.import_module(f"{__package__}.{SUMMARIES[cmd_name][0]}")
        command: click.Command = module.command
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Every command's domain and OS errors become click's exceptions here, the one place
        (the exit status comes from the error's class: ``EqualcityError.exit_code``)."""
        from equalcity.cli.errors import as_click

        try:
            return super().invoke(ctx)
        except Exception as exc:
            translated = as_click(exc)
            if translated is None:
                raise
            raise translated from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own layout and truncation, from the summaries instead of the modules.
        stubs = [(name, click.Command(name, help=SUMMARIES[name][1])) for name in sorted(SUMMARIES)]
        limit = formatter.width - 6 - max(len(name) for name, _ in stubs)
        with formatter.section("Commands"):
            formatter.write_dl([(name, stub.get_short_help_str(limit)) for name, stub in stubs])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The content repository (the folder with source/ and locales/).",
)
@click.version_option(__version__, prog_name="equalcity")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Translation and review pipeline for the equalcity SGBV training toolbox.

    source/*.md --extract--> locales/templates/*.pot --update--> locales/LANG/*.po
    --build--> translated Markdown.

    Exit status: 0 success, 1 findings, 2 bad input or usage (one line naming the file and
    line on stderr).
    """
    from equalcity.repository.project import Project
    from equalcity.repository.snapshot import WorkingFiles

    # A command parses hundreds of thousands of PO entries into objects that live until it
    # ends; at the default threshold (700 allocations) the cyclic collector runs thousands of
    # times over them. Measured on the benchmark corpus: status 14.1 s -> 12.3 s, same output.
    gc.set_threshold(50_000, 20, 20)

    WorkingFiles(root).refuse_links()
    ctx.obj = Project(root)
