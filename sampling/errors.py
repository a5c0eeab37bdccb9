"""Errors and warnings of the sampling package.

::

    SamplingError               every error the package raises on purpose
    ├── DesignError             a sample design spec that cannot be decoded or is inconsistent
    ├── FrameError              frame arrays of the wrong shape, kind or content
    ├── AllocationError         sizes that cannot be allocated within the bounds
    └── WeightingError          weights that cannot be computed
        ├── EmptyCellError      a class or cell without respondents (names the cells)
        └── CalibrationError    calibration that cannot reach the totals (names the cells,
                                carries the convergence report)

    SamplingWarning             base of every warning of the package (UserWarning)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sampling.calibration import ConvergenceReport

__all__ = [
    "AllocationError",
    "CalibrationError",
    "DesignError",
    "EmptyCellError",
    "FrameError",
    "SamplingError",
    "SamplingWarning",
    "WeightingError",
]


class SamplingError(Exception):
    """Base of every error of the sampling package."""


class DesignError(SamplingError):
    """A sample design spec that cannot be decoded or contradicts itself."""


class FrameError(SamplingError):
    """Frame arrays of inconsistent length, wrong kind or invalid content."""


class AllocationError(SamplingError):
    """Sample sizes that cannot be allocated within the bounds and stratum sizes."""


class WeightingError(SamplingError):
    """Weights that cannot be computed from the inputs."""


class EmptyCellError(WeightingError):
    """Adjustment classes or calibration cells without respondents.

    Parameters
    ----------
    what
        What the cells are (``"nonresponse class"``, ``"post-stratum"``, ...).
    cells
        Labels of the empty cells, in the caller's vocabulary.
    """

    def __init__(self, what: str, cells: Sequence[str]) -> None:
        self.cells = tuple(cells)
        shown = ", ".join(self.cells[:20]) + (" ..." if len(self.cells) > 20 else "")
        super().__init__(f"{len(self.cells)} {what}(s) without respondents: {shown}")


class CalibrationError(WeightingError):
    """Calibration that cannot reproduce the totals.

    Parameters
    ----------
    message
        What went wrong.
    cells
        Labels of the cells (margin categories or constraints) still off target.
    report
        The convergence report of the failed iterations, if any.
    """

    def __init__(
        self, message: str, cells: Sequence[str] = (), report: ConvergenceReport | None = None
    ) -> None:
        self.cells = tuple(cells)
        self.report = report
        shown = ", ".join(self.cells[:20]) + (" ..." if len(self.cells) > 20 else "")
        super().__init__(f"{message}; cells off target: {shown}" if self.cells else message)


class SamplingWarning(UserWarning):
    """Base of every warning of the sampling package."""
