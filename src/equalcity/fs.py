"""File access: strict UTF-8 reads and atomic writes."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from equalcity.errors import EqualcityError


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


_UMASK = _umask()  # read once, at import: changing it is not thread-safe


def parse_toml(text: str, display: str) -> dict[str, Any]:
    """Parse TOML; a syntax error names the file and line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        raise EqualcityError(
            f"not valid TOML: {str(exc).split(' (at')[0]}",
            path=display,
            line=int(match.group(1)) if match else None,
        ) from None


def read_toml(path: Path, display: str) -> tuple[dict[str, Any], str]:
    """A TOML file's data and its text (for line numbers in later messages)."""
    text = decode_utf8(path.read_bytes(), display)
    return parse_toml(text, display), text


def line_of(text: str, needle: str) -> int | None:
    """The first line (1-based) of ``text`` that contains ``needle``, for error messages."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    return None


def read_text(path: Path, display: str | None = None) -> str:
    """Read a UTF-8 file; a missing file or invalid byte is an error naming its line."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EqualcityError("no such file", path=name) from None
    except IsADirectoryError:
        raise EqualcityError("is a directory, expected a file", path=name) from None
    return decode_utf8(data, name)


def decode_utf8(data: bytes, name: str) -> str:
    """Decode ``data`` as UTF-8 (a BOM is dropped) or fail naming the line of the bad byte.

    >>> decode_utf8(b"a\\n\\xff", "x.po")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    equalcity.errors.EqualcityError: x.po:2: not valid UTF-8 (byte 0xff); convert the file ...
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise EqualcityError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
            "convert the file to UTF-8, e.g. with msgconv or iconv",
            path=name,
            line=line,
        ) from None
    return text.removeprefix("\ufeff")


def write_atomic(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Returns False (and leaves the file and its mtime alone) when the content is already there.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_symlink():
        # Renaming over the link would replace it; writing through it would change another
        # file, possibly outside the repository. Neither is what the user asked for.
        raise EqualcityError(
            "is a symbolic link; equalcity writes only plain files (replace the link with the "
            "file itself)",
            path=str(path),
        )
    try:
        if path.read_bytes() == raw:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


#: What a killed command leaves behind: ``write_atomic``'s ``.NAME.XXXXXXXX.tmp`` files, the
#: release's ``.NAME.XXXXXXXX`` staging folders and ``.NAME.old-PID`` folders.
_LEFTOVER = re.compile(r"^\..+\.(?:[A-Za-z0-9_]{8}\.tmp|[A-Za-z0-9_]{8}|old-\d+)$")
#: Younger ones may belong to a command still running.
STALE_AFTER = 600.0


def remove_leftovers(folder: Path, *, recursive: bool = False, now: float | None = None) -> int:
    """Remove this tool's temporary files and folders older than ``STALE_AFTER`` seconds."""
    import shutil
    import time

    if not folder.is_dir():
        return 0
    moment = time.time() if now is None else now
    removed = 0
    entries = folder.rglob(".*") if recursive else folder.glob(".*")
    for path in list(entries):
        if not _LEFTOVER.match(path.name) or path.is_symlink():
            continue
        try:
            if moment - path.stat().st_mtime < STALE_AFTER:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            elif path.name.endswith(".tmp"):
                path.unlink()
            else:
                continue
        except FileNotFoundError:
            continue  # another run removed it first
        removed += 1
    return removed
