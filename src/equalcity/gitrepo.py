"""Every git operation of the tool, behind one seam (gitpython)."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from .errors import ConflictError, EqualcityError


def open_repo(root: Path) -> git.Repo:
    """The repository holding ``root``. Close it (``with open_repo(root) as repo:``) in
    long-running processes: gitpython ends its ``git cat-file`` helpers only then, or at gc."""
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise EqualcityError(
            "not a git repository: reviews are commits and a release names its commit; "
            "clone the content repository, or run 'git init' and commit",
            path=root,
        ) from None


def is_shallow(repo: git.Repo) -> bool:
    """Whether this clone has only part of the history (``git clone --depth``)."""
    return (Path(repo.git_dir) / "shallow").exists()


def require_history(repo: git.Repo, what: str) -> None:
    """Refuse, in one line, to compute ``what`` from a shallow clone's cut-off history."""
    if is_shallow(repo):
        raise EqualcityError(
            f"{what} needs the repository's whole history, but this clone is shallow; run "
            "'git fetch --unshallow' (in GitHub Actions: actions/checkout with fetch-depth: 0)",
            path=Path(repo.working_tree_dir or "."),
        )


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


def staged_paths(repo: git.Repo) -> list[str]:
    """Paths whose changes are staged (in the index, not yet committed)."""
    if not repo.head.is_valid():
        return sorted(str(entry[0]) for entry in repo.index.entries)
    return sorted({str(item.a_path) for item in repo.index.diff("HEAD")})


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()
LOCK_FILE = "equalcity.lock"


@contextmanager
def write_lock(repo: git.Repo, timeout: float = 30.0) -> Iterator[None]:
    """Hold the repository's write lock: one writer at a time across threads (a lock per
    repository) and across processes (``flock`` on ``.git/equalcity.lock``)."""
    git_dir = Path(repo.git_dir).resolve()
    with _THREAD_LOCKS_GUARD:
        lock = _THREAD_LOCKS.setdefault(str(git_dir), threading.Lock())
    busy = ConflictError(
        f"another review is still being recorded in this repository after {timeout:g} s; try again"
    )
    if not lock.acquire(timeout=timeout):
        raise busy
    try:
        with (git_dir / LOCK_FILE).open("a+b") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise busy from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        lock.release()


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


def first_parent_history(repo: git.Repo) -> list[tuple[str, int]]:
    """``(commit, commit time as a Unix timestamp)`` along HEAD's first parents, newest first."""
    if not repo.head.is_valid():
        return []
    out = repo.git.log("--first-parent", "--format=%H %ct", "HEAD")
    return [(sha, int(stamp)) for sha, stamp in (line.split() for line in out.splitlines())]


def tree_files(repo: git.Repo, commit_: str, paths: Sequence[str]) -> dict[str, str]:
    """Blob id of every file under ``paths`` at ``commit_``, by path."""
    out = repo.git.ls_tree("-r", "-z", commit_, "--", *paths)
    found: dict[str, str] = {}
    for record in out.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        _mode, kind, blob = meta.split()
        if kind == "blob":
            found[path] = blob
    return found


def blob(repo: git.Repo, blob_id: str) -> bytes:
    """The content of a blob (through git's one long-lived ``cat-file --batch`` process)."""
    _sha, _kind, _size, data = repo.git.get_object_data(blob_id)
    return bytes(data)
