"""The team service's copy of the content repository and its remote.

Every decision is committed here first (so it is never lost, even when the remote is down) and
then pushed. Pushes are coalesced: a request waits until a push that contains its commit has
succeeded, and one push carries every commit made before it. When the remote has moved on, the
copy fetches and merges (one signed merge commit, however many decisions wait; ledgers merge by
union, PO files entry by entry) and tries again.

Several services can push to one remote. Left to chance, the faster one can win every race:
the other's fetch–merge–push always has one of its pushes inside it. So a service refused
twice in a row takes the push turn on the remote (``gitrepo.TURN_REF``, taken and released by
git's own compare-and-swap); every push holds a lease on it, so the others' pushes are refused
until the holder has pushed and freed it, and they wait for that. A turn whose holder went
silent expires after ``TURN_SECONDS``.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import git

from equalcity.errors import ConflictError
from equalcity.repository.gitrepo import (
    PushRejected,
    ServiceSigning,
    Turn,
    claim_turn,
    current_branch,
    fetch,
    merge_from,
    open_repo,
    push,
    seen_turn,
    turn_commit,
    write_lock,
)

PUSH_SECONDS = 120.0
STALE_SECONDS = 60.0
# The least time between two pushes of one copy. Pushing the moment each commit landed let the
# faster of two services push non-stop; a short pause lets the other's push through now and
# then, and the commits made meanwhile go out together. (Longer pauses, or pauses scaled by a
# push's duration, measured slower: docs/benchmarks.md.)
PUSH_INTERVAL = 0.2
# Refusals in a row before a service takes the turn: one refusal is the normal cost of sharing
# a remote, a second means the other side got in between this one's fetch and its push.
CLAIM_AFTER = 2
# How long a turn holds when its holder stops (a crash, a lost network): far longer than a
# fetch, a merge and a push take on a loaded machine, far shorter than PUSH_SECONDS.
TURN_SECONDS = 30.0


def _holder_name() -> str:
    # Readable in `git log refs/equalcity/push-turn`, unique per running service.
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


@dataclass
class Sync:
    """The copy at ``root``, pushing to ``remote`` (a git remote name)."""

    root: Path
    remote: str = "origin"
    signing: ServiceSigning | None = None
    stale_after: float = STALE_SECONDS
    push_interval: float = PUSH_INTERVAL
    clock: Callable[[], float] = time.monotonic
    holder: str = field(default_factory=_holder_name)
    _committed: int = 0
    _pushed: int = 0
    _fetched: float = field(default=float("-inf"))
    _next_push: float = field(default=float("-inf"))
    _turn: Turn | None = None
    _free: str | None = None
    _counter: threading.Lock = field(default_factory=threading.Lock)
    _pusher: threading.Lock = field(default_factory=threading.Lock)

    def committed(self) -> int:
        """Note a new local commit; returns its ticket for ``publish``."""
        with self._counter:
            self._committed += 1
            return self._committed

    def publish(self, ticket: int) -> None:
        """Return once a push holding the commit of ``ticket`` has reached the remote."""
        # Tried for a time, not a number of times: two busy services can overtake each other
        # many times in a row, and giving up early would only leave the work to the next.
        deadline = self.clock() + PUSH_SECONDS
        refusals = 0
        behind = False  # refused since the last fetch: pushing again before one is pointless
        with self._pusher:
            while self._pushed < ticket and self.clock() < deadline:
                wait = self._next_push - self.clock()
                if wait > 0:
                    time.sleep(wait)
                with open_repo(self.root) as repo:
                    branch = current_branch(repo)
                    if self._waiting():
                        # Another service holds the turn: let its push through, then look
                        # again. Only the fetch, outside the write lock: decisions keep being
                        # committed here while the other pushes.
                        time.sleep(random.uniform(0.05, 0.15))
                        fetch(repo, self.remote)
                        self._turn = seen_turn(repo, self.remote)
                        if not self._waiting():
                            # Its push is in: merge it, then push. This service was next in
                            # line, so one more refusal is enough to take the turn.
                            behind = True
                            refusals = CLAIM_AFTER - 1
                        continue
                    if not behind:
                        # Read before the push resolves HEAD: every commit counted so far is
                        # in it.
                        with self._counter:
                            target = self._committed
                        try:
                            # Outside the write lock: decisions keep being committed meanwhile,
                            # and the next push carries them all.
                            self._push(repo, branch, target)
                            continue
                        except PushRejected:
                            refusals += 1
                    # Catch up and push again before anyone commits here: the window in which
                    # the other side can push first stays as short as a fetch and a merge.
                    with write_lock(repo):
                        if refusals >= CLAIM_AFTER:
                            # Before the fetch: what it brings is then all there is to merge.
                            self._take_turn(repo)
                        with self._counter:
                            target = self._committed
                        self._catch_up(repo, branch)
                        behind = False
                        if self._waiting():
                            continue
                        try:
                            self._push(repo, branch, target)
                            continue
                        except PushRejected:
                            refusals += 1
                            behind = True
                # A short random pause, growing with each refusal, so two services that keep
                # colliding stop colliding in step.
                time.sleep(random.uniform(0, min(0.01 * 2 ** min(refusals, 8), 1.0)))
        if self._pushed < ticket:
            raise ConflictError(
                f"the decision is recorded here but {self.remote} kept refusing it; it goes "
                "out with the next push, nothing to do on your side"
            )

    def _push(self, repo: git.Repo, branch: str, target: int) -> None:
        """Push with a lease on the turn as last seen, leaving it free (releasing ours, or
        clearing one that expired); PushRejected when the branch or the turn moved."""
        turn = self._turn if self._turn is not None else seen_turn(repo, self.remote)
        if self._free is None:
            self._free = turn_commit(repo, None)
        push(repo, self.remote, branch, (turn.sha, self._free))
        self._turn = Turn(self._free)
        self._pushed = max(self._pushed, target)
        self._next_push = self.clock() + self.push_interval

    def _catch_up(self, repo: git.Repo, branch: str) -> None:
        fetch(repo, self.remote)
        merge_from(repo, f"{self.remote}/{branch}", self.signing)
        self._fetched = self.clock()
        self._turn = seen_turn(repo, self.remote)

    def _waiting(self) -> bool:
        """Whether another service holds the push turn (and it has not expired)."""
        turn = self._turn
        now = time.time()  # wall-clock: the holder may be another machine
        # A turn that claims to last longer than any turn can (a server's clock far ahead)
        # counts as expired: it must not stop every other service for good.
        return (
            turn is not None
            and turn.holder not in (None, self.holder)
            and now < turn.until <= now + 2 * TURN_SECONDS
        )

    def _take_turn(self, repo: git.Repo) -> None:
        """Claim the push turn unless someone holds it (a lost race shows at the next fetch)."""
        turn = self._turn if self._turn is not None else seen_turn(repo, self.remote)
        if self._waiting() or turn.holder == self.holder:
            return
        until = time.time() + TURN_SECONDS
        claim = turn_commit(repo, self.holder, until)
        try:
            claim_turn(repo, self.remote, turn.sha, claim)
        except PushRejected:
            return
        self._turn = Turn(claim, self.holder, until)

    def refresh(self, force: bool = False) -> bool:
        """Bring in others' work when this copy is older than ``stale_after`` seconds (or
        ``force``); returns whether it fetched."""
        if not force and self.clock() - self._fetched < self.stale_after:
            return False
        # The pusher lock too: a push must never see HEAD in the middle of a merge.
        with self._pusher, open_repo(self.root) as repo, write_lock(repo):
            self._catch_up(repo, current_branch(repo))
        return True
