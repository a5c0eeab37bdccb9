"""Errors of the demo city.

::

    ServiceError (survey_service.errors)
    └── DemoError   the demo cannot be built here: bad arguments or a database in use
"""

from __future__ import annotations

from survey_service.errors import ServiceError

__all__ = ["DemoError"]


class DemoError(ServiceError):
    """The demo city cannot be built as asked."""
