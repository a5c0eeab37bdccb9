"""Sampling: frames, sample designs, selection, weights and response rates.

Pure functions on numpy arrays; randomness only from a ``numpy.random.Generator`` passed in.
The modules, in the order a survey uses them:

- :mod:`sampling.design`: the sample design spec (msgspec Structs from TOML or JSON);
- :mod:`sampling.frame`: population filter, exclusions and strata over frame columns;
- :mod:`sampling.size`, :mod:`sampling.allocation`, :mod:`sampling.plan`: sample sizes;
- :mod:`sampling.selection`: systematic, simple random and PPS selection with a reserve;
"""

from sampling.allocation import AllocationMethod, allocate, allocate_domains, allocation_weights
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
from sampling.selection import Sample, SelectionMethod, draw_sample, pps_inclusion_probabilities
from sampling.size import (
    expected_margin,
    margin_sample_size,
    normal_quantile,
    stratified_margin,
    yamane_sample_size,
)

__all__ = [
    "Allocation",
    "AllocationError",
    "AllocationMethod",
    "Assumptions",
    "CalibrationError",
    "DesignError",
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
    "WeightingError",
    "YamaneSize",
    "allocate",
    "allocate_domains",
    "allocation_weights",
    "decode_design",
    "draw_sample",
    "eligible_dossiers",
    "encode_design",
    "expected_margin",
    "margin_sample_size",
    "normal_quantile",
    "plan_sample",
    "pps_inclusion_probabilities",
    "stratified_margin",
    "stratify",
    "yamane_sample_size",
]
