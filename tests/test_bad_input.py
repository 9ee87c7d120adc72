"""Every bad input is refused cleanly: exit 2, one ``equalcity: path:line: …`` line, no
traceback, and no file changed. Each case breaks one thing in a small translated repository."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from equalcity.fs import STALE_AFTER
from tests.conftest import Cli

PO = "locales/fr/01-test/module.po"


@pytest.fixture
def translated(repo: Path) -> Path:
    # Not the `cli` fixture: its teardown insists on canonical PO files, and these are broken.
    cli = Cli(repo)
    cli("extract")
    cli("init", "fr")
    (repo / "workflows").mkdir()
    (repo / "workflows" / "panel.toml").write_text(
        '[[reviewer]]\nid = "fr-1"\nemail = "fr-1@example.org"\nlanguages = ["fr"]\n'
        'role = "language"\n\n[tiers.high]\napprovals = 2\nflags = ["risk-high"]\n',
        encoding="utf-8",
    )
    gitrepo = git.Repo.init(repo)
    gitrepo.git.add(A=True)
    gitrepo.index.commit("content", author=git.Actor("m", "m@example.org"))
    gitrepo.close()
    return repo


def _set_msgstr(root: Path, value: str) -> None:
    path = root / PO
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr ""\n', f'msgstr "{value}"\n', 2), encoding="utf-8")


def _replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def _link(relative: str, target: Callable[[Path], Path]) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        destination = target(root)
        path.unlink()
        path.symlink_to(destination)

    return change


def _outside(root: Path) -> Path:
    other = root.parent / "outside.po"
    other.write_text((root / PO).read_text(encoding="utf-8"), encoding="utf-8")
    return other


def _write(relative: str, data: bytes) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)

    return change


# (id, how to break it, the command, what the one line says)
CASES: list[tuple[str, Callable[[Path], None], tuple[str, ...], str]] = [
    ("nul-escape", lambda r: _set_msgstr(r, "Planifier\\000 la sécurité"), ("update",),
     f"{PO}:"),
    ("raw-control", lambda r: _set_msgstr(r, "Planifier\x07"), ("update",), "U+0007"),
    ("doc-dotdot", lambda r: None,
     ("review", "approve", "--locale", "fr", "--doc", "../module", "--all"), "MODULE/DOC"),
    ("doc-absolute", lambda r: None,
     ("review", "show", "--locale", "fr", "--doc", "/etc/passwd", "--entry", "abc"),
     "MODULE/DOC"),
    ("po-link-outside", _link(PO, _outside), ("update",), "outside the repository"),
    ("ledger-link", _link("locales/fr/reviews.jsonl", lambda r: r / "locales/fr/x.jsonl"),
     ("status",), "must be a file, not a symbolic link"),
    ("front-matter-key", _replace("source/01-test/module.md", "title:", "tittle:"),
     ("extract",), "front matter key 'tittle' is not allowed"),
    ("roster-string-for-list", _replace("workflows/panel.toml", '["fr"]', '"fr"'),
     ("status",), "panel.toml:4: [[reviewer]] number 1: languages must be a list"),
    ("roster-unknown-flag", _replace("workflows/panel.toml", '"risk-high"', '"testimony-x"'),
     ("status",), "unknown flag 'testimony-x'"),
    ("roster-number-for-text", _replace("workflows/panel.toml", '"language"', "3"),
     ("status",), "role must be text in quotes"),
    ("names-not-utf8", _write("workflows/fictional-names.txt", b"Amina\n\xff\n"),
     ("check",), "fictional-names.txt:2: not valid UTF-8"),
    ("checks-wrong-type", _write("workflows/checks.toml", b'[release]\nlanguages = "fr"\n'),
     ("check",), "checks.toml:2: [release]: languages must be a list"),
    ("release-wrong-type",
     _write("workflows/release.toml", b'[edition.fr]\nlanguage = "fr"\ntitle = 3\n'),
     ("release", "--out", "dist"), "title must be text in quotes"),
    ("release-not-a-table", _write("workflows/release.toml", b"edition = 3\n"),
     ("release", "--out", "dist"), "must be tables"),
]  # fmt: skip


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if not p.is_symlink() else b"->")
        for p in sorted(root.rglob("*"))
        if ".git" not in p.parts and (p.is_file() or p.is_symlink())
    }


@pytest.mark.parametrize(("name", "change", "args", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(
    translated: Path,
    name: str,
    change: Callable[[Path], None],
    args: tuple[str, ...],
    says: str,
) -> None:
    (translated / "locales/fr/reviews.jsonl").write_text("", encoding="utf-8")
    (translated / "locales/fr/x.jsonl").write_text("", encoding="utf-8")
    change(translated)
    before = _files(translated)
    result = Cli(translated)(*args, code=2)
    lines = result.output.strip().splitlines()
    assert lines and lines[-1].startswith("equalcity: "), result.output
    assert says in lines[-1], lines[-1]
    assert "Traceback" not in result.output
    assert _files(translated) == before


def test_a_ledger_line_with_wrong_types_is_a_finding_at_its_line(translated: Path) -> None:
    ledger = translated / "locales/fr/reviews.jsonl"
    line = (
        '{"doc": "01-test/module", "key": null, "text": 123, "reviewer": "fr-1", '
        '"decision": "approve", "time": "2026-12-01T10:00:00Z"}\n'
    )
    ledger.write_text(line, encoding="utf-8")
    result = Cli(translated)("check", str(ledger), code=1)
    assert "locales/fr/reviews.jsonl:1: error review-malformed" in result.output
    assert "key must be a hash of 16 hex digits" in result.output


def test_leftovers_of_a_killed_run_are_removed_by_the_next(translated: Path) -> None:
    cli = Cli(translated)
    folder = translated / "locales/fr/01-test"
    stale = folder / ".module.po.k3j2h1g0.tmp"
    fresh = folder / ".annex.po.a1b2c3d4.tmp"  # may belong to a run still going
    for path in (stale, fresh):
        path.write_text("half a file", encoding="utf-8")
    old = time.time() - STALE_AFTER - 5
    os.utime(stale, (old, old))
    dist = translated / "dist"
    staging = dist / ".fr.x7y8z9w0"
    staging.mkdir(parents=True)
    (staging / "index.html").write_text("half a page", encoding="utf-8")
    os.utime(staging, (old, old))
    cli("update")
    assert not stale.exists() and fresh.exists()
    fresh.unlink()
    (translated / "workflows/release.toml").write_text(
        '[edition.fr]\nlanguage = "fr"\npreview = true\n', encoding="utf-8"
    )
    (translated / "source/contacts.toml").write_text(
        "".join(
            f'[{key}]\nname = "Service {key}"\nphone = "+00 000 000 000"\nexample = true\n'
            'verified = ""\n\n'
            for key in ("emergency", "national-vaw-helpline")
        ),
        encoding="utf-8",
    )
    gitrepo = git.Repo(translated)
    gitrepo.git.add(A=True)
    gitrepo.index.commit("release settings", author=git.Actor("m", "m@example.org"))
    gitrepo.close()
    cli("release", "--out", str(dist), "--no-cache")
    assert not staging.exists() and (dist / "fr" / "manifest.json").exists()
