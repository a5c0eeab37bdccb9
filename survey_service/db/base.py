"""Declarative base with a constraint naming convention and portable column types."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

__all__ = ["NAMING_CONVENTION", "Base", "BigId", "JsonDoc", "Timestamp", "utcnow"]

# Named constraints let Alembic drop and alter them on every backend (SQLite batch mode
# needs names to find them again).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit keys for the
# tables that grow to tens of millions of rows (dossiers, answers).
BigId = BigInteger().with_variant(Integer(), "sqlite")

JsonDoc = JSON().with_variant(JSONB(), "postgresql")

Timestamp = DateTime(timezone=True)


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {dt.datetime: Timestamp}
