"""The review server: a Starlette app (``equalcity serve`` runs it with uvicorn).

Pages are rendered on the server and work without JavaScript; ``review.js`` only adds keyboard
shortcuts. A decision is a plain form POST that goes through ``reviewflow.decide`` — the code
behind ``equalcity review`` — and then redirects back to the page (post/redirect/get).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from equalcity.errors import EqualcityError
from equalcity.glossary.termbase import Glossary
from equalcity.po.locales import is_rtl
from equalcity.progress.dashboard import collect, render_html
from equalcity.progress.dashboard import labels as dashboard_labels
from equalcity.progress.status import STATES
from equalcity.release.contacts import Contact
from equalcity.release.editions import Edition
from equalcity.repository.gitrepo import ServiceSigning, head_of
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.decide import Ask, decide
from equalcity.review.ledger import DECISIONS
from equalcity.review.panel import Reviewer
from equalcity.review.queue import items, pending
from equalcity.review.sourcechanges import source_changes
from equalcity.web.entries import SHOWS, Filters, entry_view
from equalcity.web.i18n import (
    CURRENT,
    ENGLISH,
    SOURCE_LANGUAGE,
    Catalogues,
    PageLanguage,
    choose,
    current,
)
from equalcity.web.security import (
    HEADERS,
    Session,
    Sessions,
    allowed_hosts,
    host_name,
    same_origin,
    token_matches,
)
from equalcity.web.templating import render, static_text

log = logging.getLogger("equalcity.web")
PAGE_SIZE = 40
MAX_FORM_BYTES = 64 * 1024
STATIC = {
    "panel.css": "text/css; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "team.js": "text/javascript; charset=utf-8",
}
SHORTCUTS = (  # key, what it does (a label of i18n.ENGLISH)
    ("j", "key_next"),
    ("k", "key_previous"),
    ("a", "key_approve"),
    ("r", "key_request"),
    ("Ctrl+Enter", "key_send"),
    ("Esc", "key_leave"),
    ("?", "key_help"),
)
LANGUAGE_COOKIE = "equalcity-lang"
TITLES = {400: "not_possible", 403: "refused", 404: "not_found", 409: "conflict"}


class PageError(EqualcityError):
    """A request the page answers with one line and an HTTP status of its own (a wrong form,
    an unknown module) rather than the one its error class gives. The message is a label of
    the page's words (``i18n.ENGLISH``; ``values`` fill its fields) shown in the reader's
    language, or else a sentence for scripts, shown as it is."""

    def __init__(self, status: int, message: str, **values: object) -> None:
        super().__init__(message)
        self.http_status = status
        self.key = message
        self.values = values

    @property
    def shown(self) -> str:
        """The message in the language of the page being answered."""
        if self.key in ENGLISH:
            return current().texts(self.key, **self.values)
        return self.key


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
    secure_cookies: bool = False
    _catalogues: Catalogues | None = None
    _glossary: _Cache = field(default_factory=_Cache)
    _home: _Cache = field(default_factory=_Cache)

    # -- plumbing ------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            Route("/", self._wrap(self.home), methods=["GET"]),
            Route("/review", self._wrap(self.pick), methods=["GET"]),
            Route("/review/{locale}/{module}", self._wrap(self.review), methods=["GET"]),
            Route("/review/{locale}/{module}", self._wrap(self.record), methods=["POST"]),
            Route("/language", self._wrap(self.choose_language), methods=["GET"]),
            Route("/static/{name}", self.static, methods=["GET"]),
        ]

    @property
    def catalogues(self) -> Catalogues:
        if self._catalogues is None:
            self._catalogues = Catalogues(self.project)
        return self._catalogues

    def page_language(self, request: Request, reviewer: Reviewer | None) -> PageLanguage:
        """The language of the page for this request (``i18n.choose``) and the menu's choices."""
        offered = self.catalogues.available()
        code = choose(
            request.cookies.get(LANGUAGE_COOKIE, ""),
            reviewer.languages if reviewer is not None else (),
            request.headers.get("accept-language", ""),
            offered,
        )
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return PageLanguage(self.catalogues.texts(code), tuple(offered), here)

    async def choose_language(self, request: Request, session: Session | None = None) -> Response:
        """The language menu: remember the choice in a cookie, back to the page it came from."""
        code = request.query_params.get("lang", "")
        back = request.query_params.get("next", "/")
        # Only a path of this site: never a redirect to another host (//evil, /\\evil).
        if not back.startswith("/") or back.startswith("//") or "\\" in back:
            back = "/"
        response = RedirectResponse(back, status_code=303)
        if code in self.catalogues.available():
            response.set_cookie(
                LANGUAGE_COOKIE,
                code,
                max_age=365 * 24 * 3600,
                httponly=True,
                secure=self.secure_cookies,
                samesite="lax",
                path="/",
            )
        return response

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
            language = CURRENT.set(self.page_language(request, self.reviewer_of(session)))
            try:
                response = await handler(request, session)
            except Exception as exc:
                response = self._message(*answer(exc, request, reveal=True))
            finally:
                CURRENT.reset(language)
            if created:
                response.set_cookie(
                    self.sessions.cookie, created, httponly=True, samesite="strict", path="/"
                )
            response.headers.update(HEADERS)
            return response

        return endpoint

    def _message(self, status: int, message: str, detail: str = "") -> HTMLResponse:
        """A page of one message (in the page's language) and, when that is not English, the
        tool's own English words as a detail for a maintainer."""
        t = current().texts
        page = render(
            "message.html",
            inline=False,
            who=self.who,
            title=t(TITLES.get(status, "error")),
            message=" ".join(message.split()),
            detail=" ".join(detail.split()),
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
            current().texts,
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
            texts = current().texts
            translated = texts.code != SOURCE_LANGUAGE
            html = render_html(
                dashboard,
                inline=False,
                review_links=links,
                waiting=waiting,
                who=_who(reviewer),
                # the dashboard's own words in the page's language (its UI catalogue)
                text=dashboard_labels(snapshot, texts.code) if translated else None,
                page=texts if translated else None,
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
        error_detail: str = "",
        drafts: dict[str, str] | None = None,
    ) -> str:
        self.before_page()
        t = current().texts
        reviewer = self.reviewer_of(session)
        locale = self._locale(locale)
        snapshot = Snapshot.of(self.project)
        modules = sorted({d.module for d in snapshot.po_documents(locale)})
        if module not in modules:
            raise PageError(404, "no_module", module=module)
        panel = snapshot.panel
        found = items(snapshot, locale, module)
        earlier = source_changes(snapshot, locale, found)
        shown = filters.apply(found, reviewer, panel, earlier)
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
                item,
                locale,
                reviewer,
                panel,
                glossary,
                may_decide=may_decide,
                editions=editions,
                t=t,
                source_change=earlier.of(item),
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
            language=t.language(locale),
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
            error_detail=error_detail,
            no_history=earlier.unavailable,
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
            raise PageError(403, "foreign_form")
        locale = self._locale(request.path_params["locale"])
        module = request.path_params["module"]
        filters = Filters.parse(form)
        decision = form.get("decision", "")
        if decision not in DECISIONS:
            raise PageError(400, "choose_decision")
        doc = Document.parse(form.get("doc", ""))
        if doc.module != module:
            raise PageError(400, "wrong_module")
        key, comment = form.get("key", ""), form.get("comment", "")
        reviewer = self.reviewer_of(session)
        t = current().texts
        try:
            if decision == "request-changes" and not comment.strip():
                raise PageError(400, "comment_needed")
            _sha, count = await run_in_threadpool(
                self.decide,
                _one(locale, doc, decision, key, form.get("text", ""), comment),
                reviewer,
            )
        except EqualcityError as exc:
            status = exc.http_status  # the class says which (errors.py)
            error, detail = (exc.shown, "") if isinstance(exc, PageError) else explain(exc)
            html = await run_in_threadpool(
                self._review_page,
                locale,
                module,
                filters,
                session,
                focus=key[:8],
                error=" ".join(error.split()),
                error_detail=detail,
                drafts={key: comment},
            )
            return HTMLResponse(html, status_code=status)
        # Plain words: the entry and document, no commit id (the history keeps that).
        if not count:
            session.flash.append(t("already_recorded", id=key[:8]))
        elif decision == "approve":
            session.flash.append(t("approved_entry", id=key[:8], doc=doc.id))
        else:
            session.flash.append(t("requested_entry", id=key[:8], doc=doc.id))
        focus = form.get("next", "")
        focus = focus if re.fullmatch(r"[0-9a-f]{8}", focus) else ""
        query = filters.query(**({"focus": focus} if focus else {}))
        anchor = f"#entry-{focus}" if focus else ""
        return RedirectResponse(f"{_review_url(locale, module)}?{query}{anchor}", status_code=303)

    def decide(self, ask: Ask, reviewer: Reviewer) -> tuple[str, int]:
        """Record one decision (``reviewflow.decide``); the team service then pushes it."""
        sha, count = decide(
            self.project, ask, reviewer_id=reviewer.id, key=self.key, service=self.service
        )
        if count:
            self.after_decision(sha)
        return sha, count

    def editions(
        self, snapshot: Snapshot, locale: str
    ) -> dict[str, dict[str, tuple[Contact, str]]]:
        """The contacts of each edition in ``locale`` (the language's own files when
        workflows/release.toml names none), each with why the release gate does not trust its
        check ("" when it does), so a helpline sentence is never approved blind."""
        from equalcity.release.verification import trusted

        found = [e for e in snapshot.release().editions if e.language == locale]
        today = dt.date.today()
        return {e.id: trusted(snapshot, e, today) for e in found or [Edition(locale, locale)]}

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
            raise PageError(404, "no_language", code=code) from None

    def _check_origin(self, request: Request) -> None:
        site = request.headers.get("sec-fetch-site")
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if site not in (None, "same-origin", "none") or (
            origin is not None and not same_origin(origin, host)
        ):
            raise PageError(403, "foreign_site")


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
    role = "role_subject_expert" if reviewer.role == "subject-expert" else "role_language"
    return f"{reviewer.id} ({current().texts(role)})"


def answer(exc: Exception, request: Request, *, reveal: bool) -> tuple[int, str, str]:
    """(HTTP status, message, detail) of the page that answers a request whose handler
    raised ``exc``: the status from the error's class (``errors.py``); anything else is an
    internal error, logged with its traceback — its text shown only when ``reveal`` (the
    loopback page, where the reader runs the server), never on the shared service."""
    if isinstance(exc, PageError):
        return exc.http_status, exc.shown, ""
    if isinstance(exc, EqualcityError):
        return exc.http_status, *explain(exc)
    internal = current().texts("internal_error")
    if isinstance(exc, OSError) and reveal:
        where = f"{exc.filename}: " if exc.filename else ""
        return 500, internal, f"{where}{exc.strerror or exc}"
    log.error("error in %s %s", request.method, request.url.path, exc_info=exc)
    return 500, internal, f"internal error ({type(exc).__name__})" + (f": {exc}" if reveal else "")


def explain(exc: EqualcityError) -> tuple[str, str]:
    """What a page says about a domain error: (message, detail). On an English page the
    tool's own words; in another language a plain sentence of the page's words, with the
    tool's English words as the detail for a maintainer (the core speaks English)."""
    text = " ".join(str(exc).split())
    t = current().texts
    if t.code == SOURCE_LANGUAGE:
        return text, ""
    plain = {409: "err_conflict", 403: "err_refused"}.get(exc.http_status, "err_input")
    return t(plain), text


def _one(locale: str, doc: Document, decision: str, key: str, text: str, comment: str) -> Ask:
    """The decision the page sends: one entry, on the translation the reviewer saw."""
    return Ask(locale, doc, decision, (key,), comment=comment, expected={key: text})


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


async def json_object(
    request: Request, limit: int, expected: str = "send JSON (Content-Type: application/json)"
) -> dict[str, Any]:
    """The request's body as a JSON object of at most ``limit`` bytes. Only JSON: a cross-site
    form cannot send it without a CORS preflight, which the service never answers."""
    body = await read_body(
        request,
        "application/json",
        limit,
        PageError(415, expected),
        PageError(413, "the request is too large"),
    )
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise PageError(400, "the request is not JSON") from None
    if not isinstance(data, dict):
        raise PageError(400, "send a JSON object")
    return data


async def _form(request: Request) -> dict[str, str]:
    body = await read_body(
        request,
        "application/x-www-form-urlencoded",
        MAX_FORM_BYTES,
        PageError(400, "form_unreadable"),
        PageError(400, "form_too_large"),
    )
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise PageError(400, "form_unreadable") from None
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
