"""Errors of the indices feature.

::

    ServiceError
    └── IndicesError           an estimate that cannot be computed as asked (422)
        └── MicrodataError     a microdata file that cannot be estimated from (CLI exit 2)
"""

from __future__ import annotations

from survey_service.errors import ServiceError

__all__ = ["IndicesError", "MicrodataError"]


class IndicesError(ServiceError):
    """Estimates that cannot be computed as asked (no respondents, no weights, ...)."""


class MicrodataError(IndicesError):
    """A problem with a microdata file, named by column, line or stratum (one line)."""
