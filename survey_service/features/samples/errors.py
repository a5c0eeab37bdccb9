"""Errors of the samples feature.

::

    ServiceError
    └── SampleServiceError     a request about samples that cannot be carried out (422)
        └── AlreadyDrawnError  the design has been drawn already (409)
"""

from __future__ import annotations

from survey_service.errors import ServiceError

__all__ = ["AlreadyDrawnError", "SampleServiceError"]


class SampleServiceError(ServiceError):
    """A design, draw, export, fieldwork or weighting request that cannot be carried out."""


class AlreadyDrawnError(SampleServiceError):
    """A design is drawn once: its sample, seed and date are fixed for good."""
