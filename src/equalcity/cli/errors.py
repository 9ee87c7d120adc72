"""One place that turns domain errors into the CLI contract: one line, exit status 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from ..errors import EqualcityError

P = ParamSpec("P")
R = TypeVar("R")


class InputError(click.ClickException):
    """A user-fixable error, printed as ``equalcity: path:line: message``; exit status 2."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"equalcity: {self.format_message()}", err=True)


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func``; an ``EqualcityError`` or an OS error becomes one line and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except EqualcityError as exc:
            raise InputError(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise InputError(f"{where}{exc.strerror or exc}") from None

    return wrapper
