"""Per-request database sessions from the app's async engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["DbSession", "provide_session"]


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """Yield a session; roll back whatever the handler left uncommitted."""
    maker: async_sessionmaker[AsyncSession] = state.session_maker
    async with maker() as session:
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()


DbSession = NamedDependency[AsyncSession]
"""Handler parameter type of the per-request session (``db_session: DbSession``)."""
