"""Throw-away SSH keys for tests: made with ssh-keygen in the test's temporary folder, never
committed, never reused between tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


class Keyring:
    """One ed25519 key pair per name, generated on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def private(self, name: str) -> Path:
        path = self.folder / name
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)],
                check=True,
            )
        return path

    def public(self, name: str) -> str:
        self.private(name)
        return (self.folder / f"{name}.pub").read_text(encoding="utf-8").strip()


_ID = re.compile(r'^id = "([a-z0-9-]+)"$', re.MULTILINE)


def with_keys(panel: str, keys: Keyring, maintainer: str = "maint-1") -> str:
    """A roster text with each ``[[reviewer]]``'s own key and a maintainer who signs changes."""

    def add(match: re.Match[str]) -> str:
        return f'{match.group(0)}\nkeys = ["{keys.public(match.group(1))}"]'

    keyed = _ID.sub(add, panel)
    return keyed + f'\n[[maintainer]]\nid = "{maintainer}"\nkeys = ["{keys.public(maintainer)}"]\n'
