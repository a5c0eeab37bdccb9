"""Errors of the analysis package.

::

    AnalysisError       every error the package raises on purpose
"""

from __future__ import annotations

__all__ = ["AnalysisError"]


class AnalysisError(Exception):
    """Base of every error of the analysis package."""
