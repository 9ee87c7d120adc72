"""The contact verifiers' pages of the shared service: an edition's contacts with their last
check, and a form to record a new one (``verification.record``: one commit signed by the
service with a ``Verifier:`` trailer, pushed).

Only the roster's contact verifiers, for the countries it gives them, may record (403
otherwise); the form says what was confirmed and how, never who: that is the signed-in person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from equalcity.errors import EqualcityError
from equalcity.release.contacts import CONFIRMABLE, METHODS, Contact
from equalcity.release.editions import Edition, load_release
from equalcity.release.verification import ROLE, Check, record, trusted
from equalcity.repository.snapshot import Snapshot
from equalcity.review.panel import Reviewer
from equalcity.web.app import MAX_FORM_BYTES, PageError, read_body
from equalcity.web.i18n import Texts, choice, current
from equalcity.web.security import Session
from equalcity.web.templating import render

if TYPE_CHECKING:
    from equalcity.web.team import TeamApp


def routes(app: TeamApp) -> list[Route]:
    pages = Verifying(app)
    signed_in = app._guard
    return [
        Route("/verify", signed_in(pages.overview), methods=["GET"]),
        Route("/verify/{edition}", signed_in(pages.edition), methods=["GET"]),
        Route("/verify/{edition}/{contact}", signed_in(pages.record), methods=["POST"]),
    ]


def may_verify(person: Reviewer, edition: Edition) -> bool:
    """Whether ``person`` may record checks for ``edition``'s contacts (an edition without a
    country: any contact verifier)."""
    return person.role == ROLE and (not edition.country or person.verifies(edition.country))


class Verifying:
    def __init__(self, app: TeamApp) -> None:
        self.app = app

    def verifier(self, session: Session) -> Reviewer:
        person = session.reviewer
        if person is None or person.role != ROLE:
            raise PageError(403, "not_a_verifier")
        return person

    def _edition(self, person: Reviewer, edition_id: str) -> Edition:
        try:
            edition = load_release(self.app.project).edition(edition_id)
        except EqualcityError:
            raise PageError(404, "no_edition", edition=edition_id) from None
        if not may_verify(person, edition):
            raise PageError(403, "not_your_country", id=person.id, country=edition.country)
        return edition

    async def overview(self, request: Request, session: Session) -> Response:
        person = self.verifier(session)
        editions = [e for e in load_release(self.app.project).editions if may_verify(person, e)]
        return HTMLResponse(_page(person, session, editions=editions, edition=None, rows=[]))

    async def edition(self, request: Request, session: Session) -> Response:
        person = self.verifier(session)
        edition = self._edition(person, request.path_params["edition"])
        html = await run_in_threadpool(self._edition_page, person, edition, session)
        return HTMLResponse(html)

    def _edition_page(self, person: Reviewer, edition: Edition, session: Session) -> str:
        self.app.before_page()
        judged = trusted(Snapshot.of(self.app.project), edition, dt.date.today())
        rows = [
            (contact, last_check(current().texts, contact), problem)
            for _id, (contact, problem) in sorted(judged.items())
        ]
        url = f"/verify/{quote(edition.id, safe='')}"
        return _page(person, session, editions=[], edition=edition, rows=rows, url=url)

    async def record(self, request: Request, session: Session) -> Response:
        body = await read_body(
            request,
            "application/x-www-form-urlencoded",
            MAX_FORM_BYTES,
            PageError(400, "send_contacts_form"),
            PageError(400, "contacts_form_too_large"),
        )
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if not session.csrf or form.get("csrf", [""])[-1] != session.csrf:
            raise PageError(403, "stale_form")
        person = self.verifier(session)
        edition = self._edition(person, request.path_params["edition"])
        contact_id = request.path_params["contact"]
        check = Check(
            tuple(form.get("what", [])),
            form.get("method", [""])[-1],
            form.get("url", [""])[-1].strip(),
        )
        service = self.app.service
        assert service is not None
        sha = await run_in_threadpool(
            record, self.app.project, edition, contact_id, person, check, service
        )
        await run_in_threadpool(
            self.app.db.audit,
            "contact checked",
            roster_id=person.id,
            detail=f"{edition.id} {contact_id} {sha[:12]}",
        )
        await run_in_threadpool(self.app.after_decision, sha)
        t = current().texts
        session.flash.append(
            t(
                "recorded",
                contact=contact_id,
                how=_how(t, check.method),
                what=_what(t, check.what),
            )
        )
        return RedirectResponse(f"/verify/{quote(edition.id, safe='')}", status_code=303)


def _page(person: Reviewer, session: Session, **values: object) -> str:
    """The verifiers' page: the list of editions, or one edition's contacts (``values``)."""
    return render(
        "verify.html",
        inline=False,
        who="",  # the page says who; the header's "Reviewing as" is for reviewers
        person=person,
        csrf=session.csrf,
        flash=_take(session),
        methods=METHODS,
        confirmable=CONFIRMABLE,
        choice=choice,
        texts_of=Texts,
        **values,
    )


def last_check(t: Texts, contact: Contact) -> str:
    """The contact's recorded check in the page's words (``verification.describe`` says it in
    English for the release notes and the gate)."""
    if contact.verified is None:
        return t("never_checked")
    date = contact.verified.isoformat()
    if not contact.verified_by:
        return t("dated_by_hand", date=date)
    how = _how(t, contact.verified_method) or t("not_said")
    if contact.verified_url:
        how += f" {contact.verified_url}"
    what = _what(t, contact.verified_what) or t("not_said")
    return t("checked_by", date=date, who=contact.verified_by, how=how, what=what)


def _how(t: Texts, method: str) -> str:
    """How a check was made in the page's words (an unknown method as written)."""
    return t(choice("method", method)) if method in METHODS else method


def _what(t: Texts, items: Iterable[str]) -> str:
    """What a check confirmed, each item in the page's words (an unknown one as written)."""
    return ", ".join(t(choice("confirmed", x)) if x in CONFIRMABLE else x for x in items)


def _take(session: Session) -> list[str]:
    flash = list(session.flash)
    session.flash[:] = []
    return flash
