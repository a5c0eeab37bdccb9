"""AAPOR outcome rates and the mapping of the project's fieldwork outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import (
    AAPOR_CODE_OF_OUTCOME,
    DispositionCounts,
    SamplingError,
    aapor_rates,
    count_dispositions,
)
from survey_service.db.enums import FieldworkOutcome


def test_every_fieldwork_outcome_has_an_aapor_code() -> None:
    assert set(AAPOR_CODE_OF_OUTCOME) == {outcome.value for outcome in FieldworkOutcome}


def _counts(**values: float) -> DispositionCounts:
    codes = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
    return DispositionCounts(*(np.array([values.get(code, 0.0)]) for code in codes))


def test_rates_by_hand() -> None:
    # I=400, P=50, R=150, NC=100, O=20, UH=30, UO=250, NE=60, e given as 0.8.
    # Eligible E = 720, unknown U = 280, e·U = 224.
    counts = _counts(I=400, P=50, R=150, NC=100, O=20, UH=30, UO=250, NE=60)
    rates = aapor_rates(counts, e=0.8)
    expected = {
        "RR1": 400 / 1000, "RR2": 450 / 1000, "RR3": 400 / 944, "RR4": 450 / 944,
        "RR5": 400 / 720, "RR6": 450 / 720,
        "COOP1": 400 / 620, "COOP2": 450 / 620, "COOP3": 400 / 600, "COOP4": 450 / 600,
        "REF1": 150 / 1000, "REF2": 150 / 944, "REF3": 150 / 720,
        "CON1": 620 / 1000, "CON2": 620 / 944, "CON3": 620 / 720,
    }  # fmt: skip
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(rates, name), [value], rtol=1e-15, err_msg=name)


def test_e_is_estimated_from_cases_of_known_eligibility() -> None:
    # e = E / (E + NE) = 720 / 780.
    counts = _counts(I=400, P=50, R=150, NC=100, O=20, UH=30, UO=250, NE=60)
    rates = aapor_rates(counts)
    np.testing.assert_allclose(rates.e, [720 / 780], rtol=1e-15)
    np.testing.assert_allclose(rates.RR3, [400 / (720 + 280 * 720 / 780)], rtol=1e-15)


def test_outcomes_are_counted_per_group() -> None:
    outcomes = ["responded", "partial", "refused", "invited", "ineligible", "non_contact",
                "responded"]  # fmt: skip
    counts = count_dispositions(outcomes, [0, 0, 0, 1, 1, 1, 1])
    assert counts.I.tolist() == [1, 1]
    assert counts.P.tolist() == [1, 0]
    assert counts.UO.tolist() == [0, 1]
    assert counts.NE.tolist() == [0, 1]
    rates = aapor_rates(counts)
    # Group 1: I=1, NC=1, UO=1, NE=1 → RR1 = 1/3, COOP1 = 1/1.
    np.testing.assert_allclose(rates.RR1, [1 / 3, 1 / 3], rtol=1e-15)
    np.testing.assert_allclose(rates.COOP1, [1 / 3, 1.0], rtol=1e-15)


def test_empty_denominators_give_nan() -> None:
    rates = aapor_rates(_counts(NE=3))
    assert np.isnan(rates.RR1[0])
    assert np.isnan(rates.COOP1[0])


def test_unknown_outcome_is_an_error() -> None:
    with pytest.raises(SamplingError, match="lost"):
        count_dispositions(["responded", "lost"])
