"""Every git operation of the tool, behind one seam (gitpython)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from .errors import EqualcityError


def open_repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise EqualcityError(
            "not a git repository; reviews are recorded as commits", path=root
        ) from None


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


def identity(repo: git.Repo) -> Identity:
    """Who git says the current user is (user.name, user.email)."""
    reader = repo.config_reader()
    try:
        email = str(reader.get_value("user", "email"))
    except Exception:
        raise EqualcityError(
            "git does not know who you are; run 'git config user.email YOU@EXAMPLE.ORG'"
        ) from None
    try:
        name = str(reader.get_value("user", "name"))
    except Exception:
        name = email.split("@")[0]
    return Identity(name, email)


def commit(repo: git.Repo, paths: Sequence[Path], message: str, who: Identity) -> str:
    """Commit ``paths`` (only them) as ``who``; returns the commit id."""
    root = Path(repo.working_tree_dir or ".")
    rel = [str(p.resolve().relative_to(root.resolve())) for p in paths]
    repo.index.add(rel)
    actor = git.Actor(who.name, who.email)
    return str(repo.index.commit(message, author=actor, committer=actor).hexsha)


def dirty_paths(repo: git.Repo, paths: Sequence[Path]) -> list[str]:
    """Which of ``paths`` have uncommitted changes (staged or not)."""
    root = Path(repo.working_tree_dir or ".")
    wanted = {str(p.resolve().relative_to(root.resolve())) for p in paths}
    changed = {item.a_path for item in repo.index.diff(None)}
    if repo.head.is_valid():
        changed |= {item.a_path for item in repo.index.diff("HEAD")}
    return sorted(wanted & changed)


def line_authors(repo: git.Repo, path: Path) -> list[str | None]:
    """The author email of the commit that last changed each line (None: not committed)."""
    root = Path(repo.working_tree_dir or ".")
    rel = str(path.resolve().relative_to(root.resolve()))
    try:
        blame = repo.blame("HEAD", rel)
    except git.GitCommandError:
        return []
    out: list[str | None] = []
    for entry in blame or []:
        commit_, lines = entry[0], entry[1]
        out.extend([str(commit_.author.email)] * len(lines))  # type: ignore[union-attr,arg-type]
    return out


def edited_lines(repo: git.Repo, path: Path) -> list[tuple[str, str]]:
    """Commits that removed or changed lines of an append-only file: (commit, author email)."""
    root = Path(repo.working_tree_dir or ".")
    rel = str(path.resolve().relative_to(root.resolve()))
    found: list[tuple[str, str]] = []
    if not repo.head.is_valid():
        return found
    for item in repo.iter_commits(paths=rel):
        if not item.parents:
            continue
        diff = repo.git.diff(item.parents[0].hexsha, item.hexsha, "--", rel, unified=0)
        if any(line.startswith("-") and not line.startswith("---") for line in diff.splitlines()):
            found.append((item.hexsha[:10], str(item.author.email)))
    return found
