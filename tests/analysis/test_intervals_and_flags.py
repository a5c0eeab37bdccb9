"""Interval methods at and near the bounds, and the reliability rule."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import (  # type: ignore[import-untyped, unused-ignore]
    proportion_confint,
)

from analysis import Reliability, reliability_flags
from analysis.intervals import bounded_interval, t_quantile


def _one(method: str, p: float, se: float, df: float, n: float) -> tuple[float, float, bool]:
    low, high, switched = bounded_interval(
        method,  # type: ignore[arg-type]
        np.array([p]),
        np.array([se]),
        np.array([df]),
        np.array([n]),
        0.95,
    )
    return float(low[0]), float(high[0]), bool(switched[0])


def test_wilson_with_binomial_variance_is_the_classical_wilson_interval() -> None:
    # With se^2 = p(1-p)/n the effective size is n; with a huge df, t is the normal z.
    p, n = 0.83, 200.0
    low, high, _ = _one("wilson", p, np.sqrt(p * (1 - p) / n), 1e12, n)
    expected = proportion_confint(p * n, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose([low, high], expected, rtol=1e-9)


def test_korn_graubard_with_binomial_variance_is_clopper_pearson() -> None:
    p, n = 0.25, 40.0
    low, high, _ = _one("korn-graubard", p, np.sqrt(p * (1 - p) / n), n - 1, n)
    expected = proportion_confint(p * n, n, alpha=0.05, method="beta")
    np.testing.assert_allclose([low, high], expected, rtol=1e-9)


@pytest.mark.parametrize("method", ["logit", "wilson", "korn-graubard", "wald"])
@pytest.mark.parametrize("p", [0.0, 1.0])
def test_no_interval_collapses_at_a_bound(method: str, p: float) -> None:
    low, high, switched = _one(method, p, 0.0, 10.0, 25.0)
    assert 0.0 <= low <= p <= high <= 1.0
    if method != "wald":
        assert high - low > 0.05
    assert switched == (method == "logit")


def test_zero_variance_inside_the_unit_interval_uses_n() -> None:
    low, high, switched = _one("logit", 0.5, 0.0, 30.0, 31.0)
    assert switched
    assert 0.2 < low < 0.5 < high < 0.8


def test_t_quantile_matches_student_t() -> None:
    # R: cat(sprintf("%.17g", qt(0.975, c(1, 8, 197))))
    np.testing.assert_allclose(
        t_quantile(0.95, np.array([1.0, 8.0, 197.0])),
        [12.706204736174694, 2.3060041352041658, 1.972079033778501],
        rtol=1e-12,
    )


def _flag(
    estimate: float,
    low: float,
    high: float,
    *,
    n: float = 500.0,
    n_eff: float = 400.0,
    df: float = 60.0,
    bounded: bool = True,
    se: float = 0.01,
) -> tuple[str, set[str]]:
    flags, reasons = reliability_flags(
        Reliability(),
        np.array([bounded]),
        np.array([estimate]),
        np.array([se]),
        np.array([low]),
        np.array([high]),
        np.array([df]),
        np.array([n]),
        np.array([n_eff]),
    )
    return flags[0], set(reasons[0])


def test_reliability_rule_follows_the_nchs_standard() -> None:
    assert _flag(0.5, 0.47, 0.53) == ("ok", set())
    assert _flag(0.5, 0.47, 0.53, n_eff=25.0) == ("suppress", {"n_eff_below_minimum"})
    # n_eff is capped at n: a design effect below 1 does not rescue a small sample.
    assert _flag(0.5, 0.47, 0.53, n=20.0, n_eff=80.0)[0] == "suppress"
    assert _flag(0.5, 0.3, 0.65) == ("suppress", {"ci_too_wide"})
    assert _flag(0.05, 0.01, 0.15) == ("suppress", {"relative_ci_too_wide"})
    assert _flag(0.95, 0.85, 0.99) == ("review", {"complement_relative_ci_too_wide"})
    assert _flag(0.5, 0.47, 0.53, df=5.0) == ("review", {"df_below_minimum"})
    assert _flag(1.0, 0.99, 1.0, se=0.0)[1] == {"estimate_at_bound", "zero_variance"}
    # Absolute width at most 0.05: the relative rule does not apply.
    assert _flag(0.02, 0.005, 0.05)[0] == "ok"
    # Means: relative standard error.
    assert _flag(10.0, 5.0, 15.0, bounded=False, se=3.5) == ("review", {"rse_too_large"})
    assert _flag(10.0, 9.0, 11.0, bounded=False, se=0.5) == ("ok", set())
