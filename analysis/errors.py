"""Errors and warnings of the analysis package.

::

    AnalysisError                 every error the package raises on purpose
    ├── DesignError               inconsistent design or data (lengths, negative weights, NaN)
    │   └── LonelyPsuError        a stratum with one PSU under the ``"fail"`` rule
    ├── EmptyDomainError          an estimate was asked for where there is no data
    ├── OptionsError              options that cannot apply (level, interval method)
    ├── ModelError                a model cannot be fitted (too few areas, singular design)
    └── ReplicationError          a replicate method cannot be applied to this design

    AnalysisWarning               base of every warning the package emits

Every error names what is wrong (a column, a stratum, a domain) so that a command-line
front end can print it as a one-line message.
"""

from __future__ import annotations

__all__ = [
    "AnalysisError",
    "AnalysisWarning",
    "DesignError",
    "EmptyDomainError",
    "LonelyPsuError",
    "ModelError",
    "OptionsError",
    "ReplicationError",
]


class AnalysisError(Exception):
    """Base of every error of the analysis package."""


class DesignError(AnalysisError, ValueError):
    """The design or the data given with it are inconsistent or invalid."""


class LonelyPsuError(DesignError):
    """A stratum holds a single PSU and the lonely-PSU rule is ``"fail"``.

    Parameters
    ----------
    stratum
        The label of the offending stratum.
    """

    def __init__(self, stratum: str) -> None:
        super().__init__(
            f"stratum {stratum!r} has only one PSU; choose a lonely_psu rule "
            "(certainty, remove, adjust, average) or collapse strata"
        )
        self.stratum = stratum


class EmptyDomainError(AnalysisError):
    """There is no respondent with a positive weight behind a requested estimate."""


class OptionsError(AnalysisError, ValueError):
    """Options that cannot apply to the estimates asked for."""


class ModelError(AnalysisError):
    """A model-based estimator cannot be fitted to the data given."""


class ReplicationError(AnalysisError):
    """A replicate variance method cannot be applied to the design given."""


class AnalysisWarning(UserWarning):
    """Base of every warning of the analysis package."""
