"""The California API samples of R's survey package (``data(api)``), read from CSV.

The files in ``data/`` were written once from R 4.2.2 with survey 4.1-1::

    library(survey); data(api)
    cols <- c("stype", "snum", "dnum", "cnum", "api00", "api99", "enroll", "api.stu",
              "meals", "ell", "mobility", "full", "emer", "acs.k3", "sch.wide", "awards",
              "both", "yr.rnd", "pw")
    fix <- function(d) { for (v in names(d)) if (is.double(d[[v]]))
        d[[v]] <- ifelse(is.na(d[[v]]), NA, sprintf("%.17g", d[[v]])); d }
    write.csv(fix(apistrat[, c(cols, "fpc")]), "apistrat.csv", row.names=FALSE, na="")
    write.csv(fix(apiclus1[, c(cols, "fpc")]), "apiclus1.csv", row.names=FALSE, na="")
    write.csv(fix(apiclus2[, c(cols, "fpc1", "fpc2")]), "apiclus2.csv", row.names=FALSE,
              na="")

Doubles are written with 17 significant digits so that they read back bit for bit.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

DATA = Path(__file__).parent / "data"


class ApiData:
    """Columns of one API sample: numbers as float arrays (NaN for NA), text as str."""

    def __init__(self, name: str) -> None:
        with (DATA / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        self.columns = {key: [row[key] for row in rows] for key in rows[0]}
        self.n = len(rows)

    def num(self, key: str) -> NDArray[np.float64]:
        """Column ``key`` as floats."""
        return np.array([float(v) if v not in ("", "NA") else np.nan for v in self.columns[key]])

    def text(self, key: str) -> NDArray[np.str_]:
        """Column ``key`` as strings."""
        return np.array(self.columns[key])

    def flag(self, key: str, value: str) -> NDArray[np.float64]:
        """1.0 where column ``key`` equals ``value``, else 0.0."""
        out: NDArray[np.float64] = (self.text(key) == value).astype(np.float64)
        return out
