"""Questionnaire routes: invitation tokens (/t), receipt tokens (/r), open links (/u)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from instruments import (
    AnswersError,
    AnswerValue,
    Instrument,
    check_answers,
    choice_values,
    relevant_codes,
)
from survey_service.config import Settings
from survey_service.db.session import DbSession
from survey_service.features.questionnaire.entry import (
    Entry,
    EntryLoader,
    invitation_entry,
    open_entry,
    receipt_entry,
)
from survey_service.features.questionnaire.flow import next_page, page_codes, previous_page
from survey_service.features.questionnaire.intake import Submission
from survey_service.features.questionnaire.pages import (
    message_page,
    problem_messages,
    questionnaire_page,
)
from survey_service.features.questionnaire.store import load_draft, save_draft
from survey_service.features.questionnaire.writer import submit_checked
from survey_service.i18n import choose_language
from survey_service.security import keyed_hash, new_token, sign, unsign

__all__ = ["InvitationPages", "OpenLinkPages", "ReceiptPages", "thanks"]

DEVICE_COOKIE = "sv_device"
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_PAGE = re.compile(r"[0-9]{1,4}")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _Form:
    """The posted form split into control fields and answers."""

    def __init__(self, form: Any, pages: int) -> None:
        self.language = choose_language(form.get("_lang"))
        key = form.get("_key")
        self.key = key if isinstance(key, str) and _KEY.fullmatch(key) else None
        self.action: str = form.get("_action") or "next"
        page = str(form.get("_page") or "0")
        self.page = min(max(int(page), 0), pages - 1) if _PAGE.fullmatch(page) else 0
        self.started: str | None = t if isinstance(t := form.get("_t"), str) else None
        # NUL is never typed by a person and PostgreSQL refuses it in text: drop it here.
        self.raw: dict[str, list[str]] = {
            k.replace("\x00", ""): [
                v.replace("\x00", "") for v in form.getall(k) if isinstance(v, str)
            ]
            for k in form
            if not k.startswith("_")
        }


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def _device(request: Request[Any, Any, State], settings: Settings) -> tuple[str, Cookie | None]:
    device = unsign(settings.secret_key, "device", request.cookies.get(DEVICE_COOKIE))
    if device is not None:
        return device, None
    device = new_token()
    cookie = Cookie(
        key=DEVICE_COOKIE,
        value=sign(settings.secret_key, "device", device),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        path="/u",
    )
    return device, cookie


def _seconds_taken(
    settings: Settings, started: str | None
) -> tuple[float | None, dt.datetime | None]:
    value = unsign(settings.secret_key, "started", started)
    if value is None or not value.isdigit():
        return None, None
    start = dt.datetime.fromtimestamp(int(value), dt.UTC)
    return (dt.datetime.now(dt.UTC) - start).total_seconds(), start


async def _show(
    request: Request[Any, Any, State], session: AsyncSession, entry: Entry, lang: str | None
) -> Template:
    settings = _settings(request.app.state)
    values: dict[str, list[str]] = {}
    page, language = 0, choose_language(lang)
    if entry.token_hash is not None:
        draft = await load_draft(session, entry.token_hash)
        if draft is not None:
            values, page = draft.answers, draft.page
            language = choose_language(lang or draft.language)
    cookies = []
    if entry.token_hash is None:
        _, cookie = _device(request, settings)
        cookies = [cookie] if cookie else []
    return questionnaire_page(
        settings, entry, page, language, values, key=secrets.token_urlsafe(18), cookies=cookies
    )


def _submission(
    request: Request[Any, Any, State], entry: Entry, form: _Form, answers: list[AnswerValue]
) -> Submission:
    settings = _settings(request.app.state)
    seconds, started = _seconds_taken(settings, form.started)
    if entry.token_hash is not None:  # a token answers once: no rate limit, no burst
        return Submission(
            entry=entry,
            answers=answers,
            language=form.language,
            key=form.key,
            started_at=started,
            seconds_taken=seconds,
            seconds_per_answer=1.0,
        )
    host = request.client.host if request.client else ""
    device, _ = _device(request, settings)
    return Submission(
        entry=entry,
        answers=answers,
        language=form.language,
        key=form.key,
        started_at=started,
        seconds_taken=seconds,
        seconds_per_answer=settings.speeding_seconds_per_answer,
        burst_threshold=settings.burst_threshold,
        client_hash=keyed_hash(settings.secret_key, "client", host),
        device_hash=keyed_hash(settings.secret_key, "device", device),
    )


def _refused(settings: Settings, entry: Entry, form: _Form, exc: AnswersError) -> Template:
    """The posted page again, saying what is wrong with its answers (422)."""
    return questionnaire_page(
        settings,
        entry,
        form.page,
        form.language,
        form.raw,
        errors=problem_messages(exc.problems, form.language),
        key=form.key,
        started=form.started,
        status_code=422,
    )


_REFUSALS = {
    "rate_limited": ("rate_limited_title", "rate_limited", 429),
    "device_used": ("token_used_title", "device_used", 409),
    "already_answered": ("token_used_title", "token_used", 409),
}


async def _finish(
    request: Request[Any, Any, State], session: AsyncSession, entry: Entry, form: _Form
) -> Template | Redirect:
    settings = _settings(request.app.state)
    try:
        answers = check_answers(entry.survey.instrument, form.raw)
    except AnswersError as exc:
        return _refused(settings, entry, form, exc)
    # A repeated submit (double tap, reload) finds its key stored and changes nothing.
    outcome = await submit_checked(
        request.app.state, session, _submission(request, entry, form, answers)
    )
    if isinstance(outcome, str):
        title, body, status = _REFUSALS[outcome]
        name = entry.unit.name if status == 409 else None
        return message_page(form.language, title, body, status, name)
    return Redirect(path=f"/thanks?u={entry.unit.code}&lang={form.language}", status_code=303)


def _answerable(instrument: Instrument) -> set[str]:
    return {i.code for i in instrument.items()} | {q.code for q in instrument.questions}


async def _submit(
    request: Request[Any, Any, State], session: AsyncSession, entry: Entry
) -> Template | Redirect:
    settings = _settings(request.app.state)
    if request.content_type[0] not in _FORM_TYPES:
        return message_page("vi", "wrong_content_type_title", "wrong_content_type", 415)
    instrument = entry.survey.instrument
    form = _Form(await request.form(), len(instrument.page_blocks()))
    known = choice_values(form.raw)
    if form.action == "back":
        page = previous_page(instrument, form.page, known)
        return questionnaire_page(
            settings, entry, page, form.language, form.raw, key=form.key, started=form.started
        )
    if form.action == "save" and entry.token_hash is not None:
        draft = {k: v for k, v in form.raw.items() if k in _answerable(instrument)}
        await save_draft(session, entry.token_hash, draft, form.page, form.language)
        return message_page(form.language, "saved_title", "saved_body", 200, entry.unit.name)
    try:
        check_answers(instrument, form.raw, page_codes(instrument, form.page))
    except AnswersError as exc:
        return _refused(settings, entry, form, exc)
    # Answers from pages that no longer apply (the respondent went back and changed a
    # gating answer) travel as hidden fields: drop them, or the last page refuses them.
    applying = relevant_codes(instrument, known) | set(page_codes(instrument, form.page))
    form.raw = {
        k: v for k, v in form.raw.items() if k in applying or k not in _answerable(instrument)
    }
    known = choice_values(form.raw)
    following = next_page(instrument, form.page, known)
    if following is None or form.action == "submit":
        return await _finish(request, session, entry, form)
    if entry.token_hash is not None:
        await save_draft(session, entry.token_hash, form.raw, following, form.language)
    return questionnaire_page(
        settings, entry, following, form.language, form.raw, key=form.key, started=form.started
    )


def _page_handlers(param: str, load: EntryLoader) -> tuple[HTTPRouteHandler, HTTPRouteHandler]:
    """The show and submit handlers of a link whose path parameter ``param`` ``load`` reads."""

    @get("/")
    async def show(
        self: Controller,
        request: Request[Any, Any, State],
        db_session: DbSession,
        lang: FromQuery[str | None] = None,
    ) -> Template:
        """Show the questionnaire (resuming a saved draft of a token link)."""
        entry = await load(db_session, request.path_params[param])
        return await _show(request, db_session, entry, lang)

    @post("/", status_code=200)
    async def submit(
        self: Controller, request: Request[Any, Any, State], db_session: DbSession
    ) -> Template | Redirect:
        """Go to the next page, save (token links), or submit."""
        entry = await load(db_session, request.path_params[param])
        return await _submit(request, db_session, entry)

    return show, submit


class InvitationPages(Controller):
    """Single-use invitation links of sampled dossiers."""

    path = "/t/{token:str}"
    include_in_schema = False
    show, submit = _page_handlers("token", invitation_entry)


class ReceiptPages(Controller):
    """Links printed as QR codes on result receipts."""

    path = "/r/{token:str}"
    include_in_schema = False
    show, submit = _page_handlers("token", receipt_entry)


class OpenLinkPages(Controller):
    """A unit's or reception point's open link (QR poster)."""

    path = "/u/{unit_code:str}"
    include_in_schema = False
    show, submit = _page_handlers("unit_code", open_entry)


@get("/thanks", include_in_schema=False)
async def thanks(
    db_session: DbSession, u: FromQuery[str | None] = None, lang: FromQuery[str | None] = None
) -> Template:
    """Thank the respondent, naming the unit they rated."""
    from sqlalchemy import select

    from survey_service.db.models import Unit

    name = await db_session.scalar(select(Unit.name).where(Unit.code == (u or "")))
    return message_page(choose_language(lang), "thanks_title", "thanks_body", 200, name)
