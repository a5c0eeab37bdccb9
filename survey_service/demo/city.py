"""The whole simulated city as values: pure generation, no database."""

from __future__ import annotations

import msgspec
import numpy as np
from numpy.typing import NDArray

from instruments import Instrument
from survey_service.demo.fieldwork import SURVEYS, SurveyDraw, simulate_fieldwork
from survey_service.demo.frame import Applicants, DossierFrame, simulate_frame
from survey_service.demo.truth import simulate_truth
from survey_service.demo.units import Catalogue, UnitRow, build_catalogue, build_units

__all__ = ["DemoCity", "scored_items", "simulate_city"]


class DemoCity(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the demo loads, generated from one seed.

    ``truth`` has shape (surveys, units, items): row ``unit id - 1``, columns ``items``.
    """

    seed: int
    units: list[UnitRow]
    catalogue: Catalogue
    frame: DossierFrame
    applicants: Applicants
    items: list[str]
    truth: NDArray[np.float64]
    draws: list[SurveyDraw]


def scored_items(instrument: Instrument) -> list[str]:
    """Return the codes whose satisfied share is known: scored items, then ``overall``."""
    return [item.code for item in instrument.items()] + ["overall"]


def simulate_city(n_dossiers: int, seed: int, items: list[str]) -> DemoCity:
    """Simulate the demo city: units, dossiers, truth, samples and responses.

    Parameters
    ----------
    n_dossiers
        Completed dossiers over the two quarters.
    seed
        Seed of the one random generator every draw comes from: the same seed and size
        give the same city.
    items
        Item codes with a known truth (see :func:`scored_items`).
    """
    rng = np.random.default_rng(seed)
    units = build_units()
    catalogue = build_catalogue()
    frame, applicants = simulate_frame(n_dossiers, units, catalogue, rng)
    truth = simulate_truth([u.kind for u in units], items, len(SURVEYS), rng)
    draws = [
        simulate_fieldwork(spec, frame, applicants, truth[q], rng) for q, spec in enumerate(SURVEYS)
    ]
    return DemoCity(
        seed=seed,
        units=units,
        catalogue=catalogue,
        frame=frame,
        applicants=applicants,
        items=items,
        truth=truth,
        draws=draws,
    )
