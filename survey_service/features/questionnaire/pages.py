"""Rendering questionnaire pages and the pages around them (thanks, errors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from litestar.datastructures import Cookie
from litestar.response import Template

from instruments import FieldProblem, choice_values
from survey_service.config import Settings
from survey_service.features.questionnaire.entry import Entry
from survey_service.features.questionnaire.flow import page_codes, page_view
from survey_service.i18n import translate
from survey_service.security import sign

__all__ = ["message_page", "problem_messages", "questionnaire_page"]

_PROBLEM_KEYS = {
    "required": "error_required",
    "choice": "error_choice",
    "malformed": "error_choice",
    "too_long": "error_too_long",
    "unknown": "error_unknown",
    "not_relevant": "error_not_relevant",
    "too_many": "error_too_many",
}


def problem_messages(problems: Sequence[FieldProblem], language: str) -> dict[str, str]:
    """Field → message in the respondent's language."""
    return {p.field: translate(_PROBLEM_KEYS[p.code], language) for p in problems}


def _started(settings: Settings, started_at: dt.datetime | None) -> str:
    moment = started_at or dt.datetime.now(dt.UTC)
    return sign(settings.secret_key, "started", str(int(moment.timestamp())))


def questionnaire_page(
    settings: Settings,
    entry: Entry,
    page: int,
    language: str,
    values: Mapping[str, Sequence[str]],
    *,
    errors: Mapping[str, str] | None = None,
    key: str | None = None,
    started: str | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    """Render page ``page`` of the entry's questionnaire with the answers so far."""
    instrument = entry.survey.instrument
    view = page_view(instrument, page, choice_values(values))
    here = set(page_codes(instrument, page))
    hidden = [(code, v) for code, vs in values.items() if code not in here for v in vs]
    context: dict[str, Any] = {
        "entry": entry,
        "unit": entry.unit,
        "instrument": instrument,
        "view": view,
        "lang": language,
        "values": values,
        "errors": errors or {},
        "hidden": hidden,
        "submission_key": key,
        "started": started or _started(settings, None),
    }
    return Template(
        template_name="questionnaire.html",
        context=context,
        status_code=status_code,
        cookies=cookies or [],
    )


def message_page(
    language: str, title_key: str, body_key: str, status_code: int, unit_name: str | None = None
) -> Template:
    """A short page saying what happened and what to do (errors, thanks, saved)."""
    return Template(
        template_name="message.html",
        context={
            "lang": language,
            "title": translate(title_key, language),
            "body": translate(body_key, language),
            "unit_name": unit_name,
        },
        status_code=status_code,
    )
