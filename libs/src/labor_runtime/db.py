"""Database engine, the unit of work that owns each transaction, and database creation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_contracts.events import EventData
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from labor_runtime import audit, outbox
from labor_runtime.clock import Clock
from labor_runtime.tracing import current_traceparent
from labor_runtime.workers import Wakes, marked_work

Step = TypeVar("Step", bound=Callable[[], Awaitable[None]])

_TRACEPARENT = "labor_runtime.traceparent"


def transaction_traceparent(session: AsyncSession) -> str | None:
    """The trace of what a transaction does: the earlier trace its unit of work continues, else
    the current span's. Work it leaves for later (a deadline, a delivery) stores this, so what
    that work emits continues the trace of its cause."""
    traceparent: str | None = session.info.get(_TRACEPARENT)
    return traceparent or current_traceparent()


def create_engine(url: str, *, pool_size: int = 4, max_overflow: int = 4,
                  server_settings: dict[str, str] | None = None) -> AsyncEngine:
    """`server_settings`: PostgreSQL settings of every connection of this pool."""
    # No pre-ping: it costs a BEGIN/ping/COMMIT per checkout (12% of intake's CPU). A connection
    # found dead invalidates the pool and the request gets a 503 the client may retry.
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800,
        connect_args={"server_settings": server_settings} if server_settings else {},
    )


def asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg accepts (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def _server(url: str) -> AsyncIterator[tuple[asyncpg.Connection, str]]:
    """A connection to the server's `postgres` database, and the URL's database name."""
    parsed = make_url(url)
    name = parsed.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"refusing unusual database name {name!r}")
    admin = await asyncpg.connect(asyncpg_dsn(parsed.set(database="postgres").render_as_string(False)))
    try:
        yield admin, name
    finally:
        await admin.close()


async def ensure_database(url: str) -> bool:
    """Create the URL's database if it does not exist; True when it was created."""
    async with _server(url) as (admin, name):
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await admin.execute(f'CREATE DATABASE "{name}"')
        return True


async def drop_database(url: str) -> None:
    async with _server(url) as (admin, name):
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class UnitOfWork:
    """One business transaction: rows and the events they cause commit together (outbox).

    Flows open it, call domain code, write, `emit` events and `commit` once; data functions never
    commit. What every transaction of the database would queue for is left to the commit: the
    events are written in one statement then, the audit entries chained then, and work that takes
    a shared counter (an official number) runs as a step `at_commit`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], source: str, clock: Clock,
                 after_commit: Callable[[Wakes], None] | None = None) -> None:
        self._sessions = sessions
        self.source = source
        self.clock = clock
        self.session: AsyncSession
        self._after_commit = after_commit
        self._traceparent: str | None = None
        self._events: list[dict[str, Any]] = []
        self._steps: dict[str, Any] = {}  # key -> step, in the order kept

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        audit.defer_to_commit(self.session)
        await self.session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()

    def continue_trace(self, traceparent: str | None) -> None:
        """Emit this transaction's events in an earlier trace (e.g. the complaint's), so one
        complaint can be followed through every service however many requests act on it."""
        self._traceparent = traceparent
        self.session.info[_TRACEPARENT] = traceparent

    @property
    def traceparent(self) -> str | None:
        """The trace an event emitted now would carry: for a step at commit to emit in it."""
        return transaction_traceparent(self.session)

    async def emit(self, data: EventData, *, subject: str | None = None) -> Envelope:
        """Record an event to publish once this transaction commits."""
        envelope, row = outbox.outbox_row(source=self.source, data=data, subject=subject,
                                          time=self.clock.now(), traceparent=self._traceparent)
        self._events.append(row)
        return envelope

    def at_commit(self, key: str, make: Callable[[], Step]) -> Step:
        """The step kept under `key`, made by `make` the first time: it runs once, just before the
        commit, after the steps kept before it, and may emit events and record audit entries."""
        if key not in self._steps:
            self._steps[key] = make()
        step: Step = self._steps[key]
        return step

    async def commit(self) -> None:
        ran = 0
        while ran < len(self._steps):  # a step may keep further steps
            await list(self._steps.values())[ran]()
            ran += 1
        await outbox.write(self.session, self._events)
        await audit.append_deferred(self.session)
        await self.session.commit()
        wakes = marked_work(self.session)
        if wakes and self._after_commit is not None:
            # Wake this process's loops that have new work (relay, sweeper, senders): no NOTIFY,
            # whose lock at commit would serialise every commit of the database.
            self._after_commit(wakes)


async def apply_if_newer(session: AsyncSession, table: sa.Table, key: str,
                         values: dict[str, Any]) -> bool:
    """Upsert a read model's row from another service's versioned update (a grid, a register
    entry): applied only when its `version` is newer than the row's, so a late older update or a
    redelivered one changes nothing. True when applied."""
    statement = insert(table).values(values)
    applied = await session.execute(statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={k: v for k, v in values.items() if k != key},
        where=table.c.version < statement.excluded.version).returning(table.c[key]))
    return applied.first() is not None
