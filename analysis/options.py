"""Options shared by every estimator."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from analysis.design import LonelyPsuRule
from analysis.intervals import CiMethod
from analysis.reliability import Reliability

__all__ = ["EstimationOptions", "VarianceMethod"]

VarianceMethod = Literal["taylor", "jk1", "jkn"]
"""Taylor linearisation, or delete-one-PSU jackknife (JK1 unstratified, JKn stratified)."""


class EstimationOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How estimates, variances, intervals and flags are computed.

    Attributes
    ----------
    level
        Confidence level of the intervals.
    ci
        Interval method; ``None`` chooses logit for shares and indices and Wald for means,
        totals and ratios. Logit, Wilson and Korn-Graubard apply only to estimates in
        [0, 1].
    lonely_psu
        Rule for strata with a single PSU (R ``options(survey.lonely.psu)``).
    variance
        Variance method.
    replicate_mse
        Centre jackknife replicates at the full-sample estimate instead of their mean
        (R ``options(survey.replicates.mse = TRUE)``).
    reliability
        Thresholds of the reliability flag.
    """

    level: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)] = 0.95
    ci: CiMethod | None = None
    lonely_psu: LonelyPsuRule = "fail"
    variance: VarianceMethod = "taylor"
    replicate_mse: bool = False
    reliability: Reliability = Reliability()
