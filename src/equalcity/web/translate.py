"""The translators' pages of the shared service: download PO files, upload them back, see what
changes, confirm (``upload.py`` does the work); and the same by ``curl`` with a personal token.

Who may do what comes from the roster only: the translator role, for its languages and modules
(403 otherwise). The page's forms carry the session's CSRF token; the token API is for scripts,
authenticated by ``Authorization: Bearer`` alone (no cookie, so no cross-site request can use
it), and a wrong token is rate-limited like a sign-in.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from equalcity.errors import EqualcityError
from equalcity.repository.snapshot import Snapshot
from equalcity.review.panel import Reviewer
from equalcity.translation.upload import (
    MAX_UPLOAD_BYTES,
    Prepared,
    UploadRefused,
    blocking,
    blocking_reason,
    commit,
    download,
    download_zip,
    file_name,
    prepare,
    unpack,
)
from equalcity.web.app import PageError, json_object, read_body
from equalcity.web.i18n import Texts, current
from equalcity.web.security import Session
from equalcity.web.templating import render

if TYPE_CHECKING:
    from equalcity.web.team import TeamApp

log = logging.getLogger("equalcity.web")
# What an upload may be sent as: the page's form, or a script's raw file (PO or zip).
FORM = "multipart/form-data"
RAW = ("application/octet-stream", "application/zip", "text/x-gettext-translation", "text/plain")
SLACK = 64 * 1024  # the form's other fields and boundaries around the files


def routes(app: TeamApp) -> list[Route]:
    pages = Translating(app)
    signed_in, token = app._guard, pages.token_guard
    return [
        Route("/translate", signed_in(pages.overview), methods=["GET"]),
        Route("/translate/{locale}/{module}/download", signed_in(pages.download), methods=["GET"]),
        Route("/translate/{locale}/{module}/upload", signed_in(pages.upload), methods=["POST"]),
        Route("/translate/confirm", signed_in(pages.confirm), methods=["POST"]),
        Route("/translate/tokens", signed_in(pages.new_token), methods=["POST"]),
        Route("/translate/tokens/revoke", signed_in(pages.revoke_token), methods=["POST"]),
        # Before the {locale}/{module} routes, which would take "confirm" for a language.
        Route("/api/translate/confirm/{upload}", token(pages.api_confirm), methods=["POST"]),
        Route("/api/translate/{locale}/{module}", token(pages.api_download), methods=["GET"]),
        Route("/api/translate/{locale}/{module}", token(pages.api_upload), methods=["POST"]),
    ]


class Translating:
    def __init__(self, app: TeamApp) -> None:
        self.app = app

    # -- who ---------------------------------------------------------------------------------

    def translator(self, session: Session, locale: str = "", module: str = "") -> Reviewer:
        """The signed-in translator, refused (403) unless the roster lets them translate
        ``locale`` in ``module``."""
        person = session.reviewer
        if person is None or person.role != "translator":
            raise PageError(403, "not_a_translator")
        if locale and not person.translates(locale, module):
            raise PageError(403, "not_your_language", id=person.id, locale=locale, module=module)
        return person

    def token_guard(
        self, handler: Callable[[Request, Session], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """A script's request: ``Authorization: Bearer <personal token>``, answered in JSON."""
        app = self.app

        async def endpoint(request: Request) -> Response:
            if not app._host_ok(request):
                return app._headers(_error(400, "unknown host name"))
            scheme, _, secret = request.headers.get("authorization", "").partition(" ")
            owner = None
            if scheme.lower() == "bearer" and secret:
                owner = await run_in_threadpool(app.db.token_owner, secret.strip())
            person = app._roster_member(owner) if owner else None
            if person is None:
                if await run_in_threadpool(app._limited, request):
                    return app._headers(_error(429, "too many attempts; wait a minute"))
                return app._headers(
                    _error(401, "send 'Authorization: Bearer TOKEN' with a personal token")
                )
            try:
                response = await handler(request, Session(csrf="", reviewer=person))
            except PageError as exc:
                response = _error(exc.http_status, exc.shown)
            except EqualcityError as exc:  # the class says which status (errors.py)
                response = _error(exc.http_status, " ".join(str(exc).split()))
            except Exception as exc:  # one line for the script, the traceback in the log
                log.exception("error in %s %s", request.method, request.url.path)
                response = _error(500, f"internal error ({type(exc).__name__})")
            return app._headers(response)

        return endpoint

    # -- pages ---------------------------------------------------------------------------------

    async def overview(self, request: Request, session: Session) -> Response:
        person = self.translator(session)
        assert self.app.state is not None
        tokens = await run_in_threadpool(self.app.db.tokens, person.id)
        html = await run_in_threadpool(self._overview, person, session, tokens, "")
        return HTMLResponse(html)

    def _overview(
        self,
        person: Reviewer,
        session: Session,
        tokens: list[tuple[int, str, float, float | None]],
        new_token: str,
    ) -> str:
        self.app.before_page()
        snapshot = Snapshot.of(self.app.project)
        work = []
        for locale in snapshot.locales():
            docs = snapshot.po_documents(locale)
            for module in sorted({d.module for d in docs}):
                if person.translates(locale, module):
                    names = [d for d in docs if d.module == module]
                    work.append((locale, module, _url(locale, module), names))
        flash, session.flash[:] = list(session.flash), []
        return render(
            "translate.html",
            inline=False,
            who="",  # the page says who; the header's "Reviewing as" is for reviewers
            person=person,
            work=work,
            csrf=session.csrf,
            tokens=[(number, label, _day(used)) for number, label, _made, used in tokens],
            new_token=new_token,
            flash=flash,
            limit=MAX_UPLOAD_BYTES // 1024 // 1024,
        )

    async def download(self, request: Request, session: Session) -> Response:
        locale, module = self._place(request)
        self.translator(session, locale, module)
        return await run_in_threadpool(self._download, locale, module, request)

    async def api_download(self, request: Request, session: Session) -> Response:
        return await self.download(request, session)

    def _download(self, locale: str, module: str, request: Request) -> Response:
        self.app.before_page()
        project = self.app.project
        docs = [d for d in Snapshot.of(project).po_documents(locale) if d.module == module]
        wanted = request.query_params.get("doc", "")
        if wanted:
            docs = [d for d in docs if d.name == wanted]
            if not docs:
                raise PageError(404, "no_document", doc=wanted, module=module)
            text, base = download(project, locale, docs[0])
            return Response(
                text.encode("utf-8"),
                media_type="text/x-gettext-translation; charset=utf-8",
                headers=_attachment(file_name(locale, docs[0]), base),
            )
        data, base = download_zip(project, locale, docs)
        return Response(
            data,
            media_type="application/zip",
            headers=_attachment(f"{locale}-{module}.zip", base),
        )

    async def upload(self, request: Request, session: Session) -> Response:
        locale, module = self._place(request)
        person = self.translator(session, locale, module)
        try:
            files, fields = await _upload_body(request)
            if not session.csrf or fields.get("csrf") != session.csrf:
                raise PageError(403, "stale_form")
            await run_in_threadpool(self.app.before_page)  # the base may be another copy's
            prepared = await run_in_threadpool(
                prepare, self.app.project, locale, module, files, person
            )
        except UploadRefused as exc:
            raise refusal(exc) from None
        reason = blocking_reason(prepared, "-")
        upload_id = ""
        if reason is None:
            upload_id = await run_in_threadpool(
                self.app.db.keep_upload, person.id, locale, module, _pack(files)
            )
        html = render(
            "translate_preview.html",
            inline=False,
            who="",  # the page says who; the header's "Reviewing as" is for reviewers
            prepared=prepared,
            refusal=current().texts(reason[0], **reason[1]) if reason else "",
            upload=upload_id,
            po=Texts(prepared.locale),  # the language and direction of the file's text
            csrf=session.csrf,
            url=_url(locale, module),
        )
        return HTMLResponse(html, status_code=200 if upload_id else 422)

    async def confirm(self, request: Request, session: Session) -> Response:
        from equalcity.web.app import _form

        form = await _form(request)
        if not session.csrf or form.get("csrf") != session.csrf:
            raise PageError(403, "stale_form")
        person = self.translator(session)
        sha, prepared = await self._commit(person, form.get("upload", ""), form.get("comment", ""))
        t = current().texts
        session.flash.append(
            t(
                "saved_upload",
                count=len(prepared.changes),
                language=t.language(prepared.locale),
                module=prepared.module,
                commit=sha[:10],
            )
        )
        return RedirectResponse("/translate", status_code=303)

    async def _commit(self, person: Reviewer, upload: str, comment: str) -> tuple[str, Prepared]:
        kept = await run_in_threadpool(self.app.db.pending_upload, upload, person.id)
        if kept is None:
            raise PageError(404, "upload_gone")
        locale, module, packed = kept
        service = self.app.service
        assert service is not None
        sha, prepared = await run_in_threadpool(
            commit, self.app.project, locale, module, _unpack(packed), person, service, comment
        )
        await run_in_threadpool(self.app.db.drop_upload, upload)
        await run_in_threadpool(
            self.app.db.audit,
            "translations uploaded",
            roster_id=person.id,
            detail=f"{locale} {module} {len(prepared.changes)} {sha[:12]}",
        )
        await run_in_threadpool(self.app.after_decision, sha)
        return sha, prepared

    async def new_token(self, request: Request, session: Session) -> Response:
        from equalcity.web.app import _form

        form = await _form(request)
        if not session.csrf or form.get("csrf") != session.csrf:
            raise PageError(403, "stale_form")
        person = self.translator(session)
        label = " ".join(form.get("label", "").split())[:80] or "script"
        token = await run_in_threadpool(self.app.db.new_token, person.id, label)
        tokens = await run_in_threadpool(self.app.db.tokens, person.id)
        html = await run_in_threadpool(self._overview, person, session, tokens, token)
        return HTMLResponse(html)

    async def revoke_token(self, request: Request, session: Session) -> Response:
        from equalcity.web.app import _form

        form = await _form(request)
        if not session.csrf or form.get("csrf") != session.csrf:
            raise PageError(403, "stale_form")
        person = self.translator(session)
        try:
            token_id = int(form.get("token", ""))
        except ValueError:
            raise PageError(400, "which_token") from None
        if await run_in_threadpool(self.app.db.revoke_token, person.id, token_id):
            session.flash.append(current().texts("token_revoked"))
        return RedirectResponse("/translate", status_code=303)

    # -- the token API ---------------------------------------------------------------------------

    async def api_upload(self, request: Request, session: Session) -> Response:
        """Check and merge an upload; with ``?confirm=1`` commit it when nothing blocks
        (warnings need ``?comment=…``). Answers the diff and the findings as JSON."""
        locale, module = self._place(request)
        person = self.translator(session, locale, module)
        files, fields = await _upload_body(request)
        comment = request.query_params.get("comment", "") or fields.get("comment", "")
        await run_in_threadpool(self.app.before_page)
        prepared = await run_in_threadpool(prepare, self.app.project, locale, module, files, person)
        answer = prepared.as_dict()
        confirm = request.query_params.get("confirm") == "1"
        refusal = blocking(prepared, comment if confirm else "-")
        if refusal:
            return JSONResponse(answer | {"committed": False, "message": refusal}, 422)
        upload = await run_in_threadpool(
            self.app.db.keep_upload, person.id, locale, module, _pack(files)
        )
        if not confirm:
            return JSONResponse(
                answer
                | {
                    "committed": False,
                    "upload": upload,
                    "message": f"nothing saved yet: POST /api/translate/confirm/{upload} "
                    "(with a JSON comment when there are warnings) to save it",
                }
            )
        return await self._api_commit(person, upload, comment)

    async def api_confirm(self, request: Request, session: Session) -> Response:
        person = self.translator(session)
        data = await json_object(request, SLACK, 'send JSON: {"comment": "…"}')
        comment = data.get("comment", "")
        if not isinstance(comment, str):
            raise PageError(400, "comment is text")
        return await self._api_commit(person, request.path_params["upload"], comment)

    async def _api_commit(self, person: Reviewer, upload: str, comment: str) -> Response:
        try:
            sha, prepared = await self._commit(person, upload, comment)
        except EqualcityError as exc:
            return _error(exc.http_status, " ".join(str(exc).split()))
        return JSONResponse(
            prepared.as_dict() | {"committed": True, "commit": sha, "message": "saved and pushed"}
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _place(self, request: Request) -> tuple[str, str]:
        try:
            locale = Snapshot.of(self.app.project).language(request.path_params["locale"])
        except EqualcityError:
            raise PageError(404, "no_such_language") from None
        return locale, request.path_params["module"]


def refusal(exc: UploadRefused) -> PageError:
    """A refused upload said in the page's language: the file, the line and the reason (a
    refusal without a ``reason`` keeps the core's English words)."""
    t = current().texts
    reason = t(exc.reason, **exc.values) if exc.reason else exc.message
    where = {"file": exc.path or "", "line": exc.line or 0, "reason": reason}
    key = "refusal_at" if exc.line else "refusal_in"
    return PageError(400, key, **where)


def _day(stamp: float | None) -> str:
    """The day of a Unix time, ``YYYY-MM-DD`` (UTC); "" for none."""
    if stamp is None:
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat()


def _url(locale: str, module: str) -> str:
    return f"/translate/{quote(locale, safe='')}/{quote(module, safe='')}"


def _attachment(name: str, base: str) -> dict[str, str]:
    return {
        "content-disposition": f'attachment; filename="{name}"',
        "x-equalcity-base": base,
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "committed": False}, status_code=status)


async def _upload_body(request: Request) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The uploaded files and the form's text fields; a body over the limit is refused before
    it is read (``Content-Length``) or as soon as it passes the limit (streamed)."""
    too_large = PageError(413, "upload_too_big", limit=MAX_UPLOAD_BYTES // 1024 // 1024)
    try:
        length = int(request.headers.get("content-length", "0"))
    except ValueError:
        raise PageError(400, "a broken Content-Length") from None
    if length > MAX_UPLOAD_BYTES + SLACK:
        raise too_large
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    wrong = PageError(415, "send the file as a form upload, or as the request body")
    if kind != FORM and kind not in RAW:
        raise wrong
    body = await read_body(request, kind, MAX_UPLOAD_BYTES + SLACK, wrong, too_large)
    if kind != FORM:
        return unpack(request.query_params.get("name", "upload.po"), body), {}
    header = request.headers.get("content-type", "").encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + header + b"\r\n\r\n" + body)
    files: list[tuple[str, bytes]] = []
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            if data:
                files += unpack(filename.replace("/", "_").replace("\\", "_"), data)
        elif isinstance(name, str):
            fields[name] = data.decode("utf-8", "replace")
    if not files:
        raise PageError(400, "choose_file")
    return files, fields


def _pack(files: list[tuple[str, bytes]]) -> bytes:
    return json.dumps([[n, base64.b64encode(d).decode()] for n, d in files]).encode()


def _unpack(packed: bytes) -> list[tuple[str, bytes]]:
    return [(str(n), base64.b64decode(d)) for n, d in json.loads(packed)]
