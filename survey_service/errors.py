"""Errors of the service, and how they reach a user.

::

    ServiceError
    ├── ConfigurationError   settings missing or malformed; the service will not start
    ├── DatabaseError        the database is unreachable or not migrated
    └── NotFoundError        a unit, instrument or survey that does not exist
"""

from __future__ import annotations

__all__ = ["ConfigurationError", "DatabaseError", "NotFoundError", "ServiceError"]


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigurationError(ServiceError):
    """Settings are missing or malformed."""


class DatabaseError(ServiceError):
    """The database cannot be used as it is."""


class NotFoundError(ServiceError):
    """A thing named in a request does not exist."""
