"""Outcome rates of the AAPOR Standard Definitions: response, cooperation, refusal, contact.

The project's fieldwork outcomes map onto AAPOR's final disposition codes as follows (an
invitation-based survey of specifically named persons, AAPOR tables for mail and internet
surveys):

=============== ====== ==================================================================
outcome          code   AAPOR disposition
=============== ====== ==================================================================
``responded``    I      1.1 complete
``partial``      P      1.2 partial
``refused``      R      2.10 refusal and break-off (explicit refusal)
``non_contact``  NC     2.20 non-contact (invitation undeliverable to a known-eligible
                        applicant: wrong number, bounced address)
``invited``      UO     3.90 unknown eligibility, other: invited, nothing returned
``ineligible``   NE     4.0 not eligible
=============== ====== ==================================================================

Nobody in the frame is of unknown household status, so UH is 0 unless given; AAPOR's O
(other eligible non-interview) has no outcome of its own and stays 0 unless given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from msgspec import Struct

from sampling.errors import SamplingError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "AAPOR_CODE_OF_OUTCOME",
    "AaporRates",
    "DispositionCounts",
    "aapor_rates",
    "count_dispositions",
]

#: AAPOR code of each project fieldwork outcome (survey_service.db.enums.FieldworkOutcome).
AAPOR_CODE_OF_OUTCOME: dict[str, str] = {
    "responded": "I",
    "partial": "P",
    "refused": "R",
    "non_contact": "NC",
    "invited": "UO",
    "ineligible": "NE",
}

_CODES = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")


class DispositionCounts(Struct, frozen=True):
    """Final disposition counts per group (arrays of equal length, one entry per group).

    Attributes
    ----------
    I, P
        Complete and partial interviews.
    R, NC, O
        Eligible non-interviews: refusals, non-contacts, others.
    UH, UO
        Unknown eligibility: unknown if household/person, other.
    NE
        Not eligible.
    """

    I: NDArray[np.float64]  # noqa: E741  (AAPOR's own name)
    P: NDArray[np.float64]
    R: NDArray[np.float64]
    NC: NDArray[np.float64]
    O: NDArray[np.float64]  # noqa: E741  (AAPOR's own name)
    UH: NDArray[np.float64]
    UO: NDArray[np.float64]
    NE: NDArray[np.float64]


def count_dispositions(
    outcomes: Sequence[str] | NDArray[np.str_], groups: ArrayLike | None = None
) -> DispositionCounts:
    """Count AAPOR dispositions per group from the project's fieldwork outcomes.

    Parameters
    ----------
    outcomes
        One outcome per fielded sample member (``FieldworkOutcome`` values, or AAPOR codes).
    groups
        Group code (0 … G-1) of each member (stratum, unit); default one group.

    Returns
    -------
    DispositionCounts
        Counts per group.
    """
    values = np.asarray(outcomes, dtype=np.str_)
    vocabulary, inverse = np.unique(values, return_inverse=True)
    mapped = [AAPOR_CODE_OF_OUTCOME.get(v, v) for v in vocabulary.tolist()]
    unknown = sorted(set(mapped) - set(_CODES))
    if unknown:
        raise SamplingError(f"unknown fieldwork outcomes: {unknown}")
    code = np.array([_CODES.index(m) for m in mapped], dtype=np.int64)[inverse]
    ids = np.zeros(values.size, np.int64) if groups is None else np.asarray(groups, np.int64)
    if ids.shape != values.shape:
        raise SamplingError("groups must give one group code per outcome")
    count = int(ids.max(initial=0)) + 1
    table = np.bincount(ids * len(_CODES) + code, minlength=count * len(_CODES))
    columns = table.reshape(count, len(_CODES)).T.astype(np.float64)
    return DispositionCounts(*columns)


class AaporRates(Struct, frozen=True):
    """AAPOR outcome rates per group (NaN where a denominator is 0).

    Attributes
    ----------
    e
        Estimated (or given) share of unknown-eligibility cases that are eligible.
    RR1, RR2, RR3, RR4, RR5, RR6
        Response rates.
    COOP1, COOP2, COOP3, COOP4
        Cooperation rates.
    REF1, REF2, REF3
        Refusal rates.
    CON1, CON2, CON3
        Contact rates.
    """

    e: NDArray[np.float64]
    RR1: NDArray[np.float64]
    RR2: NDArray[np.float64]
    RR3: NDArray[np.float64]
    RR4: NDArray[np.float64]
    RR5: NDArray[np.float64]
    RR6: NDArray[np.float64]
    COOP1: NDArray[np.float64]
    COOP2: NDArray[np.float64]
    COOP3: NDArray[np.float64]
    COOP4: NDArray[np.float64]
    REF1: NDArray[np.float64]
    REF2: NDArray[np.float64]
    REF3: NDArray[np.float64]
    CON1: NDArray[np.float64]
    CON2: NDArray[np.float64]
    CON3: NDArray[np.float64]


def _ratio(top: NDArray[np.float64], bottom: NDArray[np.float64]) -> NDArray[np.float64]:
    result: NDArray[np.float64] = np.divide(
        top, bottom, out=np.full(top.shape, np.nan), where=bottom > 0
    )
    return result


def aapor_rates(counts: DispositionCounts, e: ArrayLike | None = None) -> AaporRates:
    """Compute the AAPOR response, cooperation, refusal and contact rates.

    Parameters
    ----------
    counts
        Disposition counts per group.
    e
        Share of unknown-eligibility cases presumed eligible. Default: estimated from the
        cases of known eligibility, :math:`e = (I+P+R+NC+O)/(I+P+R+NC+O+NE)` (AAPOR's
        proportional allocation, "CASRO" method).

    Returns
    -------
    AaporRates
        Every rate, per group.

    Notes
    -----
    AAPOR Standard Definitions, 10th edition (2023), with :math:`E = (I+P)+(R+NC+O)`:

    - RR1 = I / (E + UH + UO), RR2 = (I+P) / (E + UH + UO)
    - RR3 = I / (E + e(UH+UO)), RR4 = (I+P) / (E + e(UH+UO))
    - RR5 = I / E, RR6 = (I+P) / E
    - COOP1 = I / ((I+P)+R+O), COOP2 = (I+P) / ((I+P)+R+O)
    - COOP3 = I / ((I+P)+R), COOP4 = (I+P) / ((I+P)+R)
    - REF1 = R / (E + UH + UO), REF2 = R / (E + e(UH+UO)), REF3 = R / E
    - CON1 = ((I+P)+R+O) / (E + UH + UO), CON2 = ((I+P)+R+O) / (E + e(UH+UO)),
      CON3 = ((I+P)+R+O) / E

    References
    ----------
    .. [1] The American Association for Public Opinion Research (2023). *Standard
       Definitions: Final Dispositions of Case Codes and Outcome Rates for Surveys*,
       10th edition, AAPOR.
    """
    c = counts
    interviews = c.I + c.P
    eligible = interviews + c.R + c.NC + c.O
    unknown = c.UH + c.UO
    share = _ratio(eligible, eligible + c.NE) if e is None else np.asarray(e, np.float64)
    share = np.broadcast_to(share, eligible.shape)
    # With no unknown-eligibility cases e does not enter; NaN·0 must not poison the rates.
    estimated = eligible + np.where(unknown > 0, share * unknown, 0.0)
    contacted = interviews + c.R + c.O
    return AaporRates(
        e=share,
        RR1=_ratio(c.I, eligible + unknown),
        RR2=_ratio(interviews, eligible + unknown),
        RR3=_ratio(c.I, estimated),
        RR4=_ratio(interviews, estimated),
        RR5=_ratio(c.I, eligible),
        RR6=_ratio(interviews, eligible),
        COOP1=_ratio(c.I, contacted),
        COOP2=_ratio(interviews, contacted),
        COOP3=_ratio(c.I, interviews + c.R),
        COOP4=_ratio(interviews, interviews + c.R),
        REF1=_ratio(c.R, eligible + unknown),
        REF2=_ratio(c.R, estimated),
        REF3=_ratio(c.R, eligible),
        CON1=_ratio(contacted, eligible + unknown),
        CON2=_ratio(contacted, estimated),
        CON3=_ratio(contacted, eligible),
    )
