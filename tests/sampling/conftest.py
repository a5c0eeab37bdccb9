"""Fixtures of the sampling tests: the reference tables stored under data/."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


def read_table(name: str) -> dict[str, list[str]]:
    """Read a CSV of data/ into columns of stripped strings."""
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [row[key].strip() for row in rows] for key in rows[0]}


@pytest.fixture(scope="session")
def fx_apiclus1() -> dict[str, np.ndarray]:
    """R survey's apiclus1 with the reference weights of data/r_survey_reference.R."""
    table = read_table("apiclus1_r_survey.csv")
    columns: dict[str, np.ndarray] = {
        key: np.array(values, dtype=np.float64)
        for key, values in table.items()
        if key.startswith("w_") or key in ("pw", "api99")
    }
    columns["stype"] = np.array(["EHM".index(v) for v in table["stype"]])
    columns["sch_wide"] = np.array([["No", "Yes"].index(v) for v in table["sch_wide"]])
    return columns
