"""The sampling frame as columns of arrays: the population filter, exclusions and strata.

The service loads the completed dossiers of a period into :class:`FrameColumns` (one array per
variable, one row per dossier, rows in a canonical order such as by dossier code, so that a
seed reproduces the same sample however the frame was loaded) and gets back masks and codes.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from msgspec import Struct

from sampling.errors import FrameError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

    from sampling.design import Exclusions, PopulationFilter

__all__ = ["FrameColumns", "Strata", "eligible_dossiers", "stratify"]


class FrameColumns(Struct, frozen=True, kw_only=True):
    """The frame variables the design needs, one equally long array each.

    Attributes
    ----------
    unit, channel, field, applicant_kind
        Codes (string or integer arrays).
    result_date
        Result date, ``datetime64[D]``.
    applicant
        Pseudonymous applicant key (a keyed hash): the "person" of one-per-person.
    has_contact
        Whether a phone number or e-mail address is known.
    opted_out
        Whether the applicant asked not to be surveyed.
    last_surveyed
        Date the applicant was last surveyed, ``NaT`` if never.
    """

    unit: NDArray[Any]
    channel: NDArray[Any]
    field: NDArray[Any]
    applicant_kind: NDArray[Any]
    result_date: NDArray[np.datetime64]
    applicant: NDArray[Any]
    has_contact: NDArray[np.bool_]
    opted_out: NDArray[np.bool_]
    last_surveyed: NDArray[np.datetime64]

    def __post_init__(self) -> None:
        """Check that every column has the frame's length."""
        lengths = {name: len(getattr(self, name)) for name in self.__struct_fields__}
        if len(set(lengths.values())) > 1:
            raise FrameError(f"frame columns differ in length: {lengths}")


class Strata(Struct, frozen=True):
    """Strata formed from combinations of frame variables.

    Attributes
    ----------
    ids
        Stratum code (0 … H-1) of every frame row.
    labels
        One array per stratifying variable: the variable's value for each stratum.
    population
        N_h, the number of frame rows of each stratum.
    """

    ids: NDArray[np.int64]
    labels: tuple[NDArray[Any], ...]
    population: NDArray[np.int64]


def _date(value: datetime.date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


def _allowed(column: NDArray[Any], values: Sequence[str] | None) -> NDArray[np.bool_]:
    if values is None:
        return np.ones(column.shape, dtype=np.bool_)
    # No dtype cast: casting "U10" to a column of dtype <U2 would truncate it to "U1".
    return np.isin(column, np.asarray(values))


def eligible_dossiers(
    frame: FrameColumns,
    population: PopulationFilter,
    exclusions: Exclusions,
    *,
    reference_date: datetime.date,
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """Return the mask of frame rows in the target population after the exclusions.

    Parameters
    ----------
    frame
        The frame columns, rows in canonical order.
    population
        Period and allowed units, channels, fields and applicant kinds.
    exclusions
        No contact, opted out, surveyed recently, one dossier per applicant.
    reference_date
        The day "surveyed in the last N days" counts back from (the draw date).
    rng
        Generator used only by ``one_per_person = "random"``.

    Returns
    -------
    NDArray[np.bool_]
        True for the rows that may be selected.
    """
    keep = _allowed(frame.unit, population.units) & _allowed(frame.channel, population.channels)
    keep &= _allowed(frame.field, population.fields)
    keep &= _allowed(frame.applicant_kind, population.applicant_kinds)
    if population.period_start is not None:
        keep &= frame.result_date >= _date(population.period_start)
    if population.period_end is not None:
        keep &= frame.result_date <= _date(population.period_end)
    if exclusions.no_contact:
        keep &= frame.has_contact
    if exclusions.opted_out:
        keep &= ~frame.opted_out
    if exclusions.surveyed_within_days is not None:
        since = _date(reference_date) - np.timedelta64(exclusions.surveyed_within_days, "D")
        # NaT compares False, so applicants never surveyed are kept.
        keep &= ~(frame.last_surveyed > since)
    if exclusions.one_per_person is not None:
        keep = _one_per_person(keep, frame, exclusions.one_per_person, rng)
    return keep


def _one_per_person(
    keep: NDArray[np.bool_], frame: FrameColumns, choice: str, rng: np.random.Generator
) -> NDArray[np.bool_]:
    """Keep, per applicant, the latest, earliest or a random one of their remaining dossiers."""
    rows = np.flatnonzero(keep)
    if rows.size == 0:  # nothing left to choose from: "first of each person" is empty
        return keep
    days = frame.result_date[rows].astype("datetime64[D]").astype(np.int64)
    key: NDArray[Any]
    if choice == "latest":
        key = -days
    elif choice == "earliest":
        key = days
    else:
        key = rng.random(rows.size)
    # Ties on the date fall back to frame position, the last lexsort tie-breaker.
    order = np.lexsort((key, frame.applicant[rows]))
    person = frame.applicant[rows][order]
    first = np.r_[True, person[1:] != person[:-1]]
    chosen = np.zeros_like(keep)
    chosen[rows[order[first]]] = True
    return chosen


def stratify(*columns: ArrayLike) -> Strata:
    """Form strata from every observed combination of the given variables.

    Parameters
    ----------
    *columns
        Equally long arrays (unit, channel, field …), restricted to the eligible rows.

    Returns
    -------
    Strata
        Stratum codes in the lexicographic order of the labels, labels and sizes.
    """
    arrays = [np.asarray(column) for column in columns]
    if not arrays or len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise FrameError("stratify needs one or more equally long one-dimensional columns")
    values, codes = zip(*(np.unique(a, return_inverse=True) for a in arrays), strict=True)
    combined = np.zeros(arrays[0].size, dtype=np.int64)
    for value, code in zip(values, codes, strict=True):
        # Mixed-radix code: unique combinations stay unique and sort like the label tuples.
        combined = combined * len(value) + code
    present, ids = np.unique(combined, return_inverse=True)
    labels = []
    for value in reversed(values):
        labels.append(value[present % len(value)])
        present = present // len(value)
    population = np.bincount(ids, minlength=len(labels[0]) if labels else 0)
    return Strata(ids.astype(np.int64), tuple(reversed(labels)), population.astype(np.int64))
