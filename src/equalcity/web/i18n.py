"""The shared service's own words (the review page, the translators' and the contact verifiers'
pages, their messages) in the reader's language, through the project's PO flow.

``source/ui/review-page.md`` holds the English labels (each the paragraph after a
``<!-- ui: KEY -->`` marker, as in the release's page furniture); ``extract`` and ``update``
give every language ``locales/<lang>/ui/review-page.po``. The page takes a label's translation
when it is translated and not fuzzy — approved or not: the panel reads these words while it
reviews them, and an English page would shut out the reviewers who need them — and the English
label otherwise, or when the translation lost one of the label's ``{fields}``.

The language is the one the reader chose on the page, else the first of their roster languages
the page speaks, else the browser's ``Accept-Language``, else English. ``ENGLISH`` is what a
repository without the catalogue gets, and the list of keys the pages may use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from equalcity.content.uitext import FIELD, load_labels
from equalcity.errors import EqualcityError
from equalcity.po.locales import is_rtl
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.translation.upload import REFUSALS

CATALOGUE = Document("ui", "review-page")
SOURCE_LANGUAGE = "en"
_FIELD = FIELD  # one pattern for a label's {fields} (uitext)

ENGLISH: dict[str, str] = {
    "skip": "Skip to content",
    "tagline": "translation and review",
    "dashboard": "Dashboard",
    "account": "Your account",
    "main_menu": "Main menu",
    "reviewing_as": "Reviewing as {who}",
    "footer": "equalcity — translation and review of the training toolbox on violence against "
    "migrant women and girls.",
    "page_language": "Language of this page",
    "change": "Change",
    "signin_title": "Sign in",
    "signin_heading": "Sign in to the review panel",
    "signin_intro": "Use the passkey you created when you accepted your invitation (your phone, "
    "your computer's screen lock or a security key). No password, nothing to type.",
    "signin_button": "Sign in with a passkey",
    "signin_waiting": "Waiting for your passkey…",
    "signin_none": "No passkey yet? Ask a maintainer of the panel for an invitation link.",
    "signin_failed": "Sign-in did not work with this passkey. Try again, or ask a maintainer.",
    "too_many": "Too many attempts. Wait a minute and try again.",
    "sign_in_first": "Sign in first.",
    "browser_failed": "Your browser did not finish. Try again.",
    "welcome": "Welcome",
    "invite_heading": "Welcome to the review panel",
    "invite_intro": "This invitation is for the panel member {id}. Create a passkey to sign in "
    "from now on: your device asks for your fingerprint, face, PIN or security key. The link "
    "works once.",
    "invite_button": "Create my passkey",
    "invite_waiting": "Waiting for your device…",
    "invite_unusable": "This invitation link cannot be used: it may have expired or been used "
    "already. Ask the maintainer who sent it for a new one.",
    "invite_slow": "Creating the passkey took too long, or it was started in another window. "
    "Reload the page and try again.",
    "invite_other": "Creating the passkey was started from another invitation link. Reload the "
    "page and try again.",
    "account_intro": "You review as {id}. Passkeys registered: {count}.",
    "signout": "Sign out",
    "signout_everywhere": "Sign out on every device",
    "account_lost": "Lost a device? Sign out everywhere, then ask a maintainer to remove your "
    "passkeys and send you a new invitation.",
    "not_possible": "Not possible",
    "refused": "Refused",
    "not_found": "Not found",
    "conflict": "Conflict",
    "error": "Error",
    "back": "Back to the dashboard",
    "no_module": "There is no module {module} in this language.",
    "no_language": "There is no language {code} in the toolbox.",
    "foreign_form": "This form did not come from your review page, or it has expired. Reload the "
    "page and decide again.",
    "foreign_site": "A decision can only be sent from the review page itself.",
    "choose_decision": "Choose approve or request changes.",
    "wrong_module": "This entry belongs to another module. Reload the page and try again.",
    "form_unreadable": "The page could not read this form. Reload the page and try again.",
    "form_too_large": "This form is too large. Shorten the comment and try again.",
    "comment_needed": "A change request needs a comment: say what the translator should change.",
    "internal_error": "Something went wrong on the server. Nothing was recorded; the details are "
    "in the server's log for a maintainer.",
    "details": "Details (in English, for a maintainer)",
    "approved_entry": "Approved entry {id} of {doc}.",
    "requested_entry": "Requested changes on entry {id} of {doc}.",
    "already_recorded": "Your decision on entry {id} was already recorded; nothing was recorded "
    "twice.",
    "review_title": "Review {language} · {module}",
    "review_heading": "Review: {language} · {module}",
    "choose_pair": "Choose the language and module",
    "language": "Language",
    "module": "Module",
    "open": "Open",
    "read_only": "You ({id}) are not on the roster for this language and module: you can read, "
    "not decide.",
    "waiting_for_you": "Waiting for you: {count}",
    "state_counts": "Entries by state",
    "filters": "Filter the entries",
    "show": "Show",
    "show_pending": "Waiting for my review",
    "show_unverified": "Approvals that do not count",
    "show_changes": "Changes requested",
    "show_approved": "Approved",
    "show_all": "All entries",
    "risk_only": "High risk only",
    "changed_only": "Changed since last approval",
    "apply": "Apply",
    "shortcuts": "Keyboard shortcuts",
    "key_next": "next entry",
    "key_previous": "previous entry",
    "key_approve": "approve the current entry",
    "key_request": "request changes: write the comment",
    "key_send": "send the change request (in the comment field)",
    "key_leave": "leave the comment field",
    "key_help": "show these shortcuts",
    "shortcuts_note": "Shortcuts work when no text field has the focus. Every button can also be "
    "reached with the Tab key.",
    "entries_count": "Entries: {count}.",
    "page_of": "Page {page} of {pages}.",
    "nothing": "Nothing to show with these filters.",
    "pages": "Pages",
    "state_untranslated": "not translated",
    "state_fuzzy": "needs work",
    "state_translated": "translated",
    "state_unverified": "approval does not count",
    "state_changes_requested": "changes requested",
    "state_approved": "approved",
    "line": "line {line}",
    "in_context": "context “{context}”",
    "high_risk": "high risk",
    "changed_badge": "changed since approval",
    "source": "Source",
    "english": "English",
    "translation": "Translation",
    "plural": "plural:",
    "form_number": "form {number}:",
    "untranslated_text": "(not translated)",
    "needs_one": "needs 1 approval",
    "needs_many": "needs {count} approvals",
    "needs_one_expert": "needs 1 approval, from a subject expert",
    "needs_many_one_expert": "needs {count} approvals, one from a subject expert",
    "needs_many_experts": "needs {count} approvals, {experts} from subject experts",
    "none_yet": "{needs} — none yet",
    "so_far": "{needs} — {count} so far ({who})",
    "approved_by": "approved by {who}",
    "and": "and",
    "contacts_in_text": "Contacts in this text",
    "verified_on": "verified on {date}",
    "not_verified": "not verified yet",
    "example_contact": "an example, not a real service",
    "not_defined": "not defined for this edition",
    "glossary": "Glossary",
    "glossary_terms": "Glossary terms",
    "no_term": "(no term yet)",
    "also": "also:",
    "avoid": "avoid:",
    "term_misused": "a term to avoid is used",
    "term_used": "used",
    "term_missing": "not found in the translation",
    "changed_since": "Changed since {who} approved it on {date}",
    "changes_since_approval": "Changes since the last approval",
    "approved_text": "Approved text",
    "source_changed": "The English text changed since {who} approved the translation on {date}",
    "source_changes": "Changes to the English text since the last approval",
    "source_then": "English text that was approved",
    "approval_not_counted": "That approval did not count (it was not signed as the roster "
    "requires).",
    "no_history": "Some entries of this module were approved when their English text was "
    "different. This copy of the repository has no history (a shallow clone), so the page cannot "
    "show what changed.",
    "comments": "Comments",
    "earlier_comments": "Earlier comments",
    "by_translator": "translator",
    "kind_approve": "approved",
    "kind_request": "requested changes",
    "comment": "Comment",
    "comment_hint": "(needed to request changes; the translator sees it beside the translation)",
    "say_what": "Say what to change: the translator sees this comment.",
    "approve": "Approve",
    "request_changes": "Request changes",
    "note_not_yours": "You do not review this language and module.",
    "note_untranslated": "Nothing to approve: the entry is not translated.",
    "note_fuzzy": "The translation is marked as needing work: the translator must revise it first.",
    "note_mine": "Your approval of this exact text already counts.",
    "role_language": "language reviewer",
    "role_subject_expert": "subject expert",
    "section": "Section: {path}",
    "note_testimony": "A survivor's voice (fictional composite): keep the first person and the "
    "register.",
    "err_conflict": "Something changed meanwhile, so nothing was recorded. Reload the page and "
    "try again.",
    "err_refused": "This is not allowed, so nothing was recorded.",
    "err_input": "This could not be done, so nothing was changed.",
    # -- the translators' pages (web/translate.py) --
    "translate_title": "Your translations",
    "translate_intro": "You translate as {id}. Download the files, translate them in your PO "
    "editor (Poedit, Lokalize, OmegaT…) and upload them here: the page checks them, shows what "
    "will change, and saves your work when you confirm. Work others saved since your download "
    "is kept.",
    "no_work": "The roster lists no language and module for you yet: ask a maintainer.",
    "download": "Download:",
    "download_all": "every file of the module (zip)",
    "upload_label": "Your translated file(s): .po, or a .zip of them (at most {limit} MB)",
    "check_upload": "Check my upload",
    "tokens_heading": "Personal tokens (for scripts)",
    "tokens_intro": "A token lets a script upload as you: {command} (docs/translating.md). Keep "
    "it like a password; revoke it when a device is lost.",
    "new_token": "Your new token, shown only this once:",
    "token_used": "{label} (last used on {date})",
    "token_unused": "{label} (never used)",
    "revoke": "Revoke “{label}”",
    "token_for": "What the token is for",
    "token_example": "laptop script",
    "create_token": "Create a token",
    "token_revoked": "The token is revoked: scripts using it are refused from now.",
    "upload_title": "Check your upload",
    "upload_heading": "Your upload: {language} · {module}",
    "nothing_saved": "Nothing was saved: {reason}",
    "changed_meanwhile": "Changed by someone else since your download",
    "conflict_entry": "{doc}: “{entry}” — yours: “{yours}”, now in the repository: “{theirs}”",
    "to_fix": "To fix before saving",
    "second_look": "Worth a second look",
    "problem_at": "{file}, line {line}:",
    "what_changes": "What changes ({count})",
    "document": "Document",
    "before": "Before",
    "after": "After",
    "empty": "(empty)",
    "no_changes": "No translation changes.",
    "why_right": "Why the translation is right despite the warnings",
    "save_upload": "Save these translations",
    "back_translations": "Back to your translations",
    "saved_upload": "Saved: {count} translation(s) of {language} · {module} are in the "
    "repository (commit {commit}).",
    "refusal_at": "{file}, line {line}: {reason}",
    "refusal_in": "{file}: {reason}",
    "not_a_translator": "only translators may download and upload PO files (workflows/panel.toml "
    "gives people the translator role)",
    "not_your_language": "{id} does not translate {locale} for module {module} "
    "(workflows/panel.toml lists their languages and modules)",
    "no_such_language": "There is no such language in the toolbox.",
    "no_document": "There is no document {doc} in module {module}.",
    "stale_form": "this form did not come from your page; reload and try again",
    "upload_gone": "this upload is no longer waiting (confirmed, or an hour old)",
    "upload_too_big": "the upload is larger than {limit} MB; a module's PO files are well under "
    "1 MB",
    "choose_file": "choose the PO file (or a zip of them) to upload",
    "which_token": "Which token? Reload the page and try again.",
    # -- the contact verifiers' page (web/verify.py) --
    "verify_title": "Contact checks",
    "verify_heading": "Contact checks: {edition}",
    "verify_intro": "You check contacts as {id}. Choose an edition:",
    "no_editions": "The roster lists no country of an edition for you yet: ask a maintainer.",
    "verify_how": "Call, write or read the official page of each service, then record what you "
    "could confirm. The release needs a recorded check no older than {days} days for every "
    "contact the text uses.",
    "last_check": "Last check: {check}",
    "never_checked": "never checked",
    "dated_by_hand": "dated {date}, no recorded check",
    "checked_by": "checked {date} by {who} ({how}: {what})",
    "not_said": "not said",
    "does_not_count": "does not count:",
    "counts": "counts for the release",
    "example_note": "An example, not a real service: a maintainer replaces it with the real "
    "service before anyone checks it.",
    "what_confirmed": "What did you confirm?",
    "how_confirmed": "How?",
    "confirmed_number": "number",
    "confirmed_hours": "hours",
    "confirmed_languages": "languages",
    "confirmed_remit": "remit",
    "confirmed_address": "address",
    "method_phone_call": "phone call",
    "method_e_mail_reply": "e-mail reply",
    "method_official_web_page": "official web page",
    "page_address": "Address of the official web page (for that method)",
    "record_check": "Record my check of {contact}",
    "other_editions": "Other editions",
    "recorded": "Recorded: you checked {contact} ({how}: {what}).",
    "not_a_verifier": "only contact verifiers may record contact checks (workflows/panel.toml "
    "gives people the contact-verifier role and their countries)",
    "not_your_country": "{id} does not verify contacts for {country} (workflows/panel.toml lists "
    "their countries)",
    "no_edition": "There is no edition {edition}.",
    "send_contacts_form": "Send the form of the contacts page.",
    "contacts_form_too_large": "This form is too large. Reload the page and try again.",
    # why an upload is refused (translation/upload.py says it in English to scripts)
    **REFUSALS,
}


def choice(prefix: str, value: str) -> str:
    """The label key of one of a form's fixed English values (a method, a confirmed fact).

    >>> choice("method", "e-mail reply")
    'method_e_mail_reply'
    """
    return prefix + "_" + "".join(c if c.isalnum() else "_" for c in value)


def fields(text: str) -> list[str]:
    """The ``{fields}`` a label has, sorted.

    >>> fields("{needs} — {count} so far ({who})")
    ['count', 'needs', 'who']
    """
    return sorted(_FIELD.findall(text))


@dataclass(frozen=True)
class Texts:
    """The labels of one page language; ``texts(key, **values)`` fills a label's fields."""

    code: str  # the gettext name of the language (``en``, ``pt_BR``)
    labels: Mapping[str, str] = field(default_factory=lambda: dict(ENGLISH))

    def __call__(self, key: str, **values: object) -> str:
        label = self.labels[key]  # an unknown key is a bug of the page: fail loudly
        if self.dir == "rtl":
            # Each value in its own direction (Unicode's first-strong isolate): an id such as
            # "01-test" inside Arabic would otherwise be shown as "test-01".
            return _FIELD.sub(lambda m: f"\u2068{values[m.group(1)]}\u2069", label)
        return _FIELD.sub(lambda m: str(values[m.group(1)]), label)

    @property
    def lang(self) -> str:
        """The BCP 47 tag for ``lang`` attributes."""
        return self.code.replace("_", "-").split("@")[0]

    @property
    def dir(self) -> str:
        return "rtl" if is_rtl(self.code) else "ltr"

    def language(self, code: str) -> str:
        """A language's name in the page's language (Unicode CLDR's names, through Babel).

        >>> Texts("fr").language("ar"), Texts("en").language("pt_BR")
        ('arabe', 'Portuguese (Brazil)')
        """
        try:
            return str(Locale.parse(code.split("@")[0]).get_display_name(self.code))
        except (ValueError, UnknownLocaleError):
            return code

    def endonym(self, code: str) -> str:
        """A language's name in that language (for the language menu).

        >>> Texts("en").endonym("de")
        'Deutsch'
        """
        return Texts(code).language(code)

    def around(self, key: str, name: str) -> tuple[str, str]:
        """A label's text before and after its field ``name`` (the page marks the value up).

        >>> Texts("en").around("reviewing_as", "who")
        ('Reviewing as ', '')
        """
        before, _, after = self.labels[key].partition("{" + name + "}")
        return before, after

    def pieces(self, key: str) -> list[tuple[str, str]]:
        """A label cut before each of its fields: (text, field name) pairs, the last name ""
        — for a page that marks several values up (in their own language and direction).

        >>> Texts("en").pieces("upload_heading")
        [('Your upload: ', 'language'), (' · ', 'module'), ('', '')]
        """
        parts = _FIELD.split(self.labels[key])
        return list(zip(parts[0::2], [*parts[1::2], ""], strict=True))

    def join(self, names: Iterable[str]) -> str:
        """``a``, ``a and b``, ``a, b and c`` with the page's word for "and"."""
        items = list(names)
        if len(items) < 2:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self('and')} " + items[-1]


ENGLISH_TEXTS = Texts(SOURCE_LANGUAGE)


def choose(
    chosen: str, roster: Iterable[str], accept_language: str, available: Iterable[str]
) -> str:
    """The page's language: the reader's choice, else the first roster language the page
    speaks, else the browser's preference (``Accept-Language``), else English.

    >>> choose("", ("pt_BR", "fr"), "de-DE,de;q=0.9", ["en", "fr", "de", "pt"])
    'pt'
    >>> choose("", (), "ar;q=0.5, de-AT", ["en", "ar", "de"])
    'de'
    >>> choose("ar", ("fr",), "", ["en", "fr", "ar"]), choose("xx", (), "", ["en"])
    ('ar', 'en')
    """
    known = list(available)

    def match(code: str) -> str | None:
        code = code.strip().replace("-", "_")
        lowered = {k.casefold(): k for k in known}
        for candidate in (code, code.split("@")[0].split("_")[0]):
            if candidate.casefold() in lowered:
                return lowered[candidate.casefold()]
        return None

    if chosen and chosen in known:
        return chosen
    for code in roster:
        found = match(code)
        if found:
            return found
    for code in _preferred(accept_language):
        found = match(code)
        if found:
            return found
    return SOURCE_LANGUAGE


def _preferred(header: str) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (``*`` left out)."""
    ranked: list[tuple[float, int, str]] = []
    for number, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, number, tag))
    return [tag for _q, _n, tag in sorted(ranked)]


@dataclass
class Catalogues:
    """The page languages of one content repository, read again when their files change."""

    project: Project
    _cache: dict[str, tuple[tuple[object, ...], Texts]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def available(self) -> list[str]:
        """English and every language with a translated catalogue."""
        folder = self.project.root / "locales"
        found = sorted(
            p.parent.parent.name for p in folder.glob(f"*/{CATALOGUE.module}/{CATALOGUE.name}.po")
        )
        return [SOURCE_LANGUAGE, *[c for c in found if c != SOURCE_LANGUAGE]]

    def texts(self, code: str) -> Texts:
        source = self.project.source_path(CATALOGUE)
        po = self.project.root / "locales" / code / CATALOGUE.module / f"{CATALOGUE.name}.po"
        signature = tuple(_stamp(p) for p in (source, po))
        with self._lock:
            hit = self._cache.get(code)
        if hit is not None and hit[0] == signature:
            return hit[1]
        texts = Texts(code, self._labels(code, source, po))
        with self._lock:
            self._cache[code] = (signature, texts)
        return texts

    def _labels(self, code: str, source: Path, po: Path) -> dict[str, str]:
        """The page's labels in ``code``: translated and not fuzzy (the panel reviews the page
        on the page itself), English where there is none or where a translation lost a field
        (the 'ui-field' check reports it)."""
        snapshot = Snapshot.of(self.project)
        try:
            return dict(load_labels(snapshot, CATALOGUE, ENGLISH, code, unapproved=True).text)
        except EqualcityError:
            # 'equalcity check' names the broken line; the page stays usable in English
            return dict(
                load_labels(snapshot, CATALOGUE, ENGLISH, SOURCE_LANGUAGE, unapproved=True).text
            )


def _stamp(path: Path) -> tuple[object, ...]:
    try:
        info = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), info.st_size, info.st_mtime_ns)


@dataclass(frozen=True)
class PageLanguage:
    """The language of the page being answered and what its language menu offers."""

    texts: Texts = ENGLISH_TEXTS
    offered: tuple[str, ...] = ()  # the languages the menu lists (none: no menu)
    here: str = "/"  # the page to come back to after a choice


# Set by the app's request wrappers, read by ``templating.render`` (Starlette's thread pool
# carries context variables into its threads), so no handler passes the language around.
CURRENT: ContextVar[PageLanguage] = ContextVar("equalcity_page_language")
_ENGLISH_PAGE = PageLanguage()


def current() -> PageLanguage:
    """The language of the page being answered (English outside a request)."""
    return CURRENT.get(_ENGLISH_PAGE)
