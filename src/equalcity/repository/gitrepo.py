"""Every git operation of the tool, behind one seam (gitpython)."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import fcntl
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from equalcity.errors import ConflictError, EqualcityError
from equalcity.fs import write_atomic


def open_repo(root: Path) -> git.Repo:
    """The repository holding ``root``. Close it (``with open_repo(root) as repo:``) in
    long-running processes: gitpython ends its ``git cat-file`` helpers only then, or at gc."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise EqualcityError(
            "not a git repository: reviews are commits and a release names its commit; "
            "clone the content repository, or run 'git init' and commit",
            path=root,
        ) from None
    # Review verdicts rest on what git says a commit is: never let replace refs (which anyone
    # can fetch into a clone) substitute one commit for another.
    repo.git.update_environment(GIT_NO_REPLACE_OBJECTS="1")
    return repo


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


def identity_of(root: Path) -> Identity:
    """git's ``user.name``/``user.email`` in the repository holding ``root``."""
    with open_repo(root) as repo:
        return identity(repo)


def commit(repo: git.Repo, paths: Sequence[Path], message: str, who: Identity) -> str:
    """Commit ``paths`` (only them) as ``who``; returns the commit id."""
    root = Path(repo.working_tree_dir or ".")
    rel = [str(p.resolve().relative_to(root.resolve())) for p in paths]
    repo.index.add(rel)
    actor = git.Actor(who.name, who.email)
    return str(repo.index.commit(message, author=actor, committer=actor).hexsha)


def _status(repo: git.Repo) -> dict[str, tuple[bool, bool]]:
    """Tracked paths with changes: (staged, changed in the working tree), from one
    ``git status`` (a decision of the shared service runs this; gitpython's diffs took three
    processes and most of a decision's time)."""
    out = repo.git.status("--porcelain=v1", "-z", "--untracked-files=no")
    found: dict[str, tuple[bool, bool]] = {}
    records = iter(out.split("\0"))
    for record in records:
        if len(record) < 4:
            continue
        x, y, path = record[0], record[1], record[3:]
        found[path] = (x not in " ?", y not in " ?")
        if x in "RC":
            next(records, None)  # a rename's or copy's source path follows
    return found


class FairLock:
    """A lock that goes to its waiters in the order they came (``threading.Lock`` wakes any
    of them: with twenty reviewers on one service some waited past the timeout while others
    went round again)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._queue: collections.deque[threading.Event] = collections.deque()

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._held and not self._queue:
                self._held = True
                return True
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(timeout):
            return True
        with self._guard:
            if turn in self._queue:
                self._queue.remove(turn)
                return False
        return True  # handed over just as the wait ended: it is ours

    def release(self) -> None:
        with self._guard:
            if self._queue:
                self._queue.popleft().set()  # handed straight to the next in line
            else:
                self._held = False


_THREAD_LOCKS: dict[str, FairLock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()
LOCK_FILE = "equalcity.lock"


@contextmanager
def write_lock(repo: git.Repo, timeout: float = 30.0) -> Iterator[None]:
    """Hold the repository's write lock: one writer at a time across threads (a lock per
    repository) and across processes (``flock`` on ``.git/equalcity.lock``)."""
    git_dir = Path(repo.git_dir).resolve()
    with _THREAD_LOCKS_GUARD:
        lock = _THREAD_LOCKS.setdefault(str(git_dir), FairLock())
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


def uncommitted(repo: git.Repo, paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Which of ``paths`` have uncommitted changes (staged or not), and every path whose
    changes are staged (in the index, not committed), from one ``git status``."""
    root = Path(repo.working_tree_dir or ".")
    wanted = {str(p.resolve().relative_to(root.resolve())) for p in paths}
    found = _status(repo)
    return sorted(wanted & set(found)), sorted(
        path for path, (staged, _) in found.items() if staged
    )


def refuse_other_changes(repo: git.Repo, paths: Sequence[Path], what: str) -> None:
    """A commit of ``what`` (a review, a translation, a contact check) must hold only that: no
    uncommitted edits of the files it writes, nothing else staged."""
    dirty, staged = uncommitted(repo, [p for p in paths if p.exists()])
    if dirty:
        raise ConflictError(
            f"uncommitted changes in {', '.join(dirty)}; commit or stash them first, so the "
            f"{what} commit holds only the {what}"
        )
    if staged:
        raise ConflictError(
            f"staged changes in {', '.join(staged[:3])}{' …' if len(staged) > 3 else ''} "
            f"would go into the {what} commit; commit or unstage them first"
        )


_AUTHORS: dict[tuple[str, str], tuple[str, list[str | None]]] = {}
_AUTHORS_GUARD = threading.Lock()


def line_authors(repo: git.Repo, path: Path) -> list[str | None]:
    """The author email of the commit that last changed each line of the file at HEAD (None:
    not committed).

    Kept per file for the HEAD it was found at: while the commits since leave the file alone
    (the shared service's decisions, which write the ledger, even when merged), the blame
    stays true and ``git blame`` — a walk through the whole history — is not run again."""
    root = Path(repo.working_tree_dir or ".")
    rel = str(path.resolve().relative_to(root.resolve()))
    head = head_commit(repo)
    if head is None:
        return []
    place = (str(Path(repo.git_dir).resolve()), rel)
    with _AUTHORS_GUARD:
        hit = _AUTHORS.get(place)
    if hit is not None and (hit[0] == head or same_since(repo, hit[0], rel)):
        found = hit[1]
    else:
        try:
            blame = repo.blame(head, rel)
        except git.GitCommandError:
            return []
        found = []
        for entry in blame or []:
            commit_, lines = entry[0], entry[1]
            found.extend([str(commit_.author.email)] * len(lines))  # type: ignore[union-attr,arg-type]
    with _AUTHORS_GUARD:
        _AUTHORS[place] = (head, found)
    return list(found)


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


def head_commit(repo: git.Repo) -> str | None:
    """HEAD's commit id, or None in a repository without commits.

    Read from the ref files alone: gitpython's ``repo.head.commit`` starts a ``git cat-file``
    process per repository object to look the commit up, a fork of the whole server process
    for each decision of the shared service."""
    try:
        return str(git.SymbolicReference.dereference_recursive(repo, "HEAD"))
    except ValueError:  # no commit yet (an unborn branch)
        return None


def head_id(root: Path) -> str:
    """HEAD's commit id in the repository holding ``root`` ("" outside git or before the
    first commit), without opening the repository (one quick process)."""
    return subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()


def resolve_commit(repo: git.Repo, rev: str) -> str | None:
    """The commit id ``rev`` (a tag, a branch, an id) names, None if it names none."""
    try:
        return str(repo.git.rev_parse("--verify", "-q", f"{rev}^{{commit}}"))
    except git.GitCommandError:
        return None


def inputs_state(root: Path, paths: Iterable[Path]) -> tuple[str, dt.datetime, list[str]]:
    """(HEAD, the time of the newest commit that changed ``paths``, the uncommitted or
    untracked paths among them): what a reproducible bundle is dated and gated by."""
    with open_repo(root) as repo:
        if not repo.head.is_valid():
            raise EqualcityError("the repository has no commit yet; commit the content first")
        # Bundles are dated by the last commit that changed their inputs (reproducibility).
        require_history(repo, "a release (its date is that of the last change to its inputs)")
        head = repo.head.commit
        top = Path(repo.working_tree_dir or ".").resolve()
        rel = [str(p.resolve().relative_to(top)) for p in paths if p.exists()]
        # The date of the newest commit that changed what the edition is built from: a commit
        # elsewhere (another language, say) leaves the edition's PDFs byte-identical.
        stamp = repo.git.log("-1", "--format=%ct", "HEAD", "--", *rel) if rel else ""
        moment = (
            dt.datetime.fromtimestamp(int(stamp), dt.UTC)
            if stamp.strip()
            else head.committed_datetime.astimezone(dt.UTC)
        )
        status = repo.git.status("--porcelain", "--untracked-files=all", "--", *rel) if rel else ""
        dirty = sorted({line[3:].split(" -> ")[-1].strip('"') for line in status.splitlines()})
        return str(head.hexsha), moment, dirty


def head_of(root: Path) -> str | None:
    """HEAD's commit id of the repository holding ``root`` (None without commits); not a
    repository is an error."""
    with open_repo(root) as repo:
        return head_commit(repo)


def commits_topo(repo: git.Repo) -> list[tuple[str, tuple[str, ...]]]:
    """Every commit reachable from HEAD with its parents, parents before children."""
    if not repo.head.is_valid():
        return []
    out = repo.git.rev_list("--topo-order", "--reverse", "--parents", "HEAD")
    return [(parts[0], tuple(parts[1:])) for parts in (line.split() for line in out.splitlines())]


def blobs_at(repo: git.Repo, commits: Sequence[str], path: str) -> dict[str, str | None]:
    """The blob id of ``path`` at each commit (None where it does not exist), in one git call."""
    if not commits:
        return {}
    names = "".join(f"{sha}:{path}\n" for sha in commits)
    out = subprocess.run(
        [
            "git",
            "--no-replace-objects",
            f"--git-dir={repo.git_dir}",
            "cat-file",
            "--batch-check=%(objectname) %(objecttype)",
        ],
        input=names,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, str | None] = {}
    for sha, line in zip(commits, out.splitlines(), strict=True):
        blob_id, _, kind = line.partition(" ")
        found[sha] = blob_id if kind == "blob" else None
    return found


def raw_commit(repo: git.Repo, sha: str) -> bytes:
    """A commit object exactly as stored (what its signature covers, plus the signature)."""
    _sha, kind, _size, data = repo.git.get_object_data(sha)
    if kind not in (b"commit", "commit"):
        raise EqualcityError(f"{sha} is not a commit")
    return bytes(data)


NOT_COMMITTED = "0" * 40


def line_commits(
    repo: git.Repo, path: Path, rev: str | None = None, first: int = 1
) -> list[str | None]:
    """The commit that last changed each line of the file — in the working tree, or at ``rev``
    (from line ``first`` on) — None for a line not committed yet."""
    root = Path(repo.working_tree_dir or ".")
    rel = str(path.resolve().relative_to(root.resolve()))

    def unknown() -> list[str | None]:
        return [None] * len(path.read_text(encoding="utf-8").splitlines()[first - 1 :])

    if not repo.head.is_valid():
        return unknown()
    # blame.ignoreRevsFile (a common setting) would credit a line to an earlier commit than the
    # one that wrote it: a forged line could borrow a genuine signature. An empty
    # --ignore-revs-file clears every file the configuration names.
    command = ["git", "blame", "--ignore-revs-file=", "--porcelain"]
    if first > 1:
        command.append(f"-L{first},")
    try:
        out = repo.git.execute([*command, *([rev] if rev else []), "--", rel])
    except git.GitCommandError:
        return unknown()
    found: list[str | None] = []
    for line in out.splitlines():
        head = line.split(" ", 3)
        # header lines: "SHA ORIG-LINE FINAL-LINE [COUNT]"; content lines start with a tab
        if (
            len(head) >= 3
            and len(head[0]) == 40
            and not line.startswith("\t")
            and head[1].isdigit()
            and head[2].isdigit()
        ):
            found.append(None if head[0] == NOT_COMMITTED else head[0])
    return found


def is_ancestor(repo: git.Repo, older: str, newer: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", older, newer)
    except git.GitCommandError:
        return False
    return True


def touched_since(repo: git.Repo, since: str, rel: str) -> bool:
    """Whether a commit after ``since`` (up to HEAD) changed the file at ``rel``."""
    return bool(repo.git.rev_list("-1", f"{since}..HEAD", "--", rel).strip())


def same_since(repo: git.Repo, since: str, rel: str) -> bool:
    """Whether the file at ``rel`` has the history at HEAD that it had at ``since``: no commit
    touched it on either side since the two forked — HEAD moved on from ``since``, or merged
    others' commits (the shared service's catch-up), or a rebase replayed ``since``'s own
    commits on them."""
    try:
        # since...HEAD: the commits on either side of the fork point, in one git call.
        return not repo.git.rev_list("-1", f"{since}...HEAD", "--", rel).strip()
    except git.GitCommandError:
        return False  # an unknown commit (gc'd, another clone's): find out afresh


def blob_id_at(repo: git.Repo, rev: str, rel: str) -> str | None:
    """The blob id of the file ``rel`` at commit ``rev`` (None: no such file there)."""
    try:
        item = repo.commit(rev).tree / rel
    except (KeyError, ValueError, git.BadName):
        return None
    return str(item.hexsha) if item.type == "blob" else None


def file_at(repo: git.Repo, rev: str, rel: str) -> bytes | None:
    """A file's bytes at a commit (None where it does not exist)."""
    try:
        return blob(repo, str(repo.git.rev_parse(f"{rev}:{rel}")))
    except git.GitCommandError:
        return None


def parents_of(repo: git.Repo, sha: str) -> list[str]:
    """The parents of commit ``sha``, first parent first."""
    return [str(parent.hexsha) for parent in repo.commit(sha).parents]


def author_email(repo: git.Repo, sha: str) -> str:
    return str(repo.commit(sha).author.email)


def ledger_rewrites(
    repo: git.Repo, path: Path, since: str | None = None
) -> list[tuple[str, str, list[str]]]:
    """Commits (after ``since``, or all) that removed or changed lines of an append-only file,
    each against its first parent: (commit, author e-mail, the removed lines), newest first.
    One ``git log`` for the whole history."""
    root = Path(repo.working_tree_dir or ".")
    rel = str(path.resolve().relative_to(root.resolve()))
    if not repo.head.is_valid():
        return []
    span = f"{since}..HEAD" if since else "HEAD"
    out = repo.git.log(
        "--format=%x00%H %ae",
        "-p",
        "-U0",
        "--no-renames",
        "--diff-merges=first-parent",
        span,
        "--",
        rel,
    )
    found: list[tuple[str, str, list[str]]] = []
    for record in out.split("\0")[1:]:
        head, _, diff = record.partition("\n")
        sha, _, email = head.partition(" ")
        removed = [
            line[1:]
            for line in diff.splitlines()
            if line.startswith("-") and not line.startswith("---")
        ]
        if removed:
            found.append((sha, email, removed))
    return found


def _signed_commit(
    repo: git.Repo,
    paths: Sequence[Path],
    messages: Sequence[str],
    env: dict[str, str],
    config: Sequence[str],
    failure: Callable[[str], EqualcityError],
) -> str:
    """Stage ``paths`` (only them) and make one signed commit; returns its id."""
    root = Path(repo.working_tree_dir or ".")
    rel = [str(p.resolve().relative_to(root.resolve())) for p in paths]
    # git add, not gitpython's index.add: that one chdirs the whole process while it works,
    # which races with every other thread of a server (and its other repositories).
    repo.git.add("--", *rel)
    arguments = [part for message in messages for part in ("-m", message)]
    try:
        with repo.git.custom_environment(**env):
            repo.git.execute(["git", *config, "commit", "--quiet", "--no-verify", "-S", *arguments])
    except git.GitCommandError as exc:
        raise failure(" ".join(str(exc.stderr or "").split())[:200]) from None
    sha = head_commit(repo)
    assert sha is not None  # git just committed
    return sha


def commit_signed(
    repo: git.Repo, paths: Sequence[Path], message: str, who: Identity, key: str
) -> str:
    """Commit ``paths`` (only them) as ``who``, signed with the SSH key ``key`` (a private key
    file, or a public key file whose private half is in ssh-agent); returns the commit id."""
    env = {
        "GIT_AUTHOR_NAME": who.name,
        "GIT_AUTHOR_EMAIL": who.email,
        "GIT_COMMITTER_NAME": who.name,
        "GIT_COMMITTER_EMAIL": who.email,
    }
    return _signed_commit(
        repo,
        paths,
        [message],
        env,
        ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"],
        lambda detail: EqualcityError(
            f"git could not sign the commit with {key} ({detail}); check the key file, or "
            "add the key to ssh-agent (ssh-add)"
        ),
    )


def signing_key(repo: git.Repo) -> str | None:
    """git's ``user.signingkey`` when git signs with SSH (``gpg.format=ssh``), else None."""
    reader = repo.config_reader()
    try:
        fmt = str(reader.get_value("gpg", "format"))
        key = str(reader.get_value("user", "signingkey"))
    except Exception:
        return None
    return key if fmt == "ssh" and key else None


# -- the team service: signed commits, fetch, merge, push ---------------------------------


@dataclass(frozen=True)
class ServiceSigning:
    """How the team service commits: signed with its SSH key (``ssh-keygen`` format, the
    private key file), as committer ``name``, with a trailer naming the person who decided."""

    key: Path
    name: str = "panel-service"
    email: str = "panel-service@equalcity.invalid"

    def config(self) -> list[str]:
        """git ``-c`` options that sign every commit git makes (commit, merge) with the key
        and merge PO files entry by entry (``equalcity merge-driver``)."""
        driver = f"{shlex.quote(sys.executable)} -m equalcity merge-driver %O %A %B %P"
        return [
            *("-c", "gpg.format=ssh"),
            *("-c", f"user.signingkey={self.key}"),
            *("-c", "commit.gpgsign=true"),
            *("-c", f"merge.equalcity.driver={driver}"),
            *("-c", "merge.equalcity.name=equalcity: PO files entry by entry"),
        ]

    def environment(self) -> dict[str, str]:
        return {"GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}


def commit_as_service(
    repo: git.Repo,
    paths: Sequence[Path],
    message: str,
    author: Identity,
    signing: ServiceSigning,
    trailer: str,
) -> str:
    """Commit ``paths`` (only them) authored by ``author``, committed and signed by the
    service, ``trailer`` (``Reviewer: <id>``) as the message's last paragraph; returns the id.

    The trailer is built here from a roster id, never from anything a person typed: a comment
    with a line ``Reviewer: someone-else`` stays out of the commit message entirely."""
    env = {
        **signing.environment(),
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
    }
    return _signed_commit(
        repo,
        paths,
        [message, trailer],
        env,
        signing.config(),
        lambda detail: EqualcityError(
            f"git could not sign the commit with the service key ({detail}); check --signing-key",
            path=signing.key,
        ),
    )


def undo(repo: git.Repo, originals: dict[Path, bytes]) -> None:
    """Put files back as they were (unstaged, their old bytes) after a commit that failed, so
    the next request does not find them dirty."""
    root = Path(repo.working_tree_dir or ".")
    rel = [str(p.resolve().relative_to(root.resolve())) for p in originals]
    with contextlib.suppress(git.GitCommandError):
        repo.git.reset("-q", "--", *rel)
    for path, data in originals.items():
        write_atomic(path, data)


class PushRejected(ConflictError):
    """The remote has commits this copy does not have yet (someone pushed first)."""


def current_branch(repo: git.Repo) -> str:
    try:
        return str(repo.active_branch.name)
    except TypeError:
        raise EqualcityError(
            "the service's copy is not on a branch (detached HEAD); check out the branch it "
            "should push to",
            path=Path(repo.working_tree_dir or "."),
        ) from None


# Services that push to one remote take turns when they collide: a ref on the remote names who
# pushes next (a turn commit: empty tree, holder and expiry in its message). Every push of the
# branch carries, atomically, a lease on that ref (``--atomic --force-with-lease``), so a push
# made while someone else holds the turn is refused and the pusher learns whose turn it is.
TURN_REF = "refs/equalcity/push-turn"
FREE = "free"


def _turn_tracking(remote: str) -> str:
    return f"refs/equalcity-remotes/{remote}/push-turn"


@dataclass(frozen=True)
class Turn:
    """The remote's push turn as last fetched: ``sha`` None when the remote has none yet;
    ``holder`` None when it is free."""

    sha: str | None
    holder: str | None = None
    until: float = 0.0


def fetch(repo: git.Repo, remote: str) -> None:
    """Fetch the remote's branches and its push turn."""
    try:
        repo.git.fetch(
            "--quiet",
            remote,
            f"+refs/heads/*:refs/remotes/{remote}/*",
            f"+refs/equalcity/*:refs/equalcity-remotes/{remote}/*",
        )
    except git.GitCommandError as exc:
        raise EqualcityError(f"cannot fetch from {remote}: {_stderr(exc)}") from None


def seen_turn(repo: git.Repo, remote: str) -> Turn:
    """The remote's push turn as of the last fetch."""
    try:
        sha = str(repo.git.rev_parse("--verify", "--quiet", _turn_tracking(remote))).strip()
        text = str(repo.git.cat_file("commit", sha)) if sha else ""
    except git.GitCommandError:
        return Turn(None)
    fields = dict(
        line.split(" ", 1) for line in text.partition("\n\n")[2].splitlines() if " " in line
    )
    holder = fields.get("holder", FREE)
    try:
        until = float(fields.get("until", "0"))
    except ValueError:
        until = 0.0  # not ours to read: treat it as expired, the next push frees it
    return Turn(sha, None if holder == FREE else holder, until)


def turn_commit(repo: git.Repo, holder: str | None, until: float = 0.0) -> str:
    """The object a turn ref points at. The free turn is the same commit in every clone (fixed
    dates and names), so services agree on it without having to talk to each other."""
    tree = repo.git.execute(
        ["git", "hash-object", "-w", "-t", "tree", "--stdin"], istream=subprocess.DEVNULL
    )
    stamp = f"{946684800 if holder is None else int(until)} +0000"  # free: 2000-01-01
    env = {
        "GIT_AUTHOR_NAME": "equalcity",
        "GIT_AUTHOR_EMAIL": "push-turn@equalcity.invalid",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": "equalcity",
        "GIT_COMMITTER_EMAIL": "push-turn@equalcity.invalid",
        "GIT_COMMITTER_DATE": stamp,
    }
    body = f"holder {holder or FREE}\nuntil {until:.3f}\n"
    with repo.git.custom_environment(**env):
        return str(
            repo.git.execute(
                [
                    "git",
                    "commit-tree",
                    "--no-gpg-sign",
                    "-m",
                    "equalcity push turn",
                    "-m",
                    body,
                    tree,
                ]
            )
        ).strip()


def merge_from(repo: git.Repo, upstream: str, signing: ServiceSigning | None) -> None:
    """Bring ``upstream`` into the current branch: a fast-forward when this copy has no commits
    of its own, else one merge commit (signed by the service) whose first parent is
    ``upstream``. This copy's commits stay as they are — their signatures and their blame — and
    the merge costs one commit however many are waiting; ``upstream``'s ledger lines come first
    (ledgers merge by union), as if this copy's had been appended after them; PO files merge
    entry by entry. A conflict leaves the copy as it was."""
    config = signing.config() if signing else []
    env = {
        **(signing.environment() if signing else {}),
        **({"GIT_AUTHOR_NAME": signing.name, "GIT_AUTHOR_EMAIL": signing.email} if signing else {}),
    }
    try:
        if is_ancestor(repo, "HEAD", upstream):
            repo.git.merge("--quiet", "--ff-only", upstream)
            return
        if is_ancestor(repo, upstream, "HEAD"):
            return  # nothing new there
        with repo.git.custom_environment(**env):
            # merge-tree computes the merged tree without touching the working tree, with the
            # upstream side first (``git merge`` would put this copy's lines first).
            tree = str(
                repo.git.execute(["git", *config, "merge-tree", "--write-tree", upstream, "HEAD"])
            ).split("\n", 1)[0]
            message = f"Merge the decisions of this service with {upstream}"
            merged = str(
                repo.git.execute(
                    [
                        "git",
                        *config,
                        "commit-tree",
                        "-S",
                        "-p",
                        upstream,
                        "-p",
                        "HEAD",
                        "-m",
                        message,
                        tree,
                    ]
                )
            ).strip()
        repo.git.merge("--quiet", "--ff-only", merged)
    except git.GitCommandError as exc:
        raise ConflictError(
            f"the service's copy cannot be merged with {upstream}: {_stderr(exc)}; its "
            "decisions stay committed here and a maintainer must merge by hand"
        ) from None


def push(
    repo: git.Repo, remote: str, branch: str, turn: tuple[str | None, str] | None = None
) -> None:
    """Push ``branch``; with ``turn`` = (the turn the pusher last saw, the turn to leave), the
    push also holds a lease on the remote's push turn and fails as a whole when it moved.
    PushRejected when the remote moved on (fetch and merge, then retry)."""
    options = ["--quiet", "--porcelain"]
    refs = [f"HEAD:refs/heads/{branch}"]
    if turn is not None:
        expected, leave = turn
        try:
            _push(
                repo,
                remote,
                [*options, "--atomic", f"--force-with-lease={TURN_REF}:{expected or ''}"],
                [*refs, f"{leave}:{TURN_REF}"],
            )
            return
        except _TurnRefused:
            pass  # the remote does not let services write the turn: no turns (as before them)
        except EqualcityError as exc:
            if "atomic" not in str(exc) or isinstance(exc, PushRejected):
                raise
            # A server without atomic pushes: the branch alone, no turns (as before them).
    _push(repo, remote, options, refs)


def claim_turn(repo: git.Repo, remote: str, expected: str | None, claim: str) -> None:
    """Set the remote's push turn to ``claim`` if it still is ``expected``; PushRejected when
    someone changed it first."""
    _push(
        repo,
        remote,
        ["--quiet", "--porcelain", f"--force-with-lease={TURN_REF}:{expected or ''}"],
        [f"{claim}:{TURN_REF}"],
    )


class _TurnRefused(PushRejected):
    """The remote refuses the turn ref itself (a hook, a protected ref), not because it moved."""


def _push(repo: git.Repo, remote: str, options: list[str], refs: list[str]) -> None:
    try:
        repo.git.push(*options, remote, *refs)
    except git.GitCommandError as exc:
        text = _stderr(exc) + " " + str(exc.stdout or "")
        for line in str(exc.stdout or "").splitlines():
            # porcelain: "!<TAB>from:to<TAB>[remote rejected] (reason)"
            if f":{TURN_REF}\t[remote rejected]" in line and "atomic" not in line:
                raise _TurnRefused(f"{remote} refuses {TURN_REF}") from None
        if any(sign in text for sign in ("rejected", "fetch first", "non-fast-forward", "stale")):
            raise PushRejected(f"{remote} has newer commits") from None
        raise EqualcityError(f"cannot push to {remote}: {_stderr(exc)}") from None


def _stderr(exc: git.GitCommandError) -> str:
    return " ".join(str(exc.stderr or "").split())[:300]
