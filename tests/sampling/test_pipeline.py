"""The whole chain on a simulated city: frame → design → draw → outcomes → weights → rates."""

from __future__ import annotations

import datetime

import numpy as np

from sampling import (
    FrameColumns,
    aapor_rates,
    adjust_nonresponse,
    count_dispositions,
    decode_design,
    draw_sample,
    eligible_dossiers,
    plan_sample,
    rake,
    stratify,
    weight_diagnostics,
)

DESIGN = """
name = "simulated city"
strata = ["unit", "channel"]
[population]
period_start = 2025-07-01
period_end = 2025-09-30
[exclusions]
one_per_person = "latest"
[assumptions]
response_rate = 0.5
[size]
rule = "margin"
margin = 0.1
per = "unit"
[allocation]
minimum = 3
[selection]
reserve_fraction = 0.2
"""


def _frame(rng: np.random.Generator, rows: int) -> FrameColumns:
    start = np.datetime64("2025-06-15")
    return FrameColumns(
        unit=rng.choice(np.array(["D01", "W001", "W002", "W003"]), rows, p=[0.4, 0.3, 0.2, 0.1]),
        channel=rng.choice(np.array(["in_person", "online"]), rows, p=[0.6, 0.4]),
        field=rng.choice(np.array(["land", "tax", "civil"]), rows),
        applicant_kind=np.full(rows, "citizen"),
        result_date=start + rng.integers(0, 110, rows).astype("timedelta64[D]"),
        applicant=rng.integers(0, rows // 2, rows),
        has_contact=rng.random(rows) < 0.95,
        opted_out=rng.random(rows) < 0.01,
        last_surveyed=np.full(rows, np.datetime64("NaT"), dtype="datetime64[D]"),
    )


def test_the_weighting_chain_reproduces_the_frame() -> None:
    rng = np.random.default_rng(2025)
    frame = _frame(rng, 20_000)
    design = decode_design(DESIGN, syntax="toml")
    keep = eligible_dossiers(
        frame, design.population, design.exclusions,
        reference_date=datetime.date(2025, 10, 1), rng=np.random.default_rng(7),
    )  # fmt: skip
    strata = stratify(frame.unit[keep], frame.channel[keep])
    units = np.unique(strata.labels[0], return_inverse=True)[1]
    plan = plan_sample(design, strata.population, units)
    sample = draw_sample(
        strata.ids, plan.sample_size, np.random.default_rng(11),
        sort_keys=[frame.result_date[keep]], reserve_sizes=plan.reserve_size,
    )  # fmt: skip
    main = ~sample.reserve
    # Simulated fieldwork: about half respond.
    outcome = rng.choice(
        np.array(["responded", "refused", "invited"]), main.sum(), p=[0.5, 0.2, 0.3]
    )
    rates = aapor_rates(count_dispositions(outcome, sample.stratum[main]))
    assert np.all((rates.RR1 > 0.2) & (rates.RR1 < 0.85))
    responded = outcome == "responded"
    adjusted = adjust_nonresponse(sample.base_weight[main], responded, sample.stratum[main])
    np.testing.assert_allclose(
        np.bincount(sample.stratum[main], adjusted, strata.population.size),
        strata.population, rtol=1e-12,
    )  # fmt: skip
    fields = np.unique(frame.field[keep], return_inverse=True)[1][sample.index[main]]
    field_totals = np.bincount(np.unique(frame.field[keep], return_inverse=True)[1])
    respondents = responded
    result = rake(
        adjusted[respondents],
        [sample.stratum[main][respondents], fields[respondents]],
        [strata.population, field_totals],
        tol=1e-12,
    )
    assert result.report.converged
    diagnostics = weight_diagnostics(result.weights, units[sample.stratum[main][respondents]])
    assert np.all(diagnostics.deff >= 1.0)
    np.testing.assert_allclose(diagnostics.total.sum(), keep.sum(), rtol=1e-10)
    assert np.all(plan.unit_margin < 0.11)
