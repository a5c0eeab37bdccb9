"""Sampling: frames, sample designs, selection, weights and response rates.

Pure functions on numpy arrays; randomness only from a ``numpy.random.Generator`` passed in.
The modules, in the order a survey uses them:

- :mod:`sampling.design`: the sample design spec (msgspec Structs from TOML or JSON);
- :mod:`sampling.frame`: population filter, exclusions and strata over frame columns;
- :mod:`sampling.size`, :mod:`sampling.allocation`, :mod:`sampling.plan`: sample sizes;
- :mod:`sampling.selection`: systematic, simple random and PPS selection with a reserve;
- :mod:`sampling.rates`: AAPOR response, cooperation, refusal and contact rates;
- :mod:`sampling.weights`: reserve release, nonresponse adjustment, trimming, diagnostics;
- :mod:`sampling.calibration`, :mod:`sampling.distance`: post-stratification, raking,
  linear and bounded calibration.
"""

from sampling.allocation import AllocationMethod, allocate, allocate_domains, allocation_weights
from sampling.calibration import (
    CalibrationResult,
    ConvergenceReport,
    poststratify,
    rake,
    weight_open_link,
)
from sampling.design import (
    Allocation,
    Assumptions,
    Exclusions,
    FixedSize,
    MarginSize,
    PopulationFilter,
    SampleDesign,
    Selection,
    SizeRule,
    TotalSize,
    YamaneSize,
    decode_design,
    encode_design,
)
from sampling.distance import DistanceFunction, calibrate, calibrate_margins
from sampling.errors import (
    AllocationError,
    CalibrationError,
    DesignError,
    EmptyCellError,
    FrameError,
    SamplingError,
    SamplingWarning,
    WeightingError,
)
from sampling.frame import FrameColumns, Strata, eligible_dossiers, stratify
from sampling.plan import SamplePlan, plan_sample
from sampling.rates import (
    AAPOR_CODE_OF_OUTCOME,
    AaporRates,
    DispositionCounts,
    aapor_rates,
    count_dispositions,
)
from sampling.selection import Sample, SelectionMethod, draw_sample, pps_inclusion_probabilities
from sampling.size import (
    expected_margin,
    margin_sample_size,
    normal_quantile,
    stratified_margin,
    yamane_sample_size,
)
from sampling.weights import (
    TrimResult,
    WeightDiagnostics,
    adjust_nonresponse,
    group_medians,
    release_base_weights,
    trim_weights,
    weight_diagnostics,
)

__all__ = [
    "AAPOR_CODE_OF_OUTCOME",
    "AaporRates",
    "Allocation",
    "AllocationError",
    "AllocationMethod",
    "Assumptions",
    "CalibrationError",
    "CalibrationResult",
    "ConvergenceReport",
    "DesignError",
    "DispositionCounts",
    "DistanceFunction",
    "EmptyCellError",
    "Exclusions",
    "FixedSize",
    "FrameColumns",
    "FrameError",
    "MarginSize",
    "PopulationFilter",
    "Sample",
    "SampleDesign",
    "SamplePlan",
    "SamplingError",
    "SamplingWarning",
    "Selection",
    "SelectionMethod",
    "SizeRule",
    "Strata",
    "TotalSize",
    "TrimResult",
    "WeightDiagnostics",
    "WeightingError",
    "YamaneSize",
    "aapor_rates",
    "adjust_nonresponse",
    "allocate",
    "allocate_domains",
    "allocation_weights",
    "calibrate",
    "calibrate_margins",
    "count_dispositions",
    "decode_design",
    "draw_sample",
    "eligible_dossiers",
    "encode_design",
    "expected_margin",
    "group_medians",
    "margin_sample_size",
    "normal_quantile",
    "plan_sample",
    "poststratify",
    "pps_inclusion_probabilities",
    "rake",
    "release_base_weights",
    "stratified_margin",
    "stratify",
    "trim_weights",
    "weight_diagnostics",
    "weight_open_link",
    "yamane_sample_size",
]
