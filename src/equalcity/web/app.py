"""The review server: a Starlette app (``equalcity serve`` runs it with uvicorn).

Pages are rendered on the server and work without JavaScript; ``review.js`` only adds keyboard
shortcuts. A decision is a plain form POST that goes through ``reviewflow.decide`` — the code
behind ``equalcity review`` — and then redirects back to the page (post/redirect/get).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..dashboard import collect, render_html
from ..editions import Contact, Edition, contacts_for
from ..errors import EqualcityError
from ..gitrepo import ServiceSigning, head_of
from ..glossary import Glossary
from ..locales import english_name, is_rtl
from ..project import Document, Project
from ..review import DECISIONS, Reviewer
from ..reviewflow import decide, items, pending
from ..snapshot import Snapshot
from ..status import STATES
from .entries import SHOWS, Filters, entry_view
from .security import (
    HEADERS,
    Session,
    Sessions,
    allowed_hosts,
    host_name,
    same_origin,
    token_matches,
)
from .templating import render, static_text

log = logging.getLogger("equalcity.web")
PAGE_SIZE = 40
MAX_FORM_BYTES = 64 * 1024
STATIC = {
    "panel.css": "text/css; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "team.js": "text/javascript; charset=utf-8",
}
SHORTCUTS = (
    ("j", "next entry"),
    ("k", "previous entry"),
    ("a", "approve the current entry"),
    ("r", "request changes: write the comment"),
    ("Ctrl+Enter", "send the change request (in the comment field)"),
    ("Esc", "leave the comment field"),
    ("?", "show these shortcuts"),
)


class PageError(EqualcityError):
    """A request the page answers with one line and an HTTP status of its own (a wrong form,
    an unknown module) rather than the one its error class gives."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass
class _Cache:
    signature: tuple[object, ...] = ()
    value: object = None


@dataclass
class PanelApp:
    """The server's state: the project, who reviews, sessions, and caches keyed by file state."""

    project: Project
    reviewer: Reviewer  # the loopback server's one reviewer; the team service's come from sessions
    bound_host: str = "127.0.0.1"
    key: str | None = None  # the reviewer's signing key (default: git's user.signingkey)
    service: ServiceSigning | None = None  # the team service commits signed, with a trailer
    sessions: Sessions = field(default_factory=Sessions)
    _glossary: _Cache = field(default_factory=_Cache)
    _home: _Cache = field(default_factory=_Cache)

    # -- plumbing ------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            Route("/", self._wrap(self.home), methods=["GET"]),
            Route("/review", self._wrap(self.pick), methods=["GET"]),
            Route("/review/{locale}/{module}", self._wrap(self.review), methods=["GET"]),
            Route("/review/{locale}/{module}", self._wrap(self.record), methods=["POST"]),
            Route("/static/{name}", self.static, methods=["GET"]),
        ]

    def _wrap(
        self, handler: Callable[[Request, Session], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        hosts = allowed_hosts(self.bound_host)

        async def endpoint(request: Request) -> Response:
            if hosts is not None and host_name(request.headers.get("host", "")) not in hosts:
                return PlainTextResponse("unknown host name", status_code=400, headers=HEADERS)
            session_id = request.cookies.get(self.sessions.cookie)
            session = self.sessions.get(session_id)
            created = None
            if session is None:
                created, session = self.sessions.create()
            try:
                response = await handler(request, session)
            except EqualcityError as exc:  # the class says which status (errors.py)
                response = self._message(exc.http_status, str(exc))
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                response = self._message(500, f"{where}{exc.strerror or exc}")
            except Exception as exc:  # one line on the page, the traceback in the server log
                log.exception("error in %s %s", request.method, request.url.path)
                response = self._message(500, f"internal error ({type(exc).__name__}): {exc}")
            if created:
                response.set_cookie(
                    self.sessions.cookie, created, httponly=True, samesite="strict", path="/"
                )
            response.headers.update(HEADERS)
            return response

        return endpoint

    def _message(self, status: int, message: str) -> HTMLResponse:
        title = {400: "Not possible", 403: "Refused", 404: "Not found", 409: "Conflict"}
        page = render(
            "message.html",
            inline=False,
            who=self.who,
            title=title.get(status, "Error"),
            message=" ".join(message.split()),
        )
        return HTMLResponse(page, status_code=status)

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404)
        return Response(static_text(name), media_type=STATIC[name], headers=HEADERS)

    def glossary(self, snapshot: Snapshot) -> Glossary:
        """The snapshot's glossary, parsed once while its files stay the same (its matchers
        are cached by the glossary object)."""
        folder = self.project.root / "glossary"
        signature = _signature([folder])
        if self._glossary.signature != signature or self._glossary.value is None:
            self._glossary = _Cache(signature, snapshot.glossary())
        assert isinstance(self._glossary.value, Glossary)
        return self._glossary.value

    # -- pages ---------------------------------------------------------------------------

    async def home(self, request: Request, session: Session) -> Response:
        page = await run_in_threadpool(self._home_page, self.reviewer_of(session))
        return HTMLResponse(page)

    def _home_page(self, reviewer: Reviewer) -> str:
        self.before_page()
        root = self.project.root
        signature = (
            reviewer.id,
            head_of(root) or "",
            _signature([root / "locales", root / "workflows", root / "glossary", root / "source"]),
        )
        if self._home.signature != signature:
            snapshot = Snapshot.of(self.project)
            dashboard = collect(self.project, snapshot=snapshot)
            links: dict[tuple[str, str], str] = {}
            waiting: dict[tuple[str, str], int] = {}
            for row in dashboard.rows:
                if reviewer.covers(row.locale, row.module):
                    links[row.locale, row.module] = _review_url(row.locale, row.module)
                    found = items(snapshot, row.locale, row.module)
                    waiting[row.locale, row.module] = len(pending(found, reviewer))
            html = render_html(
                dashboard,
                inline=False,
                review_links=links,
                waiting=waiting,
                who=_who(reviewer),
            )
            self._home = _Cache(signature, html)
        assert isinstance(self._home.value, str)
        return self._home.value

    async def pick(self, request: Request, session: Session) -> Response:
        locale = request.query_params.get("locale", "")
        module = request.query_params.get("module", "")
        if not locale or not module:
            return RedirectResponse("/", status_code=303)
        return RedirectResponse(_review_url(locale, module), status_code=303)

    async def review(self, request: Request, session: Session) -> Response:
        params = dict(request.query_params)
        filters = Filters.parse(params)
        page = _int(params.get("page"), 1)
        html = await run_in_threadpool(
            self._review_page,
            request.path_params["locale"],
            request.path_params["module"],
            filters,
            session,
            focus=params.get("focus", ""),
            page=page,
        )
        return HTMLResponse(html)

    def _review_page(
        self,
        locale: str,
        module: str,
        filters: Filters,
        session: Session,
        *,
        focus: str = "",
        page: int = 1,
        error: str = "",
        drafts: dict[str, str] | None = None,
    ) -> str:
        self.before_page()
        reviewer = self.reviewer_of(session)
        locale = self._locale(locale)
        snapshot = Snapshot.of(self.project)
        modules = sorted({d.module for d in snapshot.po_documents(locale)})
        if module not in modules:
            raise PageError(404, f"no module {module!r} in locales/{locale}/")
        panel = snapshot.panel
        found = items(snapshot, locale, module)
        shown = filters.apply(found, reviewer, panel)
        pages = max(1, -(-len(shown) // PAGE_SIZE))
        ids = [i.id for i in shown]
        if focus in ids:
            page = ids.index(focus) // PAGE_SIZE + 1
        page = min(max(page, 1), pages)
        visible = shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        may_decide = reviewer.covers(locale, module)
        glossary = self.glossary(snapshot)
        editions = self.editions(snapshot, locale)
        views = [
            entry_view(
                item, locale, reviewer, panel, glossary, may_decide=may_decide, editions=editions
            )
            for item in visible
        ]
        counts = {state: sum(1 for i in found if i.review.state == state) for state in STATES}
        flash, session.flash = session.flash, []
        return render(
            "review.html",
            inline=False,
            who=_who(reviewer),
            reviewer=reviewer,
            locale=locale,
            language=english_name(locale),
            rtl=is_rtl(locale),
            module=module,
            modules=modules,
            locales=[x for x in Snapshot.of(self.project).locales() if reviewer.speaks(x)],
            filters=filters,
            shows=SHOWS,
            entries=views,
            total=len(shown),
            page=page,
            pages=pages,
            counts=counts,
            waiting=len(pending(found, reviewer)),
            may_decide=may_decide,
            csrf=session.csrf,
            flash=flash,
            error=error,
            drafts=drafts or {},
            focus=focus,
            shortcuts=SHORTCUTS,
            url=_review_url(locale, module),
        )

    async def record(self, request: Request, session: Session) -> Response:
        """A decision from the page: checked for origin and token, then ``decide``."""
        self._check_origin(request)
        form = await _form(request)
        if not token_matches(session, form.get("csrf", "")):
            raise PageError(
                403,
                "this form did not come from your review page (missing or expired security "
                "token); reload the page and decide again",
            )
        locale = self._locale(request.path_params["locale"])
        module = request.path_params["module"]
        filters = Filters.parse(form)
        decision = form.get("decision", "")
        if decision not in DECISIONS:
            raise PageError(400, "choose approve or request changes")
        doc = Document.parse(form.get("doc", ""))
        if doc.module != module:
            raise PageError(400, f"entry of {doc.id} sent to the page of module {module}")
        key, comment = form.get("key", ""), form.get("comment", "")
        reviewer = self.reviewer_of(session)
        try:
            if decision == "request-changes" and not comment.strip():
                raise EqualcityError(
                    "a change request needs a comment: say what the translator should change"
                )
            sha, count = await run_in_threadpool(
                self.decide, locale, doc, decision, key, form.get("text", ""), comment, reviewer
            )
        except EqualcityError as exc:
            html = await run_in_threadpool(
                self._review_page,
                locale,
                module,
                filters,
                session,
                focus=key[:8],
                error=" ".join(str(exc).split()),
                drafts={key: comment},
            )
            return HTMLResponse(html, status_code=exc.http_status)
        verb = "Approved" if decision == "approve" else "Requested changes on"
        if count:
            session.flash.append(f"{verb} entry {key[:8]} of {doc.id} (commit {sha[:10]}).")
        else:
            session.flash.append(
                f"Your decision on entry {key[:8]} was already recorded; nothing recorded twice."
            )
        focus = form.get("next", "")
        focus = focus if re.fullmatch(r"[0-9a-f]{8}", focus) else ""
        query = filters.query(**({"focus": focus} if focus else {}))
        anchor = f"#entry-{focus}" if focus else ""
        return RedirectResponse(f"{_review_url(locale, module)}?{query}{anchor}", status_code=303)

    def decide(
        self,
        locale: str,
        doc: Document,
        decision: str,
        key: str,
        text: str,
        comment: str,
        reviewer: Reviewer,
    ) -> tuple[str, int]:
        """Record one decision (``reviewflow.decide``); the team service then pushes it."""
        sha, count = decide(
            self.project,
            locale,
            doc,
            decision,
            entry_ids=[key],
            comment=comment,
            reviewer_id=reviewer.id,
            expected={key: text},
            key=self.key,
            service=self.service,
        )
        if count:
            self.after_decision(sha)
        return sha, count

    def editions(self, snapshot: Snapshot, locale: str) -> dict[str, dict[str, Contact]]:
        """The contacts of each edition in ``locale`` (the language's own files when
        workflows/release.toml names none), so a helpline sentence is never approved blind."""
        found = [e for e in snapshot.release().editions if e.language == locale]
        return {e.id: contacts_for(snapshot, e) for e in found or [Edition(locale, locale)]}

    # -- hooks the team service fills ------------------------------------------------------

    def reviewer_of(self, session: Session) -> Reviewer:
        """Who decides in this session (the loopback server has one reviewer)."""
        return session.reviewer or self.reviewer

    def before_page(self) -> None:
        """Called before a page is computed (the team service pulls others' work)."""

    def after_decision(self, sha: str) -> None:
        """Called after a decision was committed (the team service pushes it)."""

    # -- helpers -------------------------------------------------------------------------

    @property
    def who(self) -> str:
        return _who(self.reviewer)

    def _locale(self, code: str) -> str:
        try:
            return Snapshot.of(self.project).language(code)
        except EqualcityError:
            raise PageError(404, f"no language {code!r} in locales/") from None

    def _check_origin(self, request: Request) -> None:
        site = request.headers.get("sec-fetch-site")
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if site not in (None, "same-origin", "none") or (
            origin is not None and not same_origin(origin, host)
        ):
            raise PageError(403, "a decision can only be sent from the review page itself")


def create_app(
    project: Project, reviewer: Reviewer, host: str = "127.0.0.1", key: str | None = None
) -> Starlette:
    """The review app for ``reviewer`` on ``project``; ``host`` is the address it listens on
    (requests must name a loopback host unless it listens on another interface); decisions are
    signed with ``key`` (default: git's ``user.signingkey``)."""
    state = PanelApp(project, reviewer, host, key)
    app = Starlette(routes=state.routes())
    app.state.panel = state
    return app


def _who(reviewer: Reviewer) -> str:
    return f"{reviewer.id} ({reviewer.role})"


def _review_url(locale: str, module: str) -> str:
    return f"/review/{quote(locale, safe='')}/{quote(module, safe='')}"


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


async def read_body(
    request: Request, kind: str, limit: int, wrong_kind: PageError, too_large: PageError
) -> bytes:
    """The request's body, refused unless it is of ``kind`` and at most ``limit`` bytes (read
    in chunks, so an oversized body is never held whole)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != kind:
        raise wrong_kind
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return body


async def _form(request: Request) -> dict[str, str]:
    body = await read_body(
        request,
        "application/x-www-form-urlencoded",
        MAX_FORM_BYTES,
        PageError(400, "send the review page's form"),
        PageError(400, "the form is too large"),
    )
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise PageError(400, "the form is not UTF-8") from None
    return {name: values[-1] for name, values in parsed.items()}


def _signature(folders: list[Path]) -> tuple[object, ...]:
    """Names, sizes and modification times of every file under ``folders`` (cache keys)."""
    out: list[object] = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                stat = os.stat(os.path.join(dirpath, name))
                out.append((dirpath, name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)
