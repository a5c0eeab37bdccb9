"""Analysis: design-based estimates of satisfaction indices (pure functions on arrays).

* Design: :func:`make_design` (weights, strata, PSUs, fpc), :class:`EstimationOptions`
  (interval method, level, lonely-PSU rule, Taylor or jackknife variance, reliability).
* Estimates by domain: :func:`estimate_means`, :func:`estimate_totals`,
  :func:`estimate_ratios`, :func:`estimate_shares`, and the whole index tree of an
  instrument with :func:`estimate_indices` (item shares, element indices, overall index;
  :func:`tree_from_instrument`, :func:`make_index_tree`). Every result is a frozen
  :class:`Estimate` with its standard error, interval, df, n, design effect, effective
  sample size, method and reliability flag (:func:`find_estimate` picks one).
* Scale: :func:`index_statistics` computes the GROUP BY sums a database would, and
  :func:`estimate_indices_from_sums` estimates from them (:class:`SufficientStatistics`).
* Comparisons: :func:`compare_indices_with_population`,
  :func:`compare_means_with_population`, :func:`compare_periods`,
  :func:`adjust_p_values`; league tables with rank intervals, :func:`league_table`;
  small areas, :func:`small_area_estimates` and :func:`fay_herriot`.
* What to improve: :func:`driver_analysis`, :func:`element_scores`,
  :func:`importance_performance`; instrument quality, :func:`cronbach_alpha` and
  :func:`item_nonresponse`.
"""

from analysis.comparisons import (
    Comparison,
    compare_indices_with_population,
    compare_means_with_population,
    compare_periods,
)
from analysis.design import Design, LonelyPsuRule, Strata, make_design, make_strata
from analysis.drivers import (
    DriverAnalysis,
    DriverCoefficient,
    ImportancePerformance,
    Quadrant,
    driver_analysis,
    element_scores,
    importance_performance,
)
from analysis.errors import (
    AnalysisError,
    AnalysisWarning,
    DesignError,
    EmptyDomainError,
    LonelyPsuError,
    ModelError,
    OptionsError,
    ReplicationError,
)
from analysis.estimators import estimate_means, estimate_ratios, estimate_shares, estimate_totals
from analysis.indices import (
    IndexNode,
    IndexTree,
    ItemScoring,
    estimate_indices,
    make_index_tree,
    score_items,
    tree_from_instrument,
)
from analysis.intervals import CiMethod
from analysis.linearisation import Statistic
from analysis.multiplicity import Adjustment, adjust_p_values
from analysis.options import EstimationOptions, VarianceMethod
from analysis.quality import (
    ElementReliability,
    ItemNonresponse,
    cronbach_alpha,
    item_nonresponse,
)
from analysis.rankings import LeagueRow, league_table
from analysis.reliability import Flag, Reliability, reliability_flags
from analysis.results import Estimate, find_estimate
from analysis.small_area import (
    FayHerriotFit,
    SmallAreaEstimate,
    Transform,
    fay_herriot,
    small_area_estimates,
)
from analysis.sufficient import (
    SufficientStatistics,
    estimate_indices_from_sums,
    index_statistics,
)

__all__ = [
    "Adjustment",
    "AnalysisError",
    "AnalysisWarning",
    "CiMethod",
    "Comparison",
    "Design",
    "DesignError",
    "DriverAnalysis",
    "DriverCoefficient",
    "ElementReliability",
    "EmptyDomainError",
    "Estimate",
    "EstimationOptions",
    "FayHerriotFit",
    "Flag",
    "ImportancePerformance",
    "IndexNode",
    "IndexTree",
    "ItemNonresponse",
    "ItemScoring",
    "LeagueRow",
    "LonelyPsuError",
    "LonelyPsuRule",
    "ModelError",
    "OptionsError",
    "Quadrant",
    "Reliability",
    "ReplicationError",
    "SmallAreaEstimate",
    "Statistic",
    "Strata",
    "SufficientStatistics",
    "Transform",
    "VarianceMethod",
    "adjust_p_values",
    "compare_indices_with_population",
    "compare_means_with_population",
    "compare_periods",
    "cronbach_alpha",
    "driver_analysis",
    "element_scores",
    "estimate_indices",
    "estimate_indices_from_sums",
    "estimate_means",
    "estimate_ratios",
    "estimate_shares",
    "estimate_totals",
    "fay_herriot",
    "find_estimate",
    "importance_performance",
    "index_statistics",
    "item_nonresponse",
    "league_table",
    "make_design",
    "make_index_tree",
    "make_strata",
    "reliability_flags",
    "score_items",
    "small_area_estimates",
    "tree_from_instrument",
]
