"""Simulated sample draws, fieldwork and responses of the two demo surveys.

Each quarter's sample is stratified by unit. The frame is the quarter's completed dossiers
whose applicant left a phone or an e-mail and did not opt out; each stratum gets a simple
random sample of ``min(N_h, 60)`` dossiers, so every unit can be ranked with similar
precision. Members are invited by SMS (or e-mail when there is no phone) in the three days
after the draw and reminded after five. They respond with a probability that depends on
how they filed (online 52 %, in person 38 %, by post 25 %); the others refuse, cannot be
reached or turn out ineligible, and in the quarter still fielding some have no outcome yet.
Answers follow :mod:`survey_service.demo.truth`; a few people also answer through the open
link on the counter poster.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, logit  # type: ignore[import-untyped]

from survey_service.db.enums import SurveyStatus
from survey_service.demo.catalogue import COMMENTS_NEGATIVE, COMMENTS_POSITIVE
from survey_service.demo.frame import PERIOD_START, Applicants, DossierFrame
from survey_service.demo.truth import OPEN_LINK_SHIFT, simulate_answers

__all__ = [
    "COMMENTS",
    "OUTCOMES",
    "SAMPLE_PER_UNIT",
    "SURVEYS",
    "Members",
    "Responses",
    "SurveyDraw",
    "SurveySpec",
    "simulate_fieldwork",
]


class SurveySpec(msgspec.Struct, frozen=True, kw_only=True):
    """A demo survey: its code, title, quarter and status."""

    code: str
    title: str
    start: dt.date
    end: dt.date
    status: SurveyStatus


SURVEYS = (
    SurveySpec(
        code="DEMO-2025-Q3",
        title="Khảo sát sự hài lòng sau khi nhận kết quả, quý III/2025 (dữ liệu mô phỏng)",
        start=dt.date(2025, 7, 1),
        end=dt.date(2025, 9, 30),
        status=SurveyStatus.CLOSED,
    ),
    SurveySpec(
        code="DEMO-2025-Q4",
        title="Khảo sát sự hài lòng sau khi nhận kết quả, quý IV/2025 (dữ liệu mô phỏng)",
        start=dt.date(2025, 10, 1),
        end=dt.date(2025, 12, 31),
        status=SurveyStatus.FIELDING,
    ),
)
SAMPLE_PER_UNIT = 60
OUTCOMES = ("invited", "responded", "refused", "non_contact", "ineligible")
RESPONSE_RATES = np.array([0.38, 0.52, 0.25])  # by dossier channel (frame.CHANNELS)
NONRESPONSE = np.array([0.0, 0.0, 0.25, 0.62, 0.13])  # refused, non-contact, ineligible
PENDING_SHARE = 0.3  # of non-respondents without an outcome yet while fielding
COMMENTS = COMMENTS_POSITIVE + COMMENTS_NEGATIVE
COMMENT_SHARE = 0.3
ENGLISH_SHARE = 0.015
OPEN_LINK_PER_MEMBER = 0.25
TOKEN_BYTES = 24
HOUR = np.timedelta64(3600, "s")
DAY = np.timedelta64(86400, "s")


class Members(msgspec.Struct, frozen=True, kw_only=True):
    """Sample members: dossier position, stratum, token bytes, invitation and outcome.

    ``email`` tells the invitation went by e-mail (else SMS); ``reminded_at`` is NaT for
    members who were not reminded; ``outcome`` indexes :data:`OUTCOMES`.
    """

    dossier: NDArray[np.int64]
    stratum: NDArray[np.int64]
    token: NDArray[np.uint8]
    email: NDArray[np.bool_]
    sent_at: NDArray[np.datetime64]
    reminded_at: NDArray[np.datetime64]
    outcome: NDArray[np.int8]
    outcome_at: NDArray[np.datetime64]


class Responses(msgspec.Struct, frozen=True, kw_only=True):
    """Responses, invited ones first: ``member`` is -1 for open-link responses.

    ``satisfied`` and ``value`` have one column per item; ``comment`` indexes
    :data:`COMMENTS` or is -1.
    """

    member: NDArray[np.int64]
    unit_id: NDArray[np.int16]
    started_at: NDArray[np.datetime64]
    submitted_at: NDArray[np.datetime64]
    english: NDArray[np.bool_]
    satisfied: NDArray[np.bool_]
    value: NDArray[np.int8]
    comment: NDArray[np.int16]


class SurveyDraw(msgspec.Struct, frozen=True, kw_only=True):
    """One survey's simulated draw: strata (one per unit), members and responses."""

    spec: SurveySpec
    drawn_at: np.datetime64
    unit_ids: NDArray[np.int16]
    strata_unit: NDArray[np.int16]
    population: NDArray[np.int64]
    sample_size: NDArray[np.int64]
    members: Members
    responses: Responses


def _days(day: dt.date) -> int:
    return (day - PERIOD_START).days


def _draw_sample(
    unit_id: NDArray[np.int16], eligible: NDArray[np.bool_], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Draw an SRS of min(N_h, SAMPLE_PER_UNIT) per unit; return N_h, n_h and positions."""
    population = np.bincount(unit_id[eligible], minlength=int(unit_id.max()) + 1)
    sample_size = np.minimum(population, SAMPLE_PER_UNIT)
    candidates = np.flatnonzero(eligible)
    order = np.lexsort((rng.random(len(candidates)), unit_id[candidates]))
    shuffled = candidates[order]
    units = unit_id[shuffled]
    first = np.searchsorted(units, units)  # units are sorted: index of each unit's first row
    rank = np.arange(len(shuffled)) - first
    chosen = np.sort(shuffled[rank < sample_size[units]])
    return population, sample_size, chosen


def _outcomes(
    channel: NDArray[np.int8], fielding: bool, rng: np.random.Generator
) -> NDArray[np.int8]:
    n = len(channel)
    responded = rng.random(n) < RESPONSE_RATES[channel]
    other = rng.choice(len(OUTCOMES), size=n, p=NONRESPONSE)
    if fielding:
        other = np.where(rng.random(n) < PENDING_SHARE, 0, other)
    return np.where(responded, 1, other).astype(np.int8)


def _fieldwork_times(
    outcome: NDArray[np.int8], drawn_at: np.datetime64, rng: np.random.Generator
) -> tuple[NDArray[np.datetime64], NDArray[np.datetime64], NDArray[np.datetime64]]:
    """Return when each member was invited, reminded (or NaT) and got their outcome."""
    n = len(outcome)
    sent = drawn_at + (rng.random(n) * 3 * 86400).astype("timedelta64[s]")
    delay = np.minimum(rng.exponential(18 * 3600, n), 25 * 86400).astype("timedelta64[s]")
    later = (rng.uniform(1, 20, n) * 86400).astype("timedelta64[s]")
    outcome_at = sent + np.where(outcome == 1, delay, later)
    reminded = (outcome != 1) | (delay > 5 * DAY)
    reminded_at = np.where(reminded, sent + 5 * DAY, np.datetime64("NaT", "s"))
    return sent, reminded_at, outcome_at


def _answer(
    shares: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.bool_], NDArray[np.int8], NDArray[np.int16], NDArray[np.bool_]]:
    satisfied, value = simulate_answers(shares, rng)
    n = len(shares)
    pick = rng.integers(0, len(COMMENTS_POSITIVE), n) + np.where(
        satisfied[:, -1], 0, len(COMMENTS_POSITIVE)
    )
    comment = np.where(rng.random(n) < COMMENT_SHARE, pick, -1).astype(np.int16)
    return satisfied, value, comment, rng.random(n) < ENGLISH_SHARE


def _open_link(
    spec: SurveySpec,
    sample_size: NDArray[np.int64],
    truth: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int16], NDArray[np.datetime64], NDArray[np.float64]]:
    """Return unit, submission time and (rosier) true shares of open-link responses."""
    counts = rng.poisson(OPEN_LINK_PER_MEMBER * sample_size)
    unit_id = np.repeat(np.arange(len(counts)), counts).astype(np.int16)
    n_days = (spec.end - spec.start).days + 1
    day = np.datetime64(spec.start, "s") + rng.integers(0, n_days, len(unit_id)) * DAY
    submitted = day + HOUR + (rng.random(len(unit_id)) * 9 * 3600).astype("timedelta64[s]")
    shares = expit(logit(truth[unit_id - 1]) + OPEN_LINK_SHIFT)
    return unit_id, submitted, shares


def _responses(
    members: Members,
    member_unit: NDArray[np.int16],
    open_link: tuple[NDArray[np.int16], NDArray[np.datetime64], NDArray[np.float64]],
    truth: NDArray[np.float64],
    rng: np.random.Generator,
) -> Responses:
    invited = np.flatnonzero(members.outcome == 1)
    open_unit, open_submitted, open_shares = open_link
    shares = np.concatenate([truth[member_unit[invited] - 1], open_shares])
    satisfied, value, comment, english = _answer(shares, rng)
    submitted = np.concatenate([members.outcome_at[invited], open_submitted])
    duration = rng.integers(60, 420, len(submitted)).astype("timedelta64[s]")
    return Responses(
        member=np.concatenate([invited, np.full(len(open_unit), -1)]),
        unit_id=np.concatenate([member_unit[invited], open_unit]),
        started_at=submitted - duration,
        submitted_at=submitted,
        english=english,
        satisfied=satisfied,
        value=value,
        comment=comment,
    )


def _invite(
    spec: SurveySpec,
    frame: DossierFrame,
    applicants: Applicants,
    chosen: NDArray[np.int64],
    stratum: NDArray[np.int64],
    drawn_at: np.datetime64,
    rng: np.random.Generator,
) -> Members:
    """Give the chosen dossiers tokens, invitations and fieldwork outcomes."""
    outcome = _outcomes(frame.channel[chosen], spec.status is SurveyStatus.FIELDING, rng)
    sent, reminded_at, outcome_at = _fieldwork_times(outcome, drawn_at, rng)
    token = np.frombuffer(rng.bytes(TOKEN_BYTES * len(chosen)), np.uint8)
    return Members(
        dossier=chosen,
        stratum=stratum,
        token=token.reshape(-1, TOKEN_BYTES),
        email=applicants.phone[frame.applicant[chosen]] < 0,
        sent_at=sent,
        reminded_at=reminded_at,
        outcome=outcome,
        outcome_at=outcome_at,
    )


def simulate_fieldwork(
    spec: SurveySpec,
    frame: DossierFrame,
    applicants: Applicants,
    truth: NDArray[np.float64],
    rng: np.random.Generator,
) -> SurveyDraw:
    """Simulate one survey: frame, sample, invitations, outcomes and responses.

    ``truth`` holds the survey's true shares, shape (units, items), row ``unit id - 1``.
    """
    in_quarter = (frame.result >= _days(spec.start)) & (frame.result <= _days(spec.end))
    person = frame.applicant
    reachable = (applicants.phone[person] >= 0) | (applicants.email[person, 0] >= 0)
    eligible = in_quarter & reachable & ~applicants.opted_out[person]
    population, sample_size, chosen = _draw_sample(frame.unit_id, eligible, rng)
    strata_unit = np.flatnonzero(population).astype(np.int16)
    stratum_of_unit = np.cumsum(population > 0) - 1
    drawn_at = np.datetime64(spec.end + dt.timedelta(days=1), "s") + HOUR
    member_unit = frame.unit_id[chosen]
    members = _invite(spec, frame, applicants, chosen, stratum_of_unit[member_unit], drawn_at, rng)
    open_link = _open_link(spec, sample_size, truth, rng)
    return SurveyDraw(
        spec=spec,
        drawn_at=drawn_at,
        unit_ids=np.unique(frame.unit_id[in_quarter]),
        strata_unit=strata_unit,
        population=population[strata_unit],
        sample_size=sample_size[strata_unit],
        members=members,
        responses=_responses(members, member_unit, open_link, truth, rng),
    )
