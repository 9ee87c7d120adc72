"""The review page as a shared service for the whole panel (``equalcity serve --public-url``).

It runs behind a TLS reverse proxy (Caddy, nginx; ``docs/deploy.md``). People sign in with a
passkey registered through a one-time invitation; their sessions, passkeys and an audit log live
in SQLite in ``--state DIR``. Decisions go through the same code as the loopback page, committed
by the service (signed with its key, a ``Reviewer:`` trailer naming the person) and pushed.

What an attacker can try and what stops it:

- another site posting a form or script request: every POST needs our Origin (or a same-origin
  ``Sec-Fetch-Site``), a JSON or form body as the route expects, and, once signed in, the
  session's CSRF token; cookies are ``SameSite=Strict``, ``HttpOnly``, ``Secure`` over https;
- a planted session cookie (fixation): sign-in always creates a new session id;
- guessing ids, invitations or passkeys: sign-in asks for no id at all (usernameless passkeys),
  an unusable invitation gets one answer whatever the reason, secrets are stored hashed, and
  sign-in and invitation endpoints are rate-limited per address and per account;
- naming someone else as reviewer: the reviewer is the signed-in person, never a request field;
- a forged ``X-Forwarded-For``: proxy headers count only from ``--trusted-proxy`` addresses;
- markup in any text: every page is rendered with autoescaping and a strict CSP.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from equalcity.errors import EqualcityError
from equalcity.repository.gitrepo import ServiceSigning
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.repository.sync import Sync
from equalcity.review.decide import Ask
from equalcity.review.index import panel_in_force
from equalcity.review.ledger import DECISIONS
from equalcity.review.panel import Reviewer
from equalcity.web import passkeys, translate, verify
from equalcity.web.app import PageError, PanelApp, _one, _who, answer, json_object
from equalcity.web.i18n import CURRENT, ENGLISH, current
from equalcity.web.security import CONTENT_SECURITY_POLICY, HEADERS, Session
from equalcity.web.state import CEREMONY_SECONDS, SessionRecord, State
from equalcity.web.templating import render

log = logging.getLogger("equalcity.web")
MAX_JSON_BYTES = 64 * 1024
# Sign-in and invitation endpoints: attempts per window, per client address and per account.
LIMITS = {"ip": (20, 60.0), "account": (10, 900.0)}
HSTS = "max-age=63072000; includeSubDomains"
# The passkey pages send the WebAuthn answers with fetch() to this origin, nowhere else.
TEAM_HEADERS = HEADERS | {
    "content-security-policy": CONTENT_SECURITY_POLICY + "; connect-src 'self'"
}
# In English; each page says them in its reader's language (the labels of i18n).
UNUSABLE_INVITATION = ENGLISH["invite_unusable"]
SIGN_IN_FAILED = ENGLISH["signin_failed"]
API_FIELDS = {"locale", "doc", "key", "text", "decision", "comment"}


@dataclass(frozen=True)
class PublicSite:
    """Where people reach the service (the reverse proxy's address) and whom to trust."""

    url: str
    trusted_proxies: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def cookie(self) -> str:
        # __Host-: the browser takes it only over https, for this host, path /, never from a
        # sibling subdomain.
        return "__Host-equalcity" if self.secure else "equalcity-session"

    @property
    def ceremony_cookie(self) -> str:
        return "__Host-equalcity-ceremony" if self.secure else "equalcity-ceremony"

    def trusts(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(
            address in ipaddress.ip_network(proxy, strict=False) for proxy in self.trusted_proxies
        )


def check_public_url(url: str) -> str:
    """The ``--public-url``: https, or http for a trial on this computer (localhost only)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1"):
        return url.rstrip("/")
    raise EqualcityError(
        f"--public-url must be the https:// address people open (got {url!r}); plain http is "
        "allowed only for http://localhost trials"
    )


@dataclass
class TeamApp(PanelApp):
    """The panel's shared review service (see the module docstring)."""

    site: PublicSite = field(default_factory=lambda: PublicSite("http://localhost"))
    state: State | None = None
    sync: Sync | None = None
    _flash: dict[str, list[str]] = field(default_factory=dict)

    @property
    def who(self) -> str:
        return ""  # messages are shown to whoever asked, signed in or not

    @property
    def rp(self) -> passkeys.RelyingParty:
        return passkeys.RelyingParty(self.site.origin)

    @property
    def db(self) -> State:
        assert self.state is not None
        return self.state

    # -- plumbing ------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        signed_in = self._guard
        public = self._public
        return [
            Route("/", signed_in(self.start), methods=["GET"]),
            Route("/review", signed_in(self.pick), methods=["GET"]),
            Route("/review/{locale}/{module}", signed_in(self.review), methods=["GET"]),
            Route("/review/{locale}/{module}", signed_in(self.record), methods=["POST"]),
            Route("/account", signed_in(self.account), methods=["GET"]),
            Route("/signout", signed_in(self.signout), methods=["POST"]),
            Route("/signout-everywhere", signed_in(self.signout_everywhere), methods=["POST"]),
            Route("/api/session", signed_in(self.api_session), methods=["GET"]),
            Route("/api/decisions", signed_in(self.api_decide), methods=["POST"]),
            Route("/signin", public(self.signin_page), methods=["GET"]),
            Route("/signin/options", public(self.signin_options), methods=["POST"]),
            Route("/signin/verify", public(self.signin_verify), methods=["POST"]),
            Route("/invite/{token}", public(self.invite_page), methods=["GET"]),
            Route("/invite/{token}/options", public(self.invite_options), methods=["POST"]),
            Route("/invite/{token}/register", public(self.invite_register), methods=["POST"]),
            Route("/language", public(self.choose_language), methods=["GET"]),
            Route("/static/{name}", self.static, methods=["GET"]),
            *translate.routes(self),
            *verify.routes(self),
        ]

    async def start(self, request: Request, session: Session) -> Response:
        """The first page after sign-in: translators and verifiers go to their own work."""
        role = session.reviewer.role if session.reviewer else ""
        if role == "translator":
            return RedirectResponse("/translate", status_code=303)
        if role == "contact-verifier":
            return RedirectResponse("/verify", status_code=303)
        return await self.home(request, session)

    def _headers(self, response: Response) -> Response:
        response.headers.update(TEAM_HEADERS)
        if self.site.secure:
            response.headers["strict-transport-security"] = HSTS
        return response

    def _host_ok(self, request: Request) -> bool:
        return request.headers.get("host", "") == self.site.host

    def _origin_ok(self, request: Request) -> bool:
        """A POST from our own pages: the browser's Origin (or Sec-Fetch-Site) says so."""
        site = request.headers.get("sec-fetch-site")
        origin = request.headers.get("origin")
        if site not in (None, "same-origin", "none"):
            return False
        return origin is None or origin == self.site.origin

    def client_ip(self, request: Request) -> str:
        """The client's address: the peer, or what a trusted proxy says the peer was."""
        peer = request.client.host if request.client else ""
        if not self.site.trusts(peer):
            return peer
        forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
        # The rightmost address our own proxies did not add is the one a client cannot forge.
        for address in reversed([a for a in forwarded if a]):
            if not self.site.trusts(address):
                return address
        return peer

    def _public(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not self._host_ok(request):
                return self._headers(_plain(400, "unknown host name"))
            if request.method == "POST" and not self._origin_ok(request):
                return self._headers(_json(403, "only this site's own pages may send this"))
            language = CURRENT.set(self.page_language(request, None))
            try:
                response = await handler(request)
            except PageError as exc:
                response = _json(exc.http_status, exc.shown)
            except EqualcityError as exc:  # the class says which status (errors.py)
                response = _json(exc.http_status, str(exc))
            except Exception as exc:
                log.exception("error in %s %s", request.method, request.url.path)
                response = _json(500, f"internal error ({type(exc).__name__})")
            finally:
                CURRENT.reset(language)
            return self._headers(response)

        return endpoint

    def _guard(
        self, handler: Callable[[Request, Session], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not self._host_ok(request):
                return self._headers(_plain(400, "unknown host name"))
            token = request.cookies.get(self.site.cookie, "")
            record = await run_in_threadpool(self.db.session, token) if token else None
            reviewer = self._roster_member(record.roster_id) if record else None
            language = CURRENT.set(self.page_language(request, reviewer))
            try:
                return await self._signed_in_page(request, handler, token, record, reviewer)
            finally:
                CURRENT.reset(language)

        return endpoint

    async def _signed_in_page(
        self,
        request: Request,
        handler: Callable[[Request, Session], Awaitable[Response]],
        token: str,
        record: SessionRecord | None,
        reviewer: Reviewer | None,
    ) -> Response:
        """A page only for signed-in people (``_guard``), in the page's language."""
        if record is None or reviewer is None:
            if request.method == "GET" and not request.url.path.startswith("/api/"):
                return self._headers(RedirectResponse("/signin", status_code=303))
            return self._headers(_json(401, current().texts("sign_in_first")))
        if request.method == "POST" and not self._origin_ok(request):
            return self._headers(self._message(403, current().texts("foreign_site")))
        session = Session(
            csrf=record.csrf,
            flash=self._flash.setdefault(token, []),
            reviewer=reviewer,
        )
        request.state.token = token
        try:
            response = await handler(request, session)
        except Exception as exc:
            response = self._message(*answer(exc, request, reveal=False))
        if not session.flash:
            self._flash.pop(token, None)
        return self._headers(response)

    def _roster_member(self, roster_id: str) -> Reviewer | None:
        """The roster entry of a signed-in person; None once the roster no longer lists them."""
        return panel_in_force(self.project.root).by_id(roster_id)

    def _set_session(self, response: Response, token: str) -> None:
        response.set_cookie(
            self.site.cookie,
            token,
            httponly=True,
            secure=self.site.secure,
            samesite="strict",
            path="/",
        )

    def _limited(self, request: Request, account: str = "") -> bool:
        """Whether this sign-in or invitation attempt is over a rate limit (counting it)."""
        ip = self.client_ip(request)
        count, window = LIMITS["ip"]
        over = not self.db.allow(f"ip:{ip}", count, window)
        if account:
            count, window = LIMITS["account"]
            over = not self.db.allow(f"account:{account}", count, window) or over
        if over:
            self.db.audit("rate limited", ip=ip, detail=request.url.path)
        return over

    # -- hooks of the review page ------------------------------------------------------------

    def before_page(self) -> None:
        if self.sync is not None:
            self.sync.refresh()

    def after_decision(self, sha: str) -> None:
        if self.sync is not None:
            self.sync.publish(self.sync.committed())

    def decide(self, ask: Ask, reviewer: Reviewer) -> tuple[str, int]:
        sha, count = super().decide(ask, reviewer)
        self.db.audit(
            ask.decision if count else f"{ask.decision} (already recorded)",
            roster_id=reviewer.id,
            detail=f"{ask.locale} {ask.doc.id} {','.join(ask.entry_ids)[:16]} {sha[:12]}",
        )
        return sha, count

    # -- signing in ------------------------------------------------------------------------

    async def signin_page(self, request: Request) -> Response:
        return HTMLResponse(render("signin.html", inline=False, who=""))

    async def signin_options(self, request: Request) -> Response:
        await _json_body(request)
        if await run_in_threadpool(self._limited, request):
            return _json(429, current().texts("too_many"))
        options, challenge = passkeys.authentication_options(self.rp)
        ceremony = await run_in_threadpool(self.db.begin_ceremony, "signin", "", challenge)
        response = Response(options, media_type="application/json")
        self._set_ceremony(response, ceremony)
        return response

    async def signin_verify(self, request: Request) -> Response:
        body = await _json_body(request)
        credential = json.dumps(body.get("credential"))
        raw_id = passkeys.credential_id(credential)
        # Counted per credential id whether or not it exists: the answer and the limits are
        # the same for a stranger's guess and for a real passkey.
        if await run_in_threadpool(self._limited, request, raw_id.hex()):
            return _json(429, current().texts("too_many"))
        ceremony = request.cookies.get(self.site.ceremony_cookie, "")
        taken = await run_in_threadpool(self.db.take_ceremony, ceremony, "signin")
        passkey = await run_in_threadpool(self.db.passkey, raw_id)
        ip = self.client_ip(request)
        if taken is None or passkey is None:
            await run_in_threadpool(self.db.audit, "sign-in refused", ip=ip, detail="unknown")
            return _json(400, current().texts("signin_failed"))
        try:
            count = passkeys.verify_authentication(
                self.rp, credential, taken[1], passkey.public_key, passkey.sign_count
            )
        except passkeys.PasskeyError as exc:
            await run_in_threadpool(
                self.db.audit,
                "sign-in refused",
                ip=ip,
                roster_id=passkey.roster_id,
                detail=str(exc),
            )
            return _json(400, current().texts("signin_failed"))
        if self._roster_member(passkey.roster_id) is None:
            return _json(400, current().texts("signin_failed"))
        await run_in_threadpool(self.db.used_passkey, raw_id, count)
        return await self._signed_in(request, passkey.roster_id, "signed in")

    async def _signed_in(self, request: Request, roster_id: str, event: str) -> Response:
        old = request.cookies.get(self.site.cookie, "")
        if old:
            await run_in_threadpool(self.db.end_session, old)
        token = await run_in_threadpool(self.db.new_session, roster_id)
        await run_in_threadpool(
            self.db.audit, event, ip=self.client_ip(request), roster_id=roster_id
        )
        response = JSONResponse({"next": "/"})
        self._set_session(response, token)
        response.delete_cookie(self.site.ceremony_cookie, path="/")
        return response

    def _set_ceremony(self, response: Response, ceremony: str) -> None:
        response.set_cookie(
            self.site.ceremony_cookie,
            ceremony,
            max_age=CEREMONY_SECONDS,
            httponly=True,
            secure=self.site.secure,
            samesite="strict",
            path="/",
        )

    # -- invitations ------------------------------------------------------------------------

    async def invite_page(self, request: Request) -> Response:
        if await run_in_threadpool(self._limited, request):
            return self._message(429, current().texts("too_many"))
        roster_id = await run_in_threadpool(self.db.invitation, request.path_params["token"])
        if roster_id is None or self._roster_member(roster_id) is None:
            return self._message(404, current().texts("invite_unusable"))
        return HTMLResponse(
            render(
                "invite.html",
                inline=False,
                who="",
                invited=roster_id,
                request_path=request.url.path,
            )
        )

    async def invite_options(self, request: Request) -> Response:
        await _json_body(request)
        if await run_in_threadpool(self._limited, request):
            return _json(429, current().texts("too_many"))
        token = request.path_params["token"]
        roster_id = await run_in_threadpool(self.db.invitation, token)
        if roster_id is None or self._roster_member(roster_id) is None:
            return _json(404, current().texts("invite_unusable"))
        existing = [p.credential_id for p in await run_in_threadpool(self.db.passkeys, roster_id)]
        handle = await run_in_threadpool(self.db.user_handle, roster_id)
        options, challenge = passkeys.registration_options(self.rp, roster_id, handle, existing)
        subject = json.dumps([token, handle.hex()])
        ceremony = await run_in_threadpool(self.db.begin_ceremony, "register", subject, challenge)
        response = Response(options, media_type="application/json")
        self._set_ceremony(response, ceremony)
        return response

    async def invite_register(self, request: Request) -> Response:
        body = await _json_body(request)
        if await run_in_threadpool(self._limited, request):
            return _json(429, current().texts("too_many"))
        token = request.path_params["token"]
        ceremony = request.cookies.get(self.site.ceremony_cookie, "")
        taken = await run_in_threadpool(self.db.take_ceremony, ceremony, "register")
        if taken is None:
            return _json(400, current().texts("invite_slow"))
        started_token, handle = json.loads(taken[0])
        if not secrets.compare_digest(started_token, token):
            return _json(400, current().texts("invite_other"))
        new = passkeys.verify_registration(self.rp, json.dumps(body.get("credential")), taken[1])
        roster_id = await run_in_threadpool(
            self.db.register,
            token,
            new.credential_id,
            bytes.fromhex(handle),
            new.public_key,
            new.sign_count,
        )
        if roster_id is None:
            return _json(404, current().texts("invite_unusable"))
        return await self._signed_in(request, roster_id, "passkey registered")

    # -- signed in ---------------------------------------------------------------------------

    async def account(self, request: Request, session: Session) -> Response:
        assert session.reviewer is not None
        keys = await run_in_threadpool(self.db.passkeys, session.reviewer.id)
        return HTMLResponse(
            render(
                "account.html",
                inline=False,
                who=_who(session.reviewer),
                reviewer=session.reviewer,
                passkeys=len(keys),
                csrf=session.csrf,
            )
        )

    async def signout(self, request: Request, session: Session) -> Response:
        await self._form_token(request, session)
        await run_in_threadpool(self.db.end_session, request.state.token)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(self.site.cookie, path="/")
        return response

    async def signout_everywhere(self, request: Request, session: Session) -> Response:
        await self._form_token(request, session)
        assert session.reviewer is not None
        ended = await run_in_threadpool(self.db.end_sessions, session.reviewer.id)
        await run_in_threadpool(
            self.db.audit,
            "signed out everywhere",
            ip=self.client_ip(request),
            roster_id=session.reviewer.id,
            detail=f"{ended} sessions",
        )
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(self.site.cookie, path="/")
        return response

    async def _form_token(self, request: Request, session: Session) -> None:
        from equalcity.web.app import _form

        form = await _form(request)
        if not secrets.compare_digest(session.csrf, form.get("csrf", "")):
            raise PageError(403, "foreign_form")

    # -- the API (scripts, the load test) -----------------------------------------------------

    async def api_session(self, request: Request, session: Session) -> Response:
        assert session.reviewer is not None
        return JSONResponse({"reviewer": session.reviewer.id, "csrf": session.csrf})

    async def api_decide(self, request: Request, session: Session) -> Response:
        """One decision as JSON: ``{locale, doc, key, text, decision, comment}``; the reviewer
        is the signed-in person (a ``reviewer`` field is refused, not ignored)."""
        reviewer = session.reviewer
        assert reviewer is not None
        if not secrets.compare_digest(session.csrf, request.headers.get("x-csrf-token", "")):
            return _json(403, "missing or wrong X-CSRF-Token (GET /api/session gives it)")
        body = await _json_body(request)
        unknown = sorted(set(body) - API_FIELDS)
        if unknown:
            return _json(
                400,
                f"unknown field {unknown[0]!r}: the reviewer is whoever is signed in; send "
                + ", ".join(sorted(API_FIELDS)),
            )
        values = {name: body.get(name, "") for name in API_FIELDS}
        if not all(isinstance(v, str) for v in values.values()):
            return _json(400, "every field is a string")
        if values["decision"] not in DECISIONS:
            return _json(400, "decision is approve or request-changes")
        try:
            locale = Snapshot.of(self.project).language(values["locale"])
            doc = Document.parse(values["doc"])
            _sha, count = await run_in_threadpool(
                self.decide,
                _one(
                    locale,
                    doc,
                    values["decision"],
                    values["key"],
                    values["text"],
                    values["comment"],
                ),
                reviewer,
            )
        except EqualcityError as exc:
            return _json(exc.http_status, " ".join(str(exc).split()))
        if not count:
            return JSONResponse(
                {"recorded": False, "message": "already recorded: nothing recorded twice"}
            )
        return JSONResponse({"recorded": True, "message": "recorded and pushed"})


def create_team_app(
    project: Project,
    site: PublicSite,
    state: State,
    signing: ServiceSigning,
    remote: str = "origin",
) -> Starlette:
    """The shared review service (see the module docstring); ``state`` must be opened."""
    placeholder = Reviewer("-", "-@-", (), (), "language")  # never used: sessions name people
    sync = Sync(project.root, remote, signing)
    app_state = TeamApp(
        project,
        placeholder,
        site.host,
        service=signing,
        secure_cookies=site.secure,
        site=site,
        state=state,
        sync=sync,
    )
    app = Starlette(routes=app_state.routes())
    app.state.panel = app_state
    return app


def _json(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _plain(status: int, message: str) -> Response:
    return Response(message, status_code=status, media_type="text/plain")


async def _json_body(request: Request) -> dict[str, Any]:
    return await json_object(request, MAX_JSON_BYTES)
