"""Rows of the demo surveys: designs, strata, members, fieldwork, responses and truth.

Ids are counted here, table by table across both surveys, so rows can refer to one
another before anything reaches the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import msgspec
import numpy as np
from numpy.typing import NDArray

from survey_service import __version__
from survey_service.db.enums import UnitKind
from survey_service.demo.city import DemoCity
from survey_service.demo.fieldwork import COMMENTS, OUTCOMES, SAMPLE_PER_UNIT, SurveyDraw
from survey_service.demo.rows import Row, Table, json_text, stamps

__all__ = ["Instrumentation", "design_spec", "survey_tables", "token_hashes"]

MODES = ["invitation", "open_link"]
DESIGN_NAME = "Mẫu phân tầng theo đơn vị"
TOKEN_LIFETIME = np.timedelta64(30 * 86400, "s")
LIBRARY_VERSION = f"survey-service {__version__}"
SURVEY_TABLES = ("surveys", "survey_units", "simulation_truths", "sample_designs")


class Instrumentation(msgspec.Struct, frozen=True, kw_only=True):
    """The registered instrument version the surveys use."""

    version_id: int
    content_hash: str


class _Ids(msgspec.Struct, kw_only=True):
    """Next free id per table, advanced as surveys are rendered."""

    stratum: int = 1
    member: int = 1
    invitation: int = 1
    event: int = 1
    response: int = 1
    answer: int = 1


def design_spec(draw: SurveyDraw) -> dict[str, object]:
    """Return the stored description of a survey's sample design."""
    spec = draw.spec
    return {
        "type": "stratified_srs",
        "population": {
            "frame": "completed dossiers",
            "result_on": [spec.start.isoformat(), spec.end.isoformat()],
            "units": "every unit with completed dossiers in the period",
            "eligibility": ["phone or e-mail on file", "applicant has not opted out"],
        },
        "strata": ["unit"],
        "allocation": {
            "method": "fixed",
            "n_per_stratum": SAMPLE_PER_UNIT,
            "rule": f"n_h = min(N_h, {SAMPLE_PER_UNIT})",
        },
        "selection": "simple random sampling without replacement within each stratum",
        "reserve": 0,
        "simulated": True,
    }


def token_hashes(token: NDArray[np.uint8]) -> list[str]:
    """Return SHA-256 hex of each token as sent (URL-safe base64 of its bytes)."""
    return [
        hashlib.sha256(base64.urlsafe_b64encode(raw.tobytes()).rstrip(b"=")).hexdigest()
        for raw in token
    ]


def _stamp(moment: np.datetime64, suffix: str) -> str | None:
    return stamps(np.array([moment], dtype="datetime64[s]"), suffix)[0]


def _survey_row(sid: int, draw: SurveyDraw, iv: Instrumentation, created: str | None) -> Row:
    spec = draw.spec
    period = (spec.start.isoformat(), spec.end.isoformat())
    return (sid, spec.code, spec.title, iv.version_id, *period, json_text(MODES),
            spec.status.value, created)  # fmt: skip


def _survey_rows(city: DemoCity, iv: Instrumentation, suffix: str) -> dict[str, list[Row]]:
    tables: dict[str, list[Row]] = {name: [] for name in SURVEY_TABLES}
    for q, draw in enumerate(city.draws):
        sid, units = q + 1, draw.unit_ids.tolist()
        created = _stamp(np.datetime64(draw.spec.start - dt.timedelta(days=14)), suffix)
        tables["surveys"].append(_survey_row(sid, draw, iv, created))
        tables["survey_units"] += [(sid, u) for u in units]
        tables["simulation_truths"] += [
            (sid, u, item, float(city.truth[q, u - 1, i]))
            for u in units
            for i, item in enumerate(city.items)
        ]
        spec = json_text(design_spec(draw))
        tables["sample_designs"].append(
            (sid, sid, DESIGN_NAME, 1, spec, city.seed, LIBRARY_VERSION, created,
             _stamp(draw.drawn_at, suffix))
        )  # fmt: skip
    return tables


def _strata_rows(city: DemoCity, q: int, ids: _Ids) -> list[Row]:
    draw = city.draws[q]
    codes = [u.code for u in city.units]
    rows = [
        (ids.stratum + k, q + 1, f"unit={codes[u - 1]}", u, None, None, n_pop, n_sample)
        for k, (u, n_pop, n_sample) in enumerate(
            zip(
                draw.strata_unit.tolist(),
                draw.population.tolist(),
                draw.sample_size.tolist(),
                strict=True,
            )
        )
    ]
    return rows


def _member_rows(city: DemoCity, q: int, ids: _Ids, suffix: str) -> list[Row]:
    draw, members = city.draws[q], city.draws[q].members
    n = len(members.dossier)
    unit = city.frame.unit_id[members.dossier]
    population = draw.population[members.stratum].astype(np.float64)
    sample_size = draw.sample_size[members.stratum].astype(np.float64)
    return list(
        zip(
            range(ids.member, ids.member + n),
            [q + 1] * n,
            (members.stratum + ids.stratum).tolist(),
            (members.dossier + 1).tolist(),
            unit.tolist(),
            (sample_size / population).tolist(),
            (population / sample_size).tolist(),
            [False] * n,
            token_hashes(members.token),
            stamps(members.sent_at + TOKEN_LIFETIME, suffix),
            strict=True,
        )
    )


def _contact_rows(city: DemoCity, q: int, ids: _Ids, suffix: str) -> tuple[list[Row], list[Row]]:
    """Return invitations (first contact and reminders) and fieldwork events."""
    members = city.draws[q].members
    member_id = np.arange(ids.member, ids.member + len(members.dossier))
    channel = np.where(members.email, "email", "sms").tolist()
    contacts = list(
        zip(
            member_id.tolist(),
            channel,
            stamps(members.sent_at, suffix),
            [0] * len(channel),
            strict=True,
        )
    )
    reminded = np.flatnonzero(~np.isnat(members.reminded_at))
    contacts += zip(
        member_id[reminded].tolist(),
        [channel[k] for k in reminded.tolist()],
        stamps(members.reminded_at[reminded], suffix),
        [1] * len(reminded),
        strict=True,
    )
    invitations = [(ids.invitation + k, *row) for k, row in enumerate(contacts)]
    events = [
        (m, "invited", t)
        for m, t in zip(member_id.tolist(), stamps(members.sent_at, suffix), strict=True)
    ]
    final = np.flatnonzero(members.outcome > 0)
    labels = np.array(OUTCOMES, dtype=object)[members.outcome[final]].tolist()
    events += zip(
        member_id[final].tolist(), labels, stamps(members.outcome_at[final], suffix), strict=True
    )
    events_rows = [(ids.event + k, m, o, t, "demo", None) for k, (m, o, t) in enumerate(events)]
    return invitations, events_rows


def _response_rows(
    city: DemoCity, q: int, ids: _Ids, iv: Instrumentation, suffix: str
) -> list[Row]:
    responses = city.draws[q].responses
    n = len(responses.member)
    invited = responses.member >= 0
    member_id = np.where(invited, responses.member + ids.member, -1)
    is_point = np.array([u.kind is UnitKind.RECEPTION_POINT for u in city.units])
    point = is_point[responses.unit_id - 1]
    unit_id = responses.unit_id.tolist()
    return list(
        zip(
            range(ids.response, ids.response + n),
            [q + 1] * n,
            [iv.version_id] * n,
            [iv.content_hash] * n,
            unit_id,
            [u if p else None for u, p in zip(unit_id, point.tolist(), strict=True)],
            [m if m > 0 else None for m in member_id.tolist()],
            np.where(invited, "invitation", "open_link").tolist(),
            invited.tolist(),
            np.where(responses.english, "en", "vi").tolist(),
            [True] * n,
            stamps(responses.started_at, suffix),
            stamps(responses.submitted_at, suffix),
            [None] * n,
            [None] * n,
            [None] * n,
            ["[]"] * n,
            strict=True,
        )
    )


def _answer_rows(city: DemoCity, q: int, ids: _Ids) -> list[Row]:
    responses = city.draws[q].responses
    n, n_items = responses.value.shape
    response_id = np.arange(ids.response, ids.response + n)
    rows: list[Row] = list(
        zip(
            np.repeat(response_id, n_items).tolist(),
            city.items * n,
            responses.value.ravel().tolist(),
            [None] * (n * n_items),
            responses.satisfied.ravel().tolist(),
            strict=True,
        )
    )
    commented = np.flatnonzero(responses.comment >= 0)
    rows += [
        (r, "comment", None, COMMENTS[c], None)
        for r, c in zip(
            response_id[commented].tolist(), responses.comment[commented].tolist(), strict=True
        )
    ]
    return [(ids.answer + k, *row) for k, row in enumerate(rows)]


def _fieldwork_rows(city: DemoCity, iv: Instrumentation, suffix: str) -> dict[str, list[Row]]:
    tables: dict[str, list[Row]] = {name: [] for name in FIELDWORK_TABLES}
    ids = _Ids()
    for q in range(len(city.draws)):
        parts = {
            "strata": _strata_rows(city, q, ids),
            "sample_members": _member_rows(city, q, ids, suffix),
            "responses": _response_rows(city, q, ids, iv, suffix),
            "answers": _answer_rows(city, q, ids),
        }
        parts["invitations"], parts["fieldwork_events"] = _contact_rows(city, q, ids, suffix)
        for name, rows in parts.items():
            tables[name] += rows
        ids.stratum += len(parts["strata"])
        ids.member += len(parts["sample_members"])
        ids.invitation += len(parts["invitations"])
        ids.event += len(parts["fieldwork_events"])
        ids.response += len(parts["responses"])
        ids.answer += len(parts["answers"])
    return tables


COLUMNS: dict[str, tuple[str, ...]] = {
    "surveys": ("id", "code", "title", "instrument_version_id", "period_start", "period_end",
                "modes", "status", "created_at"),
    "survey_units": ("survey_id", "unit_id"),
    "simulation_truths": ("survey_id", "unit_id", "item_code", "share_satisfied"),
    "sample_designs": ("id", "survey_id", "name", "version", "spec", "seed", "library_version",
                       "created_at", "drawn_at"),
    "strata": ("id", "design_id", "key", "unit_id", "channel", "field_code", "population_size",
               "sample_size"),
    "sample_members": ("id", "design_id", "stratum_id", "dossier_id", "unit_id",
                       "inclusion_probability", "base_weight", "is_reserve", "token_hash",
                       "token_expires_at"),
    "invitations": ("id", "sample_member_id", "channel", "sent_at", "reminder"),
    "fieldwork_events": ("id", "sample_member_id", "outcome", "recorded_at", "source", "note"),
    "responses": ("id", "survey_id", "instrument_version_id", "content_hash", "unit_id",
                  "reception_point_id", "sample_member_id", "mode", "probability_sample",
                  "language", "finished", "started_at", "submitted_at", "submission_key",
                  "client_hash", "device_hash", "flags"),
    "answers": ("id", "response_id", "item_code", "value", "text", "satisfied"),
}  # fmt: skip
FIELDWORK_TABLES = ("strata", "sample_members", "invitations", "fieldwork_events",
                    "responses", "answers")  # fmt: skip


def survey_tables(city: DemoCity, iv: Instrumentation, suffix: str) -> list[Table]:
    """Return the rows of every survey table, in an order that satisfies foreign keys."""
    tables = _survey_rows(city, iv, suffix) | _fieldwork_rows(city, iv, suffix)
    return [
        Table(name=name, columns=columns, count=len(tables[name]), chunks=iter([tables[name]]))
        for name, columns in COLUMNS.items()
    ]
