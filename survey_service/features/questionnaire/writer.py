"""The intake writer: one task per process that stores queued submissions in batches.

Request handlers check their submission, queue it and wait; the writer takes whatever
has queued up (up to ``max_batch``), stores it in one transaction (``intake``) and answers
each waiting handler only after the commit. Under load the batches grow by themselves
while the previous one commits, so the statements and the commit are shared by many
submissions; a lone submission is stored at once, without waiting for company.

On SQLite the writer holds the database's single write lock for the whole transaction
(``BEGIN IMMEDIATE``), on a connection of its own: no other writer of the process races
it for the lock, and its counts and new ids cannot go stale before the commit. A lock
that another process holds past ``busy_timeout`` fails the batch with SQLite's
"database is locked", which the app answers with 503 and ``Retry-After``.

A batch that fails for a reason of its own (say one submission a database constraint
refuses) is stored again one submission per transaction, so that only the culprit gets
the error; a failure that would repeat (lock time-out, lost connection) fails them all.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from litestar.datastructures import State
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from survey_service.db.engine import make_async_engine
from survey_service.features.questionnaire.intake import Limits, Outcome, Submission, store_batch

__all__ = ["POOL_RECYCLE_SECONDS", "IntakeWriter", "submit_checked"]

MAX_BATCH = 64
# No pre-ping (a round trip on every checkout): connections are recycled after a while
# instead, and one the server dropped is invalidated on its first error.
POOL_RECYCLE_SECONDS = 1800

# Failures that would repeat for every submission if the batch were split.
_REPEATING = (OperationalError, InterfaceError, PoolTimeoutError)

_Item = tuple[Submission, "asyncio.Future[Outcome]"]
Transaction = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


class IntakeWriter:
    """Stores submissions in batches, one transaction at a time, for one process."""

    def __init__(
        self,
        transaction: Transaction,
        limits: Limits,
        max_batch: int = MAX_BATCH,
        own_engine: AsyncEngine | None = None,
    ) -> None:
        self._transaction = transaction
        self._limits = limits
        self._max_batch = max_batch
        self._own_engine = own_engine
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # batches written, for tests and diagnostics

    @classmethod
    def for_database(cls, database_url: str, limits: Limits) -> IntakeWriter:
        """A writer on a connection of its own, apart from the request handlers' pool.

        Handlers wait for the writer; if it drew from their pool, handlers holding
        connections could starve it.
        """
        if not database_url.startswith("sqlite"):
            own = make_async_engine(
                database_url, pool_size=1, max_overflow=0, pool_recycle=POOL_RECYCLE_SECONDS
            )
            return cls(own.begin, limits, own_engine=own)
        # Autocommit at the driver, so that the writer's BEGIN IMMEDIATE is the only one.
        own = make_async_engine(
            database_url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0
        )

        @contextlib.asynccontextmanager
        async def immediate() -> AsyncIterator[AsyncConnection]:
            async with own.connect() as conn:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    await conn.exec_driver_sql("ROLLBACK")
                    raise
                await conn.exec_driver_sql("COMMIT")

        return cls(immediate, limits, own_engine=own)

    def start(self) -> None:
        """Start the writer task on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="intake-writer")

    async def stop(self) -> None:
        """Store what is queued, then stop the task (and close the writer's own engine)."""
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
            self._task = None
        if self._own_engine is not None:
            await self._own_engine.dispose()

    async def submit(self, submission: Submission) -> Outcome:
        """Queue ``submission`` and return its outcome once its transaction committed."""
        if self._task is None or self._task.done():
            raise RuntimeError("the intake writer is not running")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((submission, future))
        return await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._write(batch)

    async def _write(self, batch: list[_Item]) -> None:
        self.batches += 1
        try:
            async with self._transaction() as conn:
                outcomes = await store_batch(conn, [s for s, _ in batch], self._limits)
        except _REPEATING as exc:  # a lock time-out or a lost connection: for every one
            _fail(batch, exc)
            return
        except Exception as exc:  # the writer must live on: the error goes to its submitter
            if len(batch) == 1:
                _fail(batch, exc)
                return
            for item in batch:
                await self._write([item])
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():  # the submitter may have gone away meanwhile
                future.set_result(outcome)


async def submit_checked(
    state: State, session: AsyncSession | None, submission: Submission
) -> Outcome:
    """Hand a checked submission to the app's writer and wait for its outcome.

    The request's own reads are over: its connection (if it has a session) goes back to
    the pool first, rather than sit idle in a transaction while the writer works.
    """
    if session is not None and session.in_transaction():
        await session.rollback()
    writer: IntakeWriter = state.intake_writer
    return await writer.submit(submission)


def _fail(batch: list[_Item], exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
