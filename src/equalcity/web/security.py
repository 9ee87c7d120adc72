"""The review page's defences: sessions with a CSRF token, Host and Origin checks, headers.

The page has no login: whoever can reach it acts as the reviewer the server was started for.
So the server listens on the loopback interface, accepts only loopback host names (a DNS
rebinding site cannot talk to it), and accepts a decision only from a page it served itself:
a session cookie (SameSite=Strict, HttpOnly) whose server-side token the form must repeat, and
no cross-site Origin or Sec-Fetch-Site.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from equalcity.review.panel import Reviewer

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# "same-origin", not "no-referrer": with no-referrer browsers send "Origin: null" on the
# page's own form posts, which the Origin check must refuse.
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this computer only.

    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "10.0.0.2")]
    [True, True, True, False, False]
    """
    return host in LOOPBACK_NAMES or host.startswith("127.")


def allowed_hosts(bound: str) -> frozenset[str] | None:
    """Host names a request may name: loopback ones when bound to loopback, plus a named host;
    None (any) when bound to every interface."""
    if bound in ("0.0.0.0", "::", ""):
        return None
    return LOOPBACK_NAMES | {bound.strip("[]")}


def host_name(header: str) -> str:
    """The host of a ``Host`` header, without the port.

    >>> [host_name(h) for h in ("127.0.0.1:8000", "[::1]:80", "localhost")]
    ['127.0.0.1', '::1', 'localhost']
    """
    return urlsplit(f"//{header}").hostname or ""


def same_origin(origin: str, host_header: str) -> bool:
    """Whether an ``Origin`` header names this server (scheme http, the Host's host and port).

    >>> same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    True
    >>> [same_origin(o, "127.0.0.1:8000") for o in ("null", "http://evil.example", "http://127.0.0.1:9")]
    [False, False, False]
    """
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == host_header


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: list[str] = field(default_factory=list)
    reviewer: Reviewer | None = None  # who signed in (team service); None: the server's reviewer


class Sessions:
    """Server-side sessions, keyed by a random cookie; the oldest are forgotten past ``limit``."""

    def __init__(self, limit: int = 256) -> None:
        # One cookie name per server process: several servers on one host keep their own.
        self.cookie = f"equalcity-{secrets.token_hex(4)}"
        self._store: OrderedDict[str, Session] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._store.get(session_id)
            if session is not None:
                self._store.move_to_end(session_id)
            return session

    def create(self) -> tuple[str, Session]:
        session_id, session = secrets.token_urlsafe(32), Session()
        with self._lock:
            self._store[session_id] = session
            while len(self._store) > self._limit:
                self._store.popitem(last=False)
        return session_id, session


def token_matches(session: Session | None, token: str) -> bool:
    return session is not None and hmac.compare_digest(session.csrf, token)
