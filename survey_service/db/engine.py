"""Engines for the configured database, sync (CLI, migrations) and async (web)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from survey_service.errors import ConfigurationError

__all__ = ["async_url", "make_async_engine", "make_sync_engine", "run_in_worker", "sync_url"]

T = TypeVar("T")


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"cannot read database URL {url!r}: {exc}") from exc


def sync_url(url: str) -> URL:
    """Return ``url`` with the synchronous driver this project uses for its backend."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigurationError(
        f"unsupported database {backend!r}: use sqlite:///FILE or postgresql://HOST/DB"
    )


def async_url(url: str) -> URL:
    """Return ``url`` with the asynchronous driver this project uses for its backend."""
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed  # psycopg 3 serves both sync and async engines


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_sync_engine(url: str, **kwargs: Any) -> Engine:
    """Create a synchronous engine; SQLite connections get WAL and foreign keys."""
    engine = create_engine(sync_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an asynchronous engine; SQLite connections get WAL and foreign keys."""
    engine = create_async_engine(async_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def run_in_worker(database_url: str, work: Callable[[Engine], T]) -> T:
    """Run ``work`` in a worker thread on a fresh synchronous engine, disposed afterwards.

    The synchronous services (frame import, sampling, weighting, exports) own their
    transactions; the web layer runs them this way so that the event loop keeps serving.
    """

    def call() -> T:
        engine = make_sync_engine(database_url)
        try:
            return work(engine)
        finally:
            engine.dispose()

    return await anyio.to_thread.run_sync(call)
