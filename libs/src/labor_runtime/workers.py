"""The one loop every background worker of a service runs (outbox relay, timer sweeper, delivery
workers, periodic refreshers): do a cycle, then sleep until there is work.

A loop wakes for three reasons only:
- a commit of this process created work for it: the transaction was marked with
  `created_work(session, table)` for the table the loop works off (a new delivery, an outbox row,
  a timer), and the unit of work wakes the loops of the tables it marked once it has committed;
- the next due time the cycle read from its table (a retry's backoff, a lease running out, the
  next deadline) has come;
- the fallback poll, for work other processes committed (another replica, a command line tool).

Never because of its own bookkeeping: a claim or a settle marks nothing, so a loop that finds
nothing to do sleeps (an earlier design woke every worker after every commit, its own claims
included, and one service spun at 0.6 of a core doing nothing).

Replicas share the work through leases (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-attempt
leaves its lease to expire and another worker takes the item up again.

A work table with a `traceparent` column (the trace of the transaction that created the item)
has each item worked in a span continuing that trace, so the events the work emits belong to the
trace of their cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from labor_runtime.tracing import UNEXPORTED, continued

log = logging.getLogger(__name__)

WAKES = "labor_runtime.wakes"


Wakes = Mapping[str, datetime | None]
"""Tables a transaction created work in, each with when that work falls due (None: at once)."""


def created_work(session: AsyncSession, table: sa.Table | str, *,
                 due: datetime | None = None) -> None:
    """Mark the session's transaction as having created work in `table`, due at once or at `due`
    (a deadline): once it commits, the unit of work wakes the loops working off that table, if
    they would otherwise sleep past it."""
    name = table if isinstance(table, str) else table.name
    marks: dict[str, datetime | None] = session.info.setdefault(WAKES, {})
    if name in marks:
        earlier = marks[name]
        due = None if earlier is None or due is None else min(earlier, due)
    marks[name] = due


def marked_work(session: AsyncSession) -> Wakes:
    """The work the session's transaction created (`created_work`); clears the marks."""
    marks: dict[str, datetime | None] = session.info.pop(WAKES, {})
    return marks


class Loop(ABC):
    """A background loop: `cycle`, then sleep until woken, the cycle's next due time, or the
    fallback poll. `Runtime.add_worker` runs one with the service.

    `tables`: the tables whose new work wakes this loop (see `created_work`); empty for a loop
    that only refreshes on its own schedule.
    """

    tables: frozenset[str] = frozenset()
    # Whether a shift of the service's clock may have made work due (deadlines, retries).
    follows_clock = True

    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._asleep_until: float | None = None  # event-loop time the current sleep ends

    @abstractmethod
    async def cycle(self) -> float | None:
        """One round of work. Returns the seconds until more work is due (0: at once, e.g. after a
        full batch), or None when the table shows none: sleep until woken or the poll."""

    async def close(self) -> None:
        """Release what the loop holds (HTTP clients) once it has ended."""
        return None

    def wake(self, in_seconds: float | None = None) -> None:
        """Look for work now; with `in_seconds`, only if the loop would sleep past the moment the
        new work falls due (a deadline days away does not interrupt a sleep ending sooner)."""
        asleep_until = self._asleep_until
        if (in_seconds is not None and asleep_until is not None
                and asyncio.get_running_loop().time() + in_seconds >= asleep_until):
            return
        self._wake.set()

    def created(self, wakes: Wakes, now: datetime) -> None:
        """A commit of this process created `wakes`: wake if any of it is this loop's."""
        for table in self.tables.intersection(wakes):
            due = wakes[table]
            self.wake(None if due is None else (due - now).total_seconds())

    async def stop(self, grace: float = 10.0) -> None:
        """Start nothing new; let the cycle in progress finish within `grace` (the runtime cancels
        it after that: leases expire and the items are taken up again)."""
        self._stopping.set()
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace)

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before the cycle: a commit during it wakes the next one
                self._idle.clear()
                delay: float | None = None
                try:
                    delay = await self.cycle()
                except Exception as exc:  # database or broker outage: try again at the poll
                    log.warning("%s cycle failed: %s: %s", type(self).__name__,
                                type(exc).__name__, exc)
                finally:
                    self._idle.set()
                if delay is not None and delay <= 0:
                    continue
                timeout = self.poll_seconds if delay is None else min(delay, self.poll_seconds)
                self._asleep_until = asyncio.get_running_loop().time() + timeout
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=timeout)
                finally:
                    self._asleep_until = None
        finally:
            await self.close()


def seconds_until(due: datetime | None, now: datetime) -> float | None:
    """A cycle's answer for the next due time read from its table (None: nothing due)."""
    if due is None:
        return None
    return max((due - now).total_seconds(), 0.0)


def _in_status(table: sa.Table, pending: str | Sequence[str]) -> sa.ColumnElement[bool]:
    if isinstance(pending, str):
        return table.c.status == pending
    return table.c.status.in_(list(pending))


class Leased(NamedTuple):
    """An item leased to a worker, with the trace of its cause (None: its table keeps none)."""

    id: str
    traceparent: str | None


async def lease_due(engine: AsyncEngine, table: sa.Table, *, pending: str | Sequence[str],
                    now: datetime, limit: int, lease_seconds: float) -> list[Leased]:
    """Lease up to `limit` rows of `table` in status `pending` (or one of several) whose
    `next_attempt_at` has come, oldest first; rows leased to another worker are skipped until
    its `lease_until` passes. Returns them with the trace each keeps, if the table has a
    `traceparent` column. One statement: `engine` may be autocommit (`Runtime.reader`)."""
    c = table.c
    traceparent = c.traceparent if "traceparent" in c else sa.null()
    due = (sa.select(c.id)
           .where(_in_status(table, pending), c.next_attempt_at <= now,
                  sa.or_(c.lease_until.is_(None), c.lease_until < sa.func.now()))
           .order_by(c.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    async with engine.begin() as conn:
        return [Leased(row[0], row[1]) for row in await conn.execute(
            table.update().where(c.id.in_(due))
            .values(lease_until=sa.func.now() + timedelta(seconds=lease_seconds))
            .returning(c.id, traceparent))]


async def next_due(engine: AsyncEngine, table: sa.Table, *,
                   pending: str | Sequence[str]) -> datetime | None:
    """When the next row of `table` in status `pending` (or one of several) can be leased: its
    attempt time, or the end of the lease another worker holds on it."""
    c = table.c
    async with engine.connect() as conn:
        due = (await conn.execute(
            sa.select(sa.func.min(sa.func.greatest(
                c.next_attempt_at, sa.func.coalesce(c.lease_until, c.next_attempt_at))))
            .where(_in_status(table, pending)))).scalar_one()
    return due if isinstance(due, datetime) else None


class BatchWorker(Loop):
    """Claims due items in batches and works each batch concurrently (deliveries, notices); a
    subclass says how to claim, how to work one item and when the next one is due. Each item is
    worked in a span continuing the trace it was leased with (`tracer`: the service's)."""

    def __init__(self, *, batch_size: int, poll_seconds: float,
                 tracer: trace.Tracer = UNEXPORTED) -> None:
        super().__init__(poll_seconds=poll_seconds)
        self.batch_size = batch_size
        self.tracer = tracer

    @abstractmethod
    async def claim(self, limit: int) -> list[Leased]:
        """Lease up to `limit` due items to this worker (`lease_due`)."""

    @abstractmethod
    async def work(self, item_id: str) -> None:
        """One attempt at one claimed item, its outcome recorded before this returns."""

    @abstractmethod
    async def next_due(self) -> float | None:
        """Seconds until the next item can be claimed (`next_due`), None when there is none."""

    async def run_once(self) -> int:
        """Claim up to `batch_size` due items and work them off; returns how many were claimed.
        Items left unfinished by a crash come back when their lease expires."""
        items = await self.claim(self.batch_size)
        if items:
            await self.work_batch(items)
        return len(items)

    async def work_batch(self, items: list[Leased]) -> None:
        """Work a claimed batch: each item on its own, concurrently, unless a subclass can do
        better together (one transaction for the batch's outcomes, each item's part of it
        `in_trace_of` the item)."""
        await asyncio.gather(*(self._work(item) for item in items))

    def in_trace_of(self, item: Leased) -> contextlib.AbstractContextManager[trace.Span]:
        """The span working `item` runs in: a child of the trace of its cause."""
        return continued(self.tracer, item.traceparent, f"{type(self).__name__} {item.id}")

    async def cycle(self) -> float | None:
        if await self.run_once() >= self.batch_size:
            return 0.0
        return await self.next_due()

    async def _work(self, item: Leased) -> None:
        with self.in_trace_of(item):
            try:
                await self.work(item.id)
            except Exception:  # not recorded: the lease expires and the item is worked again
                log.exception("%s: %s not recorded", type(self).__name__, item.id)


class Periodic(Loop):
    """A loop that recomputes something on its own schedule (gauges, a reference table); no
    commit or clock shift wakes it (a year-to-date gauge over a million cases is seconds of
    database time)."""

    follows_clock = False

    def __init__(self, *, interval: float) -> None:
        super().__init__(poll_seconds=interval)

    @abstractmethod
    async def refresh(self) -> object:
        """Recompute; a failure is logged and tried again at the next interval."""

    async def cycle(self) -> float | None:
        await self.refresh()
        return None
