"""A short run of the Monte-Carlo coverage study (bench/coverage_mc.py).

40 replications of the demo's fieldwork on a smaller city: nominal 95 % intervals of the
units' overall index must cover the truth within the acceptance band of issue #5
(93-97 %) widened by three binomial standard deviations of the coverage estimate, also
for the units whose true index is above 95 %. The full study (500 replications) and its
figures are in bench/RESULTS.md.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPLICATIONS = 40
DOSSIERS = 80_000
SEED = 20250701


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "coverage_mc.py"
    spec = importlib.util.spec_from_file_location("coverage_mc", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # msgspec resolves the module's annotations by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fx_summary() -> object:
    bench = _bench()
    setup = bench.make_setup(DOSSIERS, SEED)
    return bench.summarise(setup, bench.run_coverage(setup, REPLICATIONS, SEED))


def _within_band(coverage: float, intervals: int) -> bool:
    sd = math.sqrt(0.95 * 0.05 / intervals)
    return 0.93 - 3 * sd <= coverage <= 0.97 + 3 * sd


# "model" (the model truth with the fpc) is left out on purpose: the fpc targets the finite
# population, and in this small city sampling fractions reach 50 %, so it under-covers the
# superpopulation truth (about 93 %); bench/RESULTS.md reports it.
@pytest.mark.parametrize("scenario", ["design", "model-wr"])
def test_overall_index_intervals_cover_the_truth(fx_summary: object, scenario: str) -> None:
    pooled = fx_summary.pooled[scenario]["overall"]  # type: ignore[attr-defined]
    assert pooled.intervals >= 0.99 * REPLICATIONS * fx_summary.units  # type: ignore[attr-defined]
    assert _within_band(pooled.coverage, pooled.intervals), pooled


@pytest.mark.parametrize("scenario", ["design", "model-wr"])
def test_units_with_a_true_index_above_95_percent_are_covered(
    fx_summary: object, scenario: str
) -> None:
    label, units, share = fx_summary.bands[scenario][-1]  # type: ignore[attr-defined]
    assert label == "> 95%"
    assert units >= 3
    assert _within_band(share.coverage, share.intervals), share


def test_element_and_item_intervals_are_not_too_narrow(fx_summary: object) -> None:
    # Small units (about 25 respondents) make share intervals conservative, not liberal.
    for group in ("elements", "items"):
        share = fx_summary.pooled["design"][group]  # type: ignore[attr-defined]
        assert share.coverage >= 0.93 - 3 * math.sqrt(0.95 * 0.05 / share.intervals), group
