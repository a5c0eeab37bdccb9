"""Reference sample sizes and allocations from samplics for tests/sampling/test_size_reference.py.

Run with samplics 0.6.1 installed (not a dependency of the project):

    python samplics_reference.py > samplics_sizes.csv
"""

import csv
import sys

from samplics.sampling import SampleSize, allocate
from samplics.utils.types import PopParam, SizeMethod

CASES = [
    # (stratum, N, margin, proportion, response_rate); confidence 0.95 throughout
    ("a", 500, 0.05, 0.5, 1.0),
    ("b", 2000, 0.05, 0.5, 1.0),
    ("c", 10000, 0.03, 0.3, 1.0),
    ("d", 1251, 0.03, 0.5, 1.0),
    ("e", 80, 0.10, 0.85, 0.6),
    ("f", 25000, 0.07, 0.9, 0.45),
    ("g", 3200, 0.04, 0.2, 0.8),
]


def main() -> None:
    """Write one row per case: stratum, inputs and samplics' sample size."""
    size = SampleSize(param=PopParam.prop, method=SizeMethod.wald, strat=True)
    size.calculate(
        half_ci={c[0]: c[2] for c in CASES},
        target={c[0]: c[3] for c in CASES},
        pop_size={c[0]: c[1] for c in CASES},
        deff=1.0,
        resp_rate={c[0]: c[4] for c in CASES},
        alpha=0.05,
    )
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(
        ["kind", "stratum", "N", "margin", "proportion", "response_rate", "confidence", "n"]
    )
    for stratum, n_pop, margin, p, rr in CASES:
        out.writerow(["wald", stratum, n_pop, margin, p, rr, 0.95, size.samp_size[stratum]])
    # Allocation: samplics rounds each stratum up, so only shares that are whole numbers are
    # comparable with an allocation that sums exactly to n.
    pop = {"h1": 4000, "h2": 2500, "h3": 1500, "h4": 2000}
    prop, _ = allocate("propal", list(pop), pop, samp_size=500)
    equal, _ = allocate("equal", list(pop), pop, constant=125)
    for stratum, n_pop in pop.items():
        out.writerow(["propal", stratum, n_pop, "", "", "", "", prop[stratum]])
        out.writerow(["equal", stratum, n_pop, "", "", "", "", equal[stratum]])


if __name__ == "__main__":
    main()
