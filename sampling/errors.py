"""Errors of the sampling package.

::

    SamplingError       every error the package raises on purpose
"""

from __future__ import annotations

__all__ = ["SamplingError"]


class SamplingError(Exception):
    """Base of every error of the sampling package."""
