"""Every bad input to the library raises the package's own error, with a useful message."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sampling import (
    AllocationError,
    DesignError,
    SamplingError,
    WeightingError,
    allocate,
    calibrate,
    count_dispositions,
    decode_design,
    draw_sample,
    expected_margin,
    margin_sample_size,
    plan_sample,
    rake,
    trim_weights,
    weight_diagnostics,
    weight_open_link,
    yamane_sample_size,
)

CASES: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    ("sd shape", lambda: allocate(5, [5, 5], method="neyman", sd=[1.0]), AllocationError, "sd"),
    ("neyman without sd", lambda: allocate(5, [5, 5], method="neyman"), AllocationError, "Neyman"),
    ("power out of range", lambda: allocate(5, [5, 5], method="power", power=2), AllocationError,
     "power"),
    ("unknown method", lambda: allocate(5, [5, 5], method="cube"),  # type: ignore[arg-type]
     AllocationError, "unknown"),
    ("bad cost", lambda: allocate(5, [5, 5], method="neyman", sd=[1, 1], cost=[1, 0]),
     AllocationError, "cost"),
    ("cost with proportional", lambda: allocate(5, [5, 5], cost=[1, 2]), AllocationError,
     "costs apply"),
    ("crossed bounds", lambda: allocate(5, [5, 5], minimum=3, maximum=2), AllocationError,
     "bounds"),
    ("zero-weight strata needed", lambda: allocate(8, [5, 5], method="neyman", sd=[1.0, 0.0]),
     AllocationError, "zero weight"),
    ("confidence", lambda: margin_sample_size([10], 0.05, confidence=1.0), DesignError,
     "confidence"),
    ("empty population", lambda: yamane_sample_size([0]), DesignError, "at least 1"),
    ("margin", lambda: margin_sample_size([10], 0.0), DesignError, "margin"),
    ("response rate", lambda: margin_sample_size([10], 0.1, response_rate=0), DesignError,
     "response_rate"),
    ("deff", lambda: margin_sample_size([10], 0.1, deff=0), DesignError, "deff"),
    ("margin population", lambda: expected_margin([1], [np.inf]), DesignError, "finite"),
    ("units shape",
     lambda: plan_sample(decode_design('name="x"\n[size]\nrule="total"\nn=2', syntax="toml"),
                         [5, 5], [0]),
     DesignError, "one unit code"),
    ("rake weights", lambda: rake([-1.0], [[0]], [[1.0]]), WeightingError, "finite"),
    ("rake codes shape", lambda: rake([1.0], [[0, 0]], [[1.0]]), WeightingError, "one code"),
    ("rake codes range", lambda: rake([1.0], [[3]], [[1.0]]), WeightingError, "codes must"),
    ("rake totals", lambda: rake([1.0], [[0]], [[-1.0]]), WeightingError, "totals"),
    ("rake no margin", lambda: rake([1.0], [], []), WeightingError, "at least one"),
    ("open link no margin", lambda: weight_open_link([], []), WeightingError, "at least one"),
    ("calibrate weights", lambda: calibrate([-1.0], [[1.0]], [1.0]), WeightingError, "finite"),
    ("outcome groups", lambda: count_dispositions(["responded"], [0, 1]), SamplingError,
     "one group"),
    ("group codes", lambda: weight_diagnostics([1.0], [-1]), WeightingError, "codes"),
    ("trim does not settle", lambda: trim_weights([1.0, 9.0, 20.0], 10.0, max_iter=1),
     WeightingError, "did not settle"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_sampling_error(
    name: str, call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()
    assert issubclass(error, SamplingError)


def test_datetime_sort_keys_order_the_list() -> None:
    dates = np.array(["2025-09-01", "2025-07-01", "2025-08-01"], dtype="datetime64[D]")
    sample = draw_sample(np.zeros(3, np.int64), [3], np.random.default_rng(0), sort_keys=[dates])
    assert dates[sample.index].tolist() == sorted(dates.tolist())


def test_wide_integer_sort_keys_fall_back_to_lexsort() -> None:
    # 2**62 cannot be packed with the stratum and the position into 63 bits.
    key = np.array([2**62, 0, 2**61], dtype=np.int64)
    sample = draw_sample(np.zeros(3, np.int64), [3], np.random.default_rng(0), sort_keys=[key])
    assert sample.index.tolist() == [1, 2, 0]
