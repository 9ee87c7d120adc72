"""The team service's copy of the content repository and its remote.

Every decision is committed here first (so it is never lost, even when the remote is down) and
then pushed. Pushes are coalesced: a request waits until a push that contains its commit has
succeeded, and one push carries every commit made before it. When the remote has moved on, the
copy fetches, replays its own commits on top (ledgers merge by union, PO files entry by entry)
and tries again after a short, growing, random pause, so two services that keep colliding do
not collide in step.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from equalcity.errors import ConflictError
from equalcity.repository.gitrepo import (
    PushRejected,
    ServiceSigning,
    current_branch,
    fetch,
    open_repo,
    push,
    rebase_onto,
    write_lock,
)

PUSH_SECONDS = 120.0
STALE_SECONDS = 60.0
# The least time between two pushes of one copy. Pushing the moment each commit landed let the
# faster of two services push non-stop: the other's fetch–rebase–push always had one of its
# pushes inside it (a thousand decisions: the other's first fifty took 53 s). A short pause
# lets the other's push through now and then, and the commits made meanwhile go out together.
# (Longer pauses, or pauses scaled by a push's duration, measured slower: docs/benchmarks.md.)
PUSH_INTERVAL = 0.2


@dataclass
class Sync:
    """The copy at ``root``, pushing to ``remote`` (a git remote name)."""

    root: Path
    remote: str = "origin"
    signing: ServiceSigning | None = None
    stale_after: float = STALE_SECONDS
    push_interval: float = PUSH_INTERVAL
    clock: Callable[[], float] = time.monotonic
    _committed: int = 0
    _pushed: int = 0
    _fetched: float = field(default=float("-inf"))
    _next_push: float = field(default=float("-inf"))
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
        # dozens of times in a row, and giving up early would only leave the work to the next.
        deadline = self.clock() + PUSH_SECONDS
        attempt = 0
        with self._pusher:
            while self._pushed < ticket and self.clock() < deadline:
                attempt += 1
                wait = self._next_push - self.clock()
                if wait > 0:
                    time.sleep(wait)
                # Read before the push resolves HEAD: every commit counted so far is in it.
                with self._counter:
                    target = self._committed
                with open_repo(self.root) as repo:
                    branch = current_branch(repo)
                    try:
                        # Outside the write lock: decisions keep being committed meanwhile,
                        # and the next push carries them all.
                        push(repo, self.remote, branch)
                    except PushRejected:
                        # Catch up and push again before anyone commits here: the window in
                        # which the other side can push first stays as short as a fetch.
                        with write_lock(repo):
                            with self._counter:
                                target = self._committed
                            fetch(repo, self.remote)
                            rebase_onto(repo, f"{self.remote}/{branch}", self.signing)
                            self._fetched = self.clock()
                            with contextlib.suppress(PushRejected):
                                push(repo, self.remote, branch)
                                self._pushed = max(self._pushed, target)
                                self._pause_after()
                                continue
                    else:
                        self._pushed = max(self._pushed, target)
                        self._pause_after()
                        continue
                # A short random pause, growing with each refusal, so two services that keep
                # colliding stop colliding in step.
                time.sleep(random.uniform(0, min(0.01 * 2 ** min(attempt, 8), 1.0)))
        if self._pushed < ticket:
            raise ConflictError(
                f"the decision is recorded here but {self.remote} kept refusing it; it goes "
                "out with the next push, nothing to do on your side"
            )

    def _pause_after(self) -> None:
        self._next_push = self.clock() + self.push_interval

    def refresh(self, force: bool = False) -> bool:
        """Bring in others' work when this copy is older than ``stale_after`` seconds (or
        ``force``); returns whether it fetched."""
        if not force and self.clock() - self._fetched < self.stale_after:
            return False
        # The pusher lock too: a push must never see HEAD in the middle of a rebase.
        with self._pusher, open_repo(self.root) as repo, write_lock(repo):
            branch = current_branch(repo)
            fetch(repo, self.remote)
            rebase_onto(repo, f"{self.remote}/{branch}", self.signing)
            self._fetched = self.clock()
        return True
