"""The team service's own state in SQLite: accounts, passkeys, sessions, invitations, rate limits
and an audit log. It lives in ``--state DIR``, never in the content repository: it holds who
signed in from where, which is exactly what an at-risk expert's adversary would want.

Secrets (invitation tokens, session ids, ceremony ids) are stored as SHA-256 hashes only, so a
stolen copy of the database (a backup, say) lets nobody sign in. The schema carries a version
(``PRAGMA user_version``) and migrations that run in order when the service starts.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from equalcity.errors import EqualcityError

DATABASE = "equalcity-service.sqlite3"
INVITATION_SECONDS = 7 * 24 * 3600
SESSION_SECONDS = 12 * 3600
SESSION_IDLE_SECONDS = 2 * 3600
CEREMONY_SECONDS = 300
TOUCH_SECONDS = 60

# Each step upgrades the schema by one version; never edit a step that has shipped, add one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE account (
        roster_id TEXT PRIMARY KEY,
        created REAL NOT NULL
    );
    CREATE TABLE passkey (
        credential_id BLOB PRIMARY KEY,
        roster_id TEXT NOT NULL REFERENCES account(roster_id) ON DELETE CASCADE,
        user_handle BLOB NOT NULL,
        public_key BLOB NOT NULL,
        sign_count INTEGER NOT NULL,
        created REAL NOT NULL,
        last_used REAL
    );
    CREATE TABLE session (
        id_hash TEXT PRIMARY KEY,
        roster_id TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created REAL NOT NULL,
        expires REAL NOT NULL,
        last_seen REAL NOT NULL
    );
    CREATE INDEX session_roster ON session(roster_id);
    CREATE TABLE invitation (
        token_hash TEXT PRIMARY KEY,
        roster_id TEXT NOT NULL,
        created REAL NOT NULL,
        expires REAL NOT NULL,
        used REAL
    );
    CREATE TABLE ceremony (
        id_hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        challenge BLOB NOT NULL,
        expires REAL NOT NULL
    );
    CREATE TABLE attempt (
        bucket TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX attempt_bucket ON attempt(bucket, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        ip TEXT NOT NULL,
        roster_id TEXT NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
    # 2: translators' personal tokens (for curl) and uploads waiting for their confirmation
    """
    CREATE TABLE token (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        secret_hash TEXT NOT NULL UNIQUE,
        roster_id TEXT NOT NULL,
        label TEXT NOT NULL,
        created REAL NOT NULL,
        last_used REAL
    );
    CREATE INDEX token_roster ON token(roster_id);
    CREATE TABLE pending_upload (
        id_hash TEXT PRIMARY KEY,
        roster_id TEXT NOT NULL,
        locale TEXT NOT NULL,
        module TEXT NOT NULL,
        files BLOB NOT NULL,
        expires REAL NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
TOKEN_PREFIX = "eqc_"  # so a leaked token is recognisable (secret scanners, logs)
UPLOAD_SECONDS = 3600


def digest(secret: str) -> str:
    """How a secret is stored: its SHA-256 (the secrets are 256-bit random, so no salt is needed).

    >>> digest("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    roster_id: str
    csrf: str
    expires: float


@dataclass(frozen=True)
class Passkey:
    credential_id: bytes
    roster_id: str
    public_key: bytes
    sign_count: int


class State:
    """One state folder. Each thread keeps its own connection, so threads and several
    processes share the file safely (SQLite's locking, WAL journal); a connection opened for
    each call cost 13–20 ms a write, more than the rest of a decision's request."""

    def __init__(self, folder: Path, clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.path = folder / DATABASE
        self.clock = clock
        self._local = threading.local()

    # -- plumbing ------------------------------------------------------------------------

    def open(self) -> State:
        """Create the folder and database if needed and migrate it to the current schema."""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise EqualcityError(
                f"cannot create the state folder: {exc.strerror}", path=self.folder
            ) from None
        with self._connect() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise EqualcityError(
                    f"the state was written by a newer equalcity (schema {version}, this one "
                    f"knows {SCHEMA_VERSION}); upgrade equalcity or restore a backup",
                    path=self.path,
                )
            for step in range(version, SCHEMA_VERSION):
                db.executescript(
                    f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version={step + 1}; COMMIT;"
                )
        os.chmod(self.path, 0o600)
        return self

    def schema_version(self) -> int:
        with self._connect() as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL never corrupts the database; a power cut may lose the
                # last transactions (an audit line, a session's last use), never a decision,
                # which is in git.
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=ON")
            except sqlite3.Error as exc:
                raise EqualcityError(
                    f"cannot open the state database: {exc}", path=self.path
                ) from None
            self._local.db = db
        yield db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- audit and rate limits -------------------------------------------------------------

    def audit(self, event: str, *, ip: str = "", roster_id: str = "", detail: str = "") -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO audit(at, ip, roster_id, event, detail) VALUES (?, ?, ?, ?, ?)",
                (self.clock(), ip, roster_id, event, detail),
            )

    def audit_log(self) -> list[tuple[float, str, str, str, str]]:
        with self._connect() as db:
            rows = db.execute("SELECT at, ip, roster_id, event, detail FROM audit ORDER BY id")
            return [tuple(row) for row in rows]

    def allow(self, bucket: str, limit: int, window: float) -> bool:
        """Count one attempt in ``bucket``; False when more than ``limit`` fell in ``window``
        seconds (the attempt is counted anyway, so hammering keeps the bucket full)."""
        now = self.clock()
        with self._transaction() as db:
            db.execute("DELETE FROM attempt WHERE bucket = ? AND at < ?", (bucket, now - window))
            db.execute("INSERT INTO attempt(bucket, at) VALUES (?, ?)", (bucket, now))
            (count,) = db.execute(
                "SELECT COUNT(*) FROM attempt WHERE bucket = ?", (bucket,)
            ).fetchone()
        return int(count) <= limit

    # -- invitations -----------------------------------------------------------------------

    def invite(self, roster_id: str, seconds: float = INVITATION_SECONDS) -> str:
        """A new one-time invitation token for ``roster_id`` (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO invitation(token_hash, roster_id, created, expires) VALUES (?,?,?,?)",
                (digest(token), roster_id, now, now + seconds),
            )
            db.execute(
                "INSERT INTO audit(at, ip, roster_id, event, detail) VALUES (?, '', ?, ?, '')",
                (now, roster_id, "invitation created"),
            )
        return token

    def invitation(self, token: str) -> str | None:
        """The roster id of a usable invitation (not expired, not used), else None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT roster_id FROM invitation WHERE token_hash = ? AND used IS NULL "
                "AND expires > ?",
                (digest(token), self.clock()),
            ).fetchone()
        return str(row[0]) if row else None

    # -- WebAuthn ceremonies ---------------------------------------------------------------

    def begin_ceremony(self, kind: str, subject: str, challenge: bytes) -> str:
        """Remember a challenge the browser must sign; returns the ceremony's secret id."""
        ceremony = secrets.token_urlsafe(32)
        now = self.clock()
        with self._transaction() as db:
            db.execute("DELETE FROM ceremony WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO ceremony(id_hash, kind, subject, challenge, expires) "
                "VALUES (?, ?, ?, ?, ?)",
                (digest(ceremony), kind, subject, challenge, now + CEREMONY_SECONDS),
            )
        return ceremony

    def take_ceremony(self, ceremony: str, kind: str) -> tuple[str, bytes] | None:
        """The (subject, challenge) of a live ceremony, consumed: a challenge is signed once."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT subject, challenge FROM ceremony WHERE id_hash = ? AND kind = ? "
                "AND expires > ?",
                (digest(ceremony), kind, self.clock()),
            ).fetchone()
            db.execute("DELETE FROM ceremony WHERE id_hash = ?", (digest(ceremony),))
        return (str(row[0]), bytes(row[1])) if row else None

    # -- passkeys and accounts ---------------------------------------------------------------

    def register(
        self, token: str, credential_id: bytes, user_handle: bytes, public_key: bytes, count: int
    ) -> str | None:
        """Use an invitation to add a passkey; returns the roster id, or None when the
        invitation is unknown, expired or already used (checked and spent in one transaction,
        so two tabs racing with one link get one passkey)."""
        now = self.clock()
        with self._transaction() as db:
            row = db.execute(
                "SELECT roster_id FROM invitation WHERE token_hash = ? AND used IS NULL "
                "AND expires > ?",
                (digest(token), now),
            ).fetchone()
            if row is None:
                return None
            roster_id = str(row[0])
            db.execute("UPDATE invitation SET used = ? WHERE token_hash = ?", (now, digest(token)))
            db.execute(
                "INSERT OR IGNORE INTO account(roster_id, created) VALUES (?, ?)", (roster_id, now)
            )
            db.execute(
                "INSERT INTO passkey(credential_id, roster_id, user_handle, public_key, "
                "sign_count, created) VALUES (?, ?, ?, ?, ?, ?)",
                (credential_id, roster_id, user_handle, public_key, count, now),
            )
        return roster_id

    def passkey(self, credential_id: bytes) -> Passkey | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT credential_id, roster_id, public_key, sign_count FROM passkey "
                "WHERE credential_id = ?",
                (credential_id,),
            ).fetchone()
        return Passkey(bytes(row[0]), str(row[1]), bytes(row[2]), int(row[3])) if row else None

    def passkeys(self, roster_id: str) -> list[Passkey]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT credential_id, roster_id, public_key, sign_count FROM passkey "
                "WHERE roster_id = ?",
                (roster_id,),
            ).fetchall()
        return [Passkey(bytes(r[0]), str(r[1]), bytes(r[2]), int(r[3])) for r in rows]

    def used_passkey(self, credential_id: bytes, sign_count: int) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE passkey SET sign_count = ?, last_used = ? WHERE credential_id = ?",
                (sign_count, self.clock(), credential_id),
            )

    def user_handle(self, roster_id: str) -> bytes:
        """The WebAuthn user handle of an account: random, stable, never the roster id (the
        authenticator may show or sync it)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT user_handle FROM passkey WHERE roster_id = ? LIMIT 1", (roster_id,)
            ).fetchone()
        return bytes(row[0]) if row else secrets.token_bytes(32)

    def revoke(self, roster_id: str) -> tuple[int, int, int]:
        """Remove a person's sessions, passkeys and open invitations (and personal tokens);
        returns how many sessions, passkeys and invitations."""
        with self._transaction() as db:
            sessions = db.execute("DELETE FROM session WHERE roster_id = ?", (roster_id,)).rowcount
            keys = db.execute("DELETE FROM passkey WHERE roster_id = ?", (roster_id,)).rowcount
            invitations = db.execute(
                "DELETE FROM invitation WHERE roster_id = ? AND used IS NULL", (roster_id,)
            ).rowcount
            # A translator's personal tokens and waiting uploads end with their access.
            db.execute("DELETE FROM token WHERE roster_id = ?", (roster_id,))
            db.execute("DELETE FROM pending_upload WHERE roster_id = ?", (roster_id,))
            db.execute(
                "INSERT INTO audit(at, ip, roster_id, event, detail) VALUES (?, '', ?, ?, ?)",
                (
                    self.clock(),
                    roster_id,
                    "revoked",
                    f"{sessions} sessions, {keys} passkeys, {invitations} invitations",
                ),
            )
        return sessions, keys, invitations

    # -- sessions --------------------------------------------------------------------------

    def new_session(self, roster_id: str) -> str:
        """A fresh session id for a person who just proved who they are (never one the browser
        brought along: that would let a planted cookie ride the sign-in, session fixation)."""
        session = secrets.token_urlsafe(32)
        now = self.clock()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO session(id_hash, roster_id, csrf, created, expires, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    digest(session),
                    roster_id,
                    secrets.token_urlsafe(32),
                    now,
                    now + SESSION_SECONDS,
                    now,
                ),
            )
        return session

    def session(self, session: str) -> SessionRecord | None:
        """A live session (not past its lifetime, not idle too long); touching it keeps it."""
        now = self.clock()
        with self._connect() as db:
            row = db.execute(
                "SELECT roster_id, csrf, expires, last_seen FROM session WHERE id_hash = ?",
                (digest(session),),
            ).fetchone()
        if row is None:
            return None
        if row[2] <= now or row[3] + SESSION_IDLE_SECONDS <= now:
            self.end_session(session)
            return None
        if now - row[3] > TOUCH_SECONDS:  # a write per minute, not per request
            with self._transaction() as db:
                db.execute(
                    "UPDATE session SET last_seen = ? WHERE id_hash = ?", (now, digest(session))
                )
        return SessionRecord(str(row[0]), str(row[1]), float(row[2]))

    def end_session(self, session: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM session WHERE id_hash = ?", (digest(session),))

    def end_sessions(self, roster_id: str) -> int:
        with self._transaction() as db:
            return int(db.execute("DELETE FROM session WHERE roster_id = ?", (roster_id,)).rowcount)

    # -- translators' personal tokens and pending uploads ------------------------------------

    def new_token(self, roster_id: str, label: str) -> str:
        """A personal token for scripts (shown once; only its hash is stored)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO token(secret_hash, roster_id, label, created) VALUES (?, ?, ?, ?)",
                (digest(token), roster_id, label, self.clock()),
            )
            db.execute(
                "INSERT INTO audit(at, ip, roster_id, event, detail) VALUES (?, '', ?, ?, ?)",
                (self.clock(), roster_id, "token created", label),
            )
        return token

    def token_owner(self, token: str) -> str | None:
        """The roster id a personal token belongs to (None: unknown or revoked)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._transaction() as db:
            row = db.execute(
                "SELECT id, roster_id FROM token WHERE secret_hash = ?", (digest(token),)
            ).fetchone()
            if row is not None:
                db.execute("UPDATE token SET last_used = ? WHERE id = ?", (self.clock(), row[0]))
        return str(row[1]) if row else None

    def tokens(self, roster_id: str) -> list[tuple[int, str, float, float | None]]:
        """(id, label, created, last used) of a person's tokens."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, label, created, last_used FROM token WHERE roster_id = ? ORDER BY id",
                (roster_id,),
            ).fetchall()
        return [(int(r[0]), str(r[1]), float(r[2]), r[3]) for r in rows]

    def revoke_token(self, roster_id: str, token_id: int) -> bool:
        with self._transaction() as db:
            gone = db.execute(
                "DELETE FROM token WHERE id = ? AND roster_id = ?", (token_id, roster_id)
            ).rowcount
            if gone:
                db.execute(
                    "INSERT INTO audit(at, ip, roster_id, event, detail) VALUES (?, '', ?, ?, ?)",
                    (self.clock(), roster_id, "token revoked", str(token_id)),
                )
        return bool(gone)

    def keep_upload(self, roster_id: str, locale: str, module: str, files: bytes) -> str:
        """Keep an upload until its translator confirms it; returns its secret id."""
        upload = secrets.token_urlsafe(24)
        now = self.clock()
        with self._transaction() as db:
            db.execute("DELETE FROM pending_upload WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO pending_upload(id_hash, roster_id, locale, module, files, expires) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (digest(upload), roster_id, locale, module, files, now + UPLOAD_SECONDS),
            )
        return upload

    def pending_upload(self, upload: str, roster_id: str) -> tuple[str, str, bytes] | None:
        """(locale, module, files) of a live upload of ``roster_id`` (None for anyone else's)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT locale, module, files FROM pending_upload WHERE id_hash = ? "
                "AND roster_id = ? AND expires > ?",
                (digest(upload), roster_id, self.clock()),
            ).fetchone()
        return (str(row[0]), str(row[1]), bytes(row[2])) if row else None

    def drop_upload(self, upload: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM pending_upload WHERE id_hash = ?", (digest(upload),))
