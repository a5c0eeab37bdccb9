"""The sample design spec: decoding from TOML and JSON, and clear errors naming the path."""

from __future__ import annotations

import datetime

import msgspec
import pytest

from sampling import (
    DesignError,
    FixedSize,
    MarginSize,
    SampleDesign,
    TotalSize,
    YamaneSize,
    decode_design,
    encode_design,
)

FULL_TOML = """
name = "Hà Nội 2025 Q3, communes"
strata = ["unit", "channel"]

[population]
period_start = 2025-07-01
period_end = 2025-09-30
channels = ["in_person", "online"]
applicant_kinds = ["citizen"]

[exclusions]
surveyed_within_days = 180
one_per_person = "random"

[assumptions]
response_rate = 0.6
deff = 1.2

[size]
rule = "margin"
margin = 0.07
per = "unit"

[allocation]
method = "power"
power = 0.5
minimum = 10
maximum = 400

[selection]
method = "systematic"
sort_by = ["field", "procedure", "result_date"]
reserve_fraction = 0.2
"""


def test_full_toml_design_decodes() -> None:
    design = decode_design(FULL_TOML, syntax="toml")
    assert design.population.period_start == datetime.date(2025, 7, 1)
    assert design.size == MarginSize(margin=0.07, per="unit")
    assert design.allocation.maximum == 400
    assert design.exclusions.one_per_person == "random"
    assert design.selection.reserve_fraction == pytest.approx(0.2, rel=0, abs=0)


def test_json_round_trip_is_identical() -> None:
    design = decode_design(FULL_TOML, syntax="toml")
    assert decode_design(encode_design(design), syntax="json") == design


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ('rule = "yamane"', YamaneSize(error=0.05, per="population")),
        ('rule = "total"\nn = 3000', TotalSize(n=3000)),
        ('rule = "fixed"\nn = 90', FixedSize(n=90, per="unit")),
    ],
)
def test_size_rules_are_tagged_by_rule(size: str, expected: object) -> None:
    design = decode_design(f'name = "x"\n[size]\n{size}\n', syntax="toml")
    assert design.size == expected


def test_defaults_are_the_documented_ones() -> None:
    design = msgspec.convert({"name": "x", "size": {"rule": "total", "n": 5}}, SampleDesign)
    assert design.strata == ["unit", "channel"]
    assert design.exclusions.no_contact
    assert design.exclusions.one_per_person == "latest"
    assert design.selection.method == "systematic"


TOTAL = 'name = "x"\n[size]\nrule = "total"\nn = 5\n'
PERIOD = "[population]\nperiod_start = 2025-02-01\nperiod_end = 2025-01-01\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\n[size]\nrule = "margin"\nmargin = "a"', "$.size.margin"),
        ('name = "x"\n[size]\nrule = "margin"\nmargin = 1.5', "$.size.margin"),
        ('name = "x"\n[size]\nrule = "bogus"', "$.size.rule"),
        ('name = "x"\nfoo = 1\n[size]\nrule = "total"\nn = 5', "unknown field `foo`"),
        (TOTAL + "[allocation]\nminimum = 5\nmaximum = 2", "$.allocation"),
        (TOTAL + '[selection]\nmethod = "pps"', "$.selection"),
        (TOTAL + '[population]\nchannels = ["fax"]', "$.population.channels[0]"),
        (TOTAL + PERIOD, "after period_end"),
        ('name = "x"\nstrata = ["channel"]\n[size]\nrule = "fixed"\nn = 5', "needs 'unit'"),
        ('name = "x"\nstrata = ["unit", "unit"]\n[size]\nrule = "total"\nn = 5', "repeat"),
        ("name = ", "invalid sample design"),
    ],
)
def test_bad_designs_raise_a_design_error_naming_the_path(text: str, message: str) -> None:
    with pytest.raises(DesignError, match=message.replace("$", r"\$").replace("[", r"\[")):
        decode_design(text, syntax="toml")


def test_bad_json_design_raises_design_error() -> None:
    with pytest.raises(DesignError, match=r"\$.size"):
        decode_design(b'{"name": "x", "size": {"rule": "total", "n": 0}}', syntax="json")
