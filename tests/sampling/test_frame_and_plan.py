"""Population filter, exclusions, strata and the sample plan (what ``sample preview`` shows)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from sampling import (
    AllocationError,
    DesignError,
    Exclusions,
    FrameColumns,
    FrameError,
    PopulationFilter,
    decode_design,
    eligible_dossiers,
    expected_margin,
    plan_sample,
    stratify,
)

NEVER = np.datetime64("NaT")


@pytest.fixture
def fx_frame() -> FrameColumns:
    """Eight dossiers of four applicants in two units."""
    day = np.datetime64
    return FrameColumns(
        unit=np.array(["U1", "U1", "U1", "U2", "U2", "U2", "U1", "U2"]),
        channel=np.array(["in_person", "online", "online", "postal", "online", "in_person",
                          "in_person", "online"]),
        field=np.array(["land", "land", "tax", "tax", "land", "tax", "tax", "land"]),
        applicant_kind=np.array(["citizen"] * 7 + ["organisation"]),
        result_date=np.array([day("2025-07-03"), day("2025-08-01"), day("2025-09-30"),
                              day("2025-07-15"), day("2025-06-30"), day("2025-08-20"),
                              day("2025-08-01"), day("2025-09-01")]),
        applicant=np.array([1, 1, 2, 3, 3, 4, 1, 5]),
        has_contact=np.array([True, True, True, True, True, False, True, True]),
        opted_out=np.array([False, False, True, False, False, False, False, False]),
        last_surveyed=np.array([NEVER, NEVER, NEVER, day("2025-09-01"), NEVER, NEVER, NEVER,
                                day("2025-01-01")]),
    )  # fmt: skip


def _eligible(
    frame: FrameColumns, population: PopulationFilter, exclusions: Exclusions
) -> np.ndarray:
    return eligible_dossiers(
        frame,
        population,
        exclusions,
        reference_date=datetime.date(2025, 10, 1),
        rng=np.random.default_rng(0),
    )


def test_filter_and_exclusions_without_dedup(fx_frame: FrameColumns) -> None:
    population = PopulationFilter(
        period_start=datetime.date(2025, 7, 1), period_end=datetime.date(2025, 9, 30)
    )
    exclusions = Exclusions(surveyed_within_days=90, one_per_person=None)
    # Row 4 is before the period, 5 has no contact, 2 opted out, 3 was surveyed 30 days ago;
    # row 7 was surveyed 273 days ago and stays.
    assert _eligible(fx_frame, population, exclusions).tolist() == [
        True, True, False, False, False, False, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize(("choice", "kept_for_applicant_1"), [("latest", 1), ("earliest", 0)])
def test_one_dossier_per_applicant(
    fx_frame: FrameColumns, choice: str, kept_for_applicant_1: int
) -> None:
    exclusions = Exclusions(opted_out=False, one_per_person=choice)  # type: ignore[arg-type]
    keep = _eligible(fx_frame, PopulationFilter(), exclusions)
    # Applicant 1 has rows 0, 1, 6; rows 1 and 6 tie on 2025-08-01 and frame order picks 1.
    assert np.flatnonzero(keep[[0, 1, 6]]).tolist() == [kept_for_applicant_1]
    assert np.bincount(fx_frame.applicant[keep]).max() == 1


def test_random_dossier_per_applicant_is_reproducible(fx_frame: FrameColumns) -> None:
    exclusions = Exclusions(one_per_person="random")
    first = _eligible(fx_frame, PopulationFilter(), exclusions)
    assert np.array_equal(first, _eligible(fx_frame, PopulationFilter(), exclusions))
    assert np.bincount(fx_frame.applicant[first]).max() == 1


@pytest.mark.parametrize("choice", ["latest", "earliest", "random"])
def test_one_per_person_on_an_empty_population(fx_frame: FrameColumns, choice: str) -> None:
    nobody = PopulationFilter(units=["U9"])
    exclusions = Exclusions(one_per_person=choice)  # type: ignore[arg-type]
    assert not _eligible(fx_frame, nobody, exclusions).any()


def test_code_filters(fx_frame: FrameColumns) -> None:
    population = PopulationFilter(
        units=["U2"], channels=["online", "postal"], fields=["land", "tax"],
        applicant_kinds=["citizen"],
    )  # fmt: skip
    keep = _eligible(fx_frame, population, Exclusions(no_contact=False, one_per_person=None))
    assert np.flatnonzero(keep).tolist() == [3, 4]


def test_frame_columns_must_share_a_length(fx_frame: FrameColumns) -> None:
    with pytest.raises(FrameError, match="differ in length"):
        FrameColumns(**{**{f: getattr(fx_frame, f) for f in fx_frame.__struct_fields__},
                        "unit": np.array(["U1"])})  # fmt: skip


def test_stratify_combines_variables_in_label_order() -> None:
    strata = stratify(["b", "a", "b", "a", "b"], ["online", "in_person", "online", "online", "x"])
    assert strata.ids.tolist() == [2, 0, 2, 1, 3]
    assert strata.labels[0].tolist() == ["a", "a", "b", "b"]
    assert strata.labels[1].tolist() == ["in_person", "online", "online", "x"]
    assert strata.population.tolist() == [1, 1, 2, 1]


def test_stratify_rejects_ragged_columns() -> None:
    with pytest.raises(FrameError):
        stratify([1, 2], [1])


DESIGN = """
name = "preview"
[assumptions]
response_rate = 0.5
[size]
rule = "margin"
margin = 0.1
per = "unit"
[allocation]
minimum = 5
[selection]
reserve_fraction = 0.25
"""


def test_plan_per_unit_margin_and_preview() -> None:
    design = decode_design(DESIGN, syntax="toml")
    population = np.array([600, 400, 3000, 4])
    units = np.array([0, 0, 1, 1])
    plan = plan_sample(design, population, units)
    # Per unit: n0 = 96.04 → m = N n0/(N - 1 + n0): 87.6 → ⌈175.2⌉ = 176 for N = 1000,
    # 93.1 → ⌈186.2⌉ = 187 for N = 3004; split proportionally, the 4-dossier stratum at 4.
    assert plan.unit_sample_size.tolist() == [176, 187]
    assert plan.sample_size.tolist() == [106, 70, 183, 4]
    assert plan.reserve_size.tolist() == [27, 18, 46, 0]
    np.testing.assert_allclose(plan.expected_respondents, plan.sample_size * 0.5, rtol=0)
    np.testing.assert_allclose(plan.margin, expected_margin(plan.sample_size * 0.5, population))
    assert np.all(plan.unit_margin <= 0.1 + 1e-3)
    assert plan.overall_margin < plan.unit_margin.min()


@pytest.mark.parametrize(
    ("size", "expected_total"),
    [
        ('rule = "yamane"', 385),  # ⌈10000 / 26⌉
        ('rule = "total"\nn = 300', 300),
        ('rule = "margin"\nmargin = 0.05\nper = "population"', 370),  # Cochran with FPC
    ],
)
def test_plan_population_rules_allocate_the_total(size: str, expected_total: int) -> None:
    design = decode_design(f'name = "x"\n[size]\n{size}\n', syntax="toml")
    plan = plan_sample(design, [5000, 3000, 2000])
    assert int(plan.sample_size.sum()) == expected_total
    assert plan.unit_margin.size == 0


def test_plan_fixed_sizes_per_stratum_and_per_unit() -> None:
    per_stratum = decode_design('name = "x"\n[size]\nrule = "fixed"\nn = 90\nper = "stratum"',
                                syntax="toml")  # fmt: skip
    assert plan_sample(per_stratum, [500, 50]).sample_size.tolist() == [90, 50]
    per_unit = decode_design('name = "x"\n[size]\nrule = "fixed"\nn = 90', syntax="toml")
    assert plan_sample(per_unit, [500, 100, 20], [0, 0, 1]).sample_size.tolist() == [75, 15, 20]
    with pytest.raises(DesignError, match="unit of every stratum"):
        plan_sample(per_unit, [500, 100, 20])


def test_plan_fixed_total_outside_bounds_is_an_error() -> None:
    design = decode_design(
        'name = "x"\n[size]\nrule = "total"\nn = 10\n[allocation]\nminimum = 20', syntax="toml"
    )
    with pytest.raises(AllocationError, match="cannot allocate 10"):
        plan_sample(design, [500, 500])


def test_neyman_plan_uses_the_given_standard_deviations() -> None:
    design = decode_design(
        'name = "x"\n[size]\nrule = "total"\nn = 90\n[allocation]\nmethod = "neyman"',
        syntax="toml",
    )
    # N S = 1000·0.1, 1000·0.2 → 30 and 60.
    plan = plan_sample(design, [1000, 1000], sd=[0.1, 0.2])
    assert plan.sample_size.tolist() == [30, 60]


def test_longer_codes_are_not_truncated_to_the_column_width(fx_frame: FrameColumns) -> None:
    keep = _eligible(fx_frame, PopulationFilter(units=["U10"]), Exclusions(one_per_person=None))
    assert not keep.any()
