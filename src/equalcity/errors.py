"""The one exception root: every error the user can fix names a file and a line."""

from __future__ import annotations

from pathlib import Path


class EqualcityError(Exception):
    """An error in the input or the environment that the user can act on.

    Rendered as ``path:line: message`` (either part omitted when unknown). The class says how
    it ends a command (``exit_code``, the CLI contract: 2 bad input) and a request of the review
    service (``http_status``): the CLI and the service read them from here, nowhere else.

    >>> str(EqualcityError("unterminated string", path="fr/a.po", line=12))
    'fr/a.po:12: unterminated string'
    """

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __reduce__(self) -> tuple[object, ...]:
        # Keep path and line when an error crosses a process boundary (parallel workers).
        return (_rebuild, (type(self), self.message, self.path, self.line))

    def located(self, path: str | Path, line: int | None = None) -> EqualcityError:
        """Return a copy that names ``path`` (and ``line`` if this error has none)."""
        return type(self)(self.message, path=path, line=self.line if self.line else line)

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


def _rebuild(
    cls: type[EqualcityError], message: str, path: str | None, line: int | None
) -> EqualcityError:
    return cls(message, path=path, line=line)


class PoSyntaxError(EqualcityError):
    """A PO file that GNU gettext would not read."""


class MarkdownError(EqualcityError):
    """A source document the pipeline cannot segment or rebuild."""


class ToolMissingError(EqualcityError):
    """An external program (GNU gettext) is not installed."""


class ConflictError(EqualcityError):
    """A write that would clash with other work: uncommitted or staged changes to the same
    files, a text that changed since the reviewer saw it, or another write holding the lock."""

    http_status = 409


class RefusedError(EqualcityError):
    """An action the review rules forbid: off the roster, or approving one's own translation."""

    http_status = 403


class FindingsError(EqualcityError):
    """The command ran and what it found is a failure (check errors, a blocked edition, merge
    conflicts, files not in canonical layout): exit status 1. The findings were already
    printed; the message, if any, is one more line."""

    exit_code = 1
