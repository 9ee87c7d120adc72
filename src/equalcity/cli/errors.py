"""One place that turns domain errors into the CLI contract: one line, exit status 2."""

from __future__ import annotations

from typing import ParamSpec, TypeVar

import click

from equalcity.errors import EqualcityError

P = ParamSpec("P")
R = TypeVar("R")


class InputError(click.ClickException):
    """An ``EqualcityError`` in click's terms: printed as ``equalcity: path:line: message``
    (nothing when it has no message) and ending the command with the error class's exit
    status (2 for bad input, 1 for findings)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per error, not per class

    def show(self, file: object = None) -> None:
        if self.message:
            click.echo(f"equalcity: {self.format_message()}", err=True)


def as_click(exc: BaseException) -> InputError | None:
    """The CLI's one translation of a domain or OS error (None: not one of ours)."""
    if isinstance(exc, EqualcityError):
        return InputError(str(exc) if exc.message else "", exc.exit_code)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return InputError(f"{where}{exc.strerror or exc}")
    return None
