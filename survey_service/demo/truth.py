"""Known true satisfaction and simulated answers.

Model
-----
For survey (quarter) ``q``, unit ``u`` and item ``i`` (the five scored criteria and
``overall``) the true satisfied share is

    p_qui = expit(clip(mu + k_kind(u) + a_u + w_u + b_i + c_ui + d_qu, lo, hi))

with ``mu = logit(0.88)``, a fixed effect ``k`` per kind of unit (communes and wards a
little above departments, as in Hà Nội's published league tables), a unit effect
``a_u ~ N(0, 0.55²)``, a penalty ``w_u = -0.9`` for about one unit in twenty (the weak ones a
league table should find), fixed item effects ``b_i`` (staff attitude best, posted
procedures worst), a unit-by-item interaction ``c_ui ~ N(0, 0.2²)`` and a quarter change
``d_qu ~ N(0.08 q, 0.15²)``. The logit is clipped to [logit 0.55, logit 0.99]. Shares come
out mostly between 0.70 and 0.97.

A respondent ``r`` of unit ``u`` answers through a Gaussian copula: a latent attitude
``F_r ~ N(0, 1)`` shared by all items and item noise ``E_ri ~ N(0, 1)`` give
``Z_ri = λ F_r + sqrt(1 - λ²) E_ri`` with ``λ = 0.6``; the item is satisfied iff
``Z_ri < Φ⁻¹(p_qui)``. ``Z_ri`` is standard normal, so P(satisfied) is exactly ``p_qui``,
while answers of one respondent are correlated as real ones are. A satisfied answer is
"very satisfied" (5) with probability 0.45, else 4; an unsatisfied one is 3, 2 or 1 with
probabilities 0.65, 0.25 and 0.10. Unsolicited open-link answers use the same model with
the logit raised by 1.2: people who pick up a counter poster are happier than the sample.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, logit, ndtri  # type: ignore[import-untyped]

from survey_service.db.enums import UnitKind

__all__ = [
    "LOADING",
    "OPEN_LINK_SHIFT",
    "SATISFIED_VALUES",
    "UNSATISFIED_VALUES",
    "simulate_answers",
    "simulate_truth",
]

BASE_LOGIT = float(logit(0.88))
KIND_EFFECTS = {
    UnitKind.DEPARTMENT: -0.15,
    UnitKind.WARD: 0.15,
    UnitKind.COMMUNE: 0.25,
    UnitKind.RECEPTION_POINT: 0.0,
}
ITEM_EFFECTS = {
    "access_facilities": -0.25,
    "procedure_clear": -0.35,
    "staff_attitude": 0.30,
    "staff_competence": 0.10,
    "result_on_time": 0.25,
    "overall": 0.0,
}
UNIT_SD = 0.55
WEAK_SHARE = 0.05
WEAK_PENALTY = -0.9
INTERACTION_SD = 0.2
QUARTER_TREND = 0.08
QUARTER_SD = 0.15
LOGIT_RANGE = (float(logit(0.55)), float(logit(0.99)))
LOADING = 0.6
OPEN_LINK_SHIFT = 1.2
# (value, probability) of the answer given satisfied or not, on the 5-point scale.
SATISFIED_VALUES = ((4, 0.55), (5, 0.45))
UNSATISFIED_VALUES = ((1, 0.10), (2, 0.25), (3, 0.65))


def simulate_truth(
    kinds: list[UnitKind], items: list[str], n_surveys: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Return true satisfied shares, shape (surveys, units, items), as in the module notes.

    ``kinds`` gives the kind of each unit; items without a known effect get none.
    """
    n_units, n_items = len(kinds), len(items)
    unit = np.array([KIND_EFFECTS.get(k, 0.0) for k in kinds]) + rng.normal(0, UNIT_SD, n_units)
    unit += np.where(rng.random(n_units) < WEAK_SHARE, WEAK_PENALTY, 0.0)
    item = np.array([ITEM_EFFECTS.get(code, 0.0) for code in items])
    interaction = rng.normal(0, INTERACTION_SD, (n_units, n_items))
    quarter = rng.normal(0, QUARTER_SD, (n_surveys, n_units)) + QUARTER_TREND * np.arange(
        n_surveys
    ).reshape(-1, 1)
    z = BASE_LOGIT + unit[None, :, None] + item[None, None, :] + interaction[None]
    z = z + quarter[:, :, None]
    shares: NDArray[np.float64] = expit(np.clip(z, *LOGIT_RANGE))
    return shares


def _pick(
    values: tuple[tuple[int, float], ...], shape: tuple[int, ...], rng: np.random.Generator
) -> NDArray[np.int8]:
    codes = np.array([v for v, _ in values], dtype=np.int8)
    return rng.choice(codes, size=shape, p=[p for _, p in values])


def simulate_answers(
    shares: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
    """Simulate respondents' answers whose satisfied probabilities are ``shares``.

    Parameters
    ----------
    shares
        Shape (respondents, items): each respondent's true satisfied share per item.
    rng
        The random generator.

    Returns
    -------
    satisfied, value
        Whether each answer is satisfied, and its scale value (1..5).
    """
    n, n_items = shares.shape
    latent = rng.standard_normal((n, 1)) * LOADING
    latent = latent + rng.standard_normal((n, n_items)) * np.sqrt(1 - LOADING**2)
    satisfied = latent < ndtri(shares)
    value = np.where(
        satisfied,
        _pick(SATISFIED_VALUES, (n, n_items), rng),
        _pick(UNSATISFIED_VALUES, (n, n_items), rng),
    ).astype(np.int8)
    return satisfied, value
