"""Simulated frame of completed dossiers and the applicants behind them.

Dossier volumes follow Hà Nội's pattern (DOMAIN.md §5): most dossiers are handled by
communes and wards, the rest by the service centre's reception points (for departments)
and by departments directly. Unit sizes vary as a lognormal around their kind's mean;
results come on working days (Saturdays lightly, none on Sundays and the 2 September
holidays); channels are 40 % in person, 59.7 % online and 0.3 % by post; the procedure is
drawn from those the unit handles, weighted by popularity; applicants are people or
organisations, some of whom file several dossiers.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
from numpy.typing import NDArray

from survey_service.db.enums import UnitKind
from survey_service.demo.catalogue import EMAIL_DOMAINS, FAMILY_NAMES, GIVEN_NAMES
from survey_service.demo.units import Catalogue, UnitRow

__all__ = [
    "CHANNELS",
    "KEY_BYTES",
    "PERIOD_DAYS",
    "PERIOD_START",
    "Applicants",
    "DossierFrame",
    "simulate_applicants",
    "simulate_frame",
]

PERIOD_START = dt.date(2025, 7, 1)
PERIOD_DAYS = 184  # 1 July to 31 December 2025
CHANNELS = ("in_person", "online", "postal")
CHANNEL_SHARES = np.array([0.4005, 0.5971, 0.0024])
ON_TIME_SHARE = 0.97
# Shares of the dossiers by the kind of unit that handles them, and how much busier an
# urban ward is than a rural commune.
KIND_SHARES = {UnitKind.DEPARTMENT: 0.10, UnitKind.RECEPTION_POINT: 0.25}
LOCAL_SHARE = 0.65
WARD_BOOST = 1.6
SIZE_SIGMA = 0.5
HOLIDAYS = (dt.date(2025, 9, 1), dt.date(2025, 9, 2))
PEOPLE_RATIO = 1.25  # dossiers per person
ORG_RATIO = 3.0  # dossiers per organisation
PHONE_PREFIXES = (9, 8, 3, 7, 5)  # Vietnamese mobile numbers start 09, 08, 03, 07, 05
PHONE_PREFIX_SHARES = (0.35, 0.2, 0.25, 0.1, 0.1)
OPT_OUT_SHARE = 0.02
# Applicant keys stand for a keyed hash truncated to 128 bits (32 hex digits). The importer
# stores full HMAC-SHA256 (64 digits); with keys that long, inserting 2 million dossiers
# into SQLite took 1.6 times the CPU (the applicant_key index is filled in random order).
KEY_BYTES = 16


class DossierFrame(msgspec.Struct, frozen=True, kw_only=True):
    """Completed dossiers as columns, sorted by unit, received day and result day.

    Days are offsets from :data:`PERIOD_START` (received days may be negative);
    ``channel`` indexes :data:`CHANNELS`; ``applicant`` indexes :class:`Applicants`;
    ``seq`` numbers the dossiers a unit received on one day, from 1.
    """

    unit_id: NDArray[np.int16]
    procedure: NDArray[np.int16]
    channel: NDArray[np.int8]
    applicant: NDArray[np.int32]
    received: NDArray[np.int16]
    result: NDArray[np.int16]
    on_time: NDArray[np.bool_]
    seq: NDArray[np.int32]


class Applicants(msgspec.Struct, frozen=True, kw_only=True):
    """People and organisations who filed dossiers, with their contact details.

    ``key`` holds :data:`KEY_BYTES` random bytes each (standing for a keyed hash);
    ``phone`` is the mobile number without its leading 0, or -1; ``email`` holds indices
    of a family name, a given name, a number and a domain, or -1 in the first column.
    """

    key: NDArray[np.uint8]
    is_org: NDArray[np.bool_]
    phone: NDArray[np.int64]
    email: NDArray[np.int32]
    opted_out: NDArray[np.bool_]


def _day_weights() -> NDArray[np.float64]:
    days = [PERIOD_START + dt.timedelta(days=k) for k in range(PERIOD_DAYS)]
    weekday = np.array([d.weekday() for d in days])
    weights = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.2, 0.0))
    weights[[(h - PERIOD_START).days for h in HOLIDAYS]] = 0.0
    shares: NDArray[np.float64] = weights / weights.sum()
    return shares


def _unit_shares(units: list[UnitRow], rng: np.random.Generator) -> NDArray[np.float64]:
    """Return each unit's share of the dossiers (zero for the city and branches)."""
    kinds = np.array([u.kind.value for u in units])
    size = rng.lognormal(0.0, SIZE_SIGMA, len(units))
    size[kinds == UnitKind.WARD.value] *= WARD_BOOST
    shares = np.zeros(len(units))
    groups = {k.value: (k.value,) for k in KIND_SHARES} | {
        "local": (UnitKind.WARD.value, UnitKind.COMMUNE.value)
    }
    totals = {k.value: v for k, v in KIND_SHARES.items()} | {"local": LOCAL_SHARE}
    for group, members in groups.items():
        mask = np.isin(kinds, members)
        shares[mask] = totals[group] * size[mask] / size[mask].sum()
    return shares


def _profiles(
    units: list[UnitRow], catalogue: Catalogue
) -> tuple[NDArray[np.int16], list[NDArray[np.float64]]]:
    """Return each unit's procedure profile and each profile's procedure probabilities.

    Profile 0 is the communes' and wards' catalogue, 1 the reception points' (every
    department-level procedure), 2 + k department k's own procedures.
    """
    department_level = ~catalogue.commune_level
    masks = [catalogue.commune_level, department_level]
    n_departments = int(catalogue.owner.max()) + 1
    masks += [department_level & (catalogue.owner == k) for k in range(n_departments)]
    probabilities = [
        np.where(m, catalogue.popularity, 0.0) / catalogue.popularity[m].sum() for m in masks
    ]
    profile = np.zeros(len(units), dtype=np.int16)
    for position, unit in enumerate(units):
        if unit.kind is UnitKind.RECEPTION_POINT:
            profile[position] = 1
        elif unit.kind is UnitKind.DEPARTMENT:
            profile[position] = 2 + unit.owner
    return profile, probabilities


def _draw_procedures(
    unit_pos: NDArray[np.int16],
    units: list[UnitRow],
    catalogue: Catalogue,
    rng: np.random.Generator,
) -> NDArray[np.int16]:
    unit_profile, probabilities = _profiles(units, catalogue)
    profile = unit_profile[unit_pos]
    procedure = np.zeros(len(unit_pos), dtype=np.int16)
    for p, probs in enumerate(probabilities):
        mask = profile == p
        procedure[mask] = rng.choice(len(probs), size=int(mask.sum()), p=probs)
    return procedure


def _number_within_day(
    unit_id: NDArray[np.int16], received: NDArray[np.int16]
) -> NDArray[np.int32]:
    """Number rows 1, 2, ... within each run of equal (unit, received) in sorted columns."""
    n = len(unit_id)
    starts = np.ones(n, dtype=bool)
    starts[1:] = (unit_id[1:] != unit_id[:-1]) | (received[1:] != received[:-1])
    start_index = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return (np.arange(n) - start_index + 1).astype(np.int32)


def _durations(
    days: NDArray[np.int16], rng: np.random.Generator
) -> tuple[NDArray[np.int16], NDArray[np.bool_]]:
    """Return processing times in days and whether they met the statutory time."""
    n = len(days)
    on_time = rng.random(n) < ON_TIME_SHARE
    early = np.floor(days * rng.uniform(0.2, 1.0, n))
    late = days + rng.geometric(0.3, n)
    return np.where(on_time, early, late).astype(np.int16), on_time


def simulate_applicants(
    is_org: NDArray[np.bool_], rng: np.random.Generator
) -> tuple[NDArray[np.int32], Applicants]:
    """Give each dossier an applicant; return the applicant indices and the applicants.

    People file 1.25 dossiers each on average and organisations about 3, drawn at random,
    so some applicants have several dossiers in different units.
    """
    n_org = int(is_org.sum())
    n_people = max(1, round(len(is_org) / PEOPLE_RATIO))
    n_orgs = max(1, round(n_org / ORG_RATIO))
    applicant = rng.integers(0, n_people, len(is_org), dtype=np.int32)
    applicant[is_org] = n_people + rng.integers(0, n_orgs, n_org, dtype=np.int32)
    m = n_people + n_orgs
    org = np.arange(m) >= n_people
    prefix = rng.choice(np.array(PHONE_PREFIXES), size=m, p=PHONE_PREFIX_SHARES)
    phone = prefix * 100_000_000 + rng.integers(0, 100_000_000, m)
    has_phone = rng.random(m) < np.where(org, 0.97, 0.93)
    has_email = rng.random(m) < np.where(org, 0.8, 0.25)
    email = np.column_stack(
        [
            rng.integers(0, len(FAMILY_NAMES), m),
            rng.integers(0, len(GIVEN_NAMES), m),
            rng.integers(1960, 2006, m),
            rng.integers(0, len(EMAIL_DOMAINS), m),
        ]
    ).astype(np.int32)
    email[~has_email, 0] = -1
    applicants = Applicants(
        key=np.frombuffer(rng.bytes(KEY_BYTES * m), dtype=np.uint8).reshape(m, KEY_BYTES),
        is_org=org,
        phone=np.where(has_phone, phone, -1).astype(np.int64),
        email=email,
        opted_out=rng.random(m) < OPT_OUT_SHARE,
    )
    return applicant, applicants


def simulate_frame(
    n: int, units: list[UnitRow], catalogue: Catalogue, rng: np.random.Generator
) -> tuple[DossierFrame, Applicants]:
    """Simulate ``n`` completed dossiers and their applicants."""
    counts = rng.multinomial(n, _unit_shares(units, rng))
    unit_pos = np.repeat(np.arange(len(units), dtype=np.int16), counts)
    result = rng.choice(PERIOD_DAYS, size=n, p=_day_weights()).astype(np.int16)
    procedure = _draw_procedures(unit_pos, units, catalogue, rng)
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARES).astype(np.int8)
    is_org = rng.random(n) < catalogue.org_share[procedure]
    duration, on_time = _durations(catalogue.days[procedure], rng)
    received = (result - duration).astype(np.int16)
    unit_id = (unit_pos + 1).astype(np.int16)  # unit ids are positions + 1 (units.py)
    order = np.lexsort((result, received, unit_id))
    unit_id, received = unit_id[order], received[order]
    applicant, applicants = simulate_applicants(is_org[order], rng)
    frame = DossierFrame(
        unit_id=unit_id,
        procedure=procedure[order],
        channel=channel[order],
        applicant=applicant,
        received=received,
        result=result[order],
        on_time=on_time[order],
        seq=_number_within_day(unit_id, received),
    )
    return frame, applicants
