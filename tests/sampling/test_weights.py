"""Nonresponse adjustment, calibration errors, trimming and weight diagnostics."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import (
    CalibrationError,
    EmptyCellError,
    WeightingError,
    adjust_nonresponse,
    calibrate,
    group_medians,
    poststratify,
    rake,
    release_base_weights,
    trim_weights,
    weight_diagnostics,
    weight_open_link,
)


def test_nonresponse_adjustment_by_hand() -> None:
    # Class 0: weights 10, 10, 20, respondents 10 and 20 → factor 40/30.
    # Class 1: weights 5, 5, respondent the first → factor 2.
    adjusted = adjust_nonresponse(
        [10.0, 10.0, 20.0, 5.0, 5.0], [True, False, True, True, False], [0, 0, 0, 1, 1]
    )
    np.testing.assert_allclose(adjusted, [40 / 3, 0.0, 80 / 3, 10.0, 0.0], rtol=1e-15)


def test_nonresponse_class_without_respondents_is_named() -> None:
    with pytest.raises(EmptyCellError, match="Phường Hàng Bạc × online") as caught:
        adjust_nonresponse(
            [1.0, 1.0, 1.0], [True, False, False], [0, 1, 1],
            labels=["Phường Hàng Bạc × in_person", "Phường Hàng Bạc × online"],
        )  # fmt: skip
    assert caught.value.cells == ("Phường Hàng Bạc × online",)


@pytest.mark.parametrize(
    "weights", [[1.0, -1.0], [1.0, np.nan], [[1.0], [2.0]]], ids=["negative", "nan", "2d"]
)
def test_bad_weights_are_rejected(weights: list[float]) -> None:
    with pytest.raises(WeightingError):
        adjust_nonresponse(weights, [True, True], [0, 0])


def test_release_base_weights() -> None:
    # Stratum 0: N = 100, 4 fielded of 5 drawn → 25 each; stratum 1: N = 30, 2 fielded → 15.
    weights = release_base_weights(
        [0, 0, 0, 0, 0, 1, 1], [100, 30], [True, True, True, True, False, True, True]
    )
    assert weights.tolist() == [25.0, 25.0, 25.0, 25.0, 0.0, 15.0, 15.0]


def test_poststratum_without_respondents_is_named() -> None:
    with pytest.raises(EmptyCellError, match=r"post-stratum.*: H"):
        poststratify([1.0, 2.0], [0, 0], [10.0, 5.0], labels=["E", "H"])


def test_raking_empty_category_is_named() -> None:
    with pytest.raises(EmptyCellError, match="margin 1=field 7"):
        rake(
            [1.0, 1.0], [[0, 1], [0, 0]], [[1.0, 1.0], [1.0, 1.0]],
            labels=[["a", "b"], ["field 0", "field 7"]],
        )  # fmt: skip


def test_raking_margins_must_agree_on_the_total() -> None:
    with pytest.raises(CalibrationError, match="disagree"):
        rake([1.0, 1.0], [[0, 1], [0, 1]], [[1.0, 1.0], [1.0, 2.0]])


def test_raking_that_cannot_converge_names_the_cells_and_reports() -> None:
    # Respondents (a, x) and (b, y): x needs 2 and y needs 0, so b can never reach 1.
    with pytest.raises(CalibrationError, match="did not converge") as caught:
        rake([1.0, 1.0], [[0, 1], [0, 1]], [[1.0, 1.0], [2.0, 0.0]], max_iter=20,
             labels=[["a", "b"], ["x", "y"]])  # fmt: skip
    assert "margin 0=b" in caught.value.cells
    report = caught.value.report
    assert report is not None
    assert not report.converged
    assert report.iterations == 20
    assert len(report.history) == 20


def test_open_link_weights_are_flagged_nonprobability() -> None:
    result = weight_open_link([[0, 0, 1]], [[60.0, 30.0]])
    np.testing.assert_allclose(result.weights, [30.0, 30.0, 30.0], rtol=1e-12)
    assert result.nonprobability
    assert result.method == "raking"


def test_calibration_that_cannot_meet_the_bounds_names_the_constraints() -> None:
    x = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    with pytest.raises(CalibrationError, match="truncated calibration") as caught:
        calibrate([1.0, 1.0, 1.0, 1.0], x, [4.0, 3.5], method="truncated", bounds=(0.9, 1.1),
                  names=["N", "online"], max_iter=30)  # fmt: skip
    assert caught.value.cells
    assert set(caught.value.cells) <= {"N", "online"}


@pytest.mark.parametrize(
    ("method", "bounds"),
    [("linear", (0.5, 2.0)), ("logit", None), ("truncated", (1.0, 2.0)), ("bogus", None)],
)
def test_calibration_rejects_bad_options(method: str, bounds: tuple[float, float] | None) -> None:
    with pytest.raises(WeightingError):
        calibrate([1.0], [[1.0]], [2.0], method=method, bounds=bounds)  # type: ignore[arg-type]


def test_calibration_rejects_bad_shapes() -> None:
    with pytest.raises(WeightingError, match="shape"):
        calibrate([1.0, 1.0], [[1.0]], [2.0])


def test_trimming_redistributes_within_groups() -> None:
    # Group 0: 1, 1, 10 capped at 5 → 5 units go to the two others: 3.5, 3.5, 5.
    result = trim_weights([1.0, 1.0, 10.0, 2.0], 5.0, groups=[0, 0, 0, 1])
    np.testing.assert_allclose(result.weights, [3.5, 3.5, 5.0, 2.0], rtol=1e-12)
    assert result.trimmed == 1


def test_trimming_that_cannot_fit_is_an_error() -> None:
    with pytest.raises(WeightingError, match="exceeds"):
        trim_weights([10.0, 10.0], 5.0)
    with pytest.raises(WeightingError, match=r"group\(s\) A exceeds"):
        trim_weights([10.0, 10.0, 1.0], 5.0, groups=[0, 0, 1], labels=["A", "B"])
    with pytest.raises(WeightingError, match="below its lower bound"):
        trim_weights([1.0, 1.0], 1.0, lower=2.0)


def test_weight_diagnostics_by_hand() -> None:
    # Group 0: weights 1, 3 → mean 2, CV = 1/2, deff = 1.25, n_eff = 16/10 = 1.6.
    # Group 1: weight 4 alone; zero weights (nonrespondents) are left out.
    d = weight_diagnostics([1.0, 3.0, 4.0, 0.0], [0, 0, 1, 1])
    assert d.n.tolist() == [2, 1]
    np.testing.assert_allclose(d.cv, [0.5, 0.0], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(d.deff, [1.25, 1.0], rtol=1e-15)
    np.testing.assert_allclose(d.n_effective, [1.6, 1.0], rtol=1e-15)
    assert d.minimum.tolist() == [1.0, 4.0]
    assert d.maximum.tolist() == [3.0, 4.0]


def test_weight_diagnostics_of_an_empty_group_are_nan() -> None:
    d = weight_diagnostics([1.0, 0.0], [0, 1])
    assert d.n.tolist() == [1, 0]
    assert np.isnan(d.deff[1])
    assert np.isnan(d.minimum[1])


def test_group_medians_are_numpy_medians() -> None:
    rng = np.random.default_rng(3)
    units = rng.integers(0, 7, 200)
    units[units == 5] = 6  # a code without respondents
    w = rng.lognormal(size=200)
    expected = [np.median(w[units == u]) if np.any(units == u) else 0.0 for u in range(7)]
    np.testing.assert_allclose(group_medians(w, units), expected, rtol=1e-15, atol=0)
