"""The loop of a service worker that claims due rows in batches (deliveries, notices), outside
any consumer: poll, or wake at once when the runtime says something was committed.

Replicas share the work through leases (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-attempt
leaves its lease to expire and another worker takes the item up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


async def lease_due(engine: AsyncEngine, table: sa.Table, *, pending: str, now: datetime,
                    limit: int, lease_seconds: float) -> list[str]:
    """Lease up to `limit` rows of `table` in status `pending` whose `next_attempt_at` has come,
    oldest first; rows leased to another worker are skipped until its `lease_until` passes.
    Returns their ids."""
    c = table.c
    due = (sa.select(c.id)
           .where(c.status == pending, c.next_attempt_at <= now,
                  sa.or_(c.lease_until.is_(None), c.lease_until < sa.func.now()))
           .order_by(c.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    async with engine.begin() as conn:
        return list((await conn.execute(
            table.update().where(c.id.in_(due))
            .values(lease_until=sa.func.now() + timedelta(seconds=lease_seconds))
            .returning(c.id))).scalars())


class BatchWorker(ABC):
    """Runs `run_once` until stopped: again at once while it claims full batches, else after
    `poll_seconds` or a wake-up. Implements `labor_runtime.runtime.Worker`.

    A subclass says how to claim due items and how to work one; the items of a batch are worked
    concurrently."""

    def __init__(self, *, batch_size: int, poll_seconds: float) -> None:
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    @abstractmethod
    async def claim(self, limit: int) -> list[str]:
        """Lease up to `limit` due items to this worker (`lease_due`); returns their ids."""

    @abstractmethod
    async def work(self, item_id: str) -> None:
        """One attempt at one claimed item, its outcome recorded before this returns."""

    async def run_once(self) -> int:
        """Claim up to `batch_size` due items and work them off; returns how many were claimed.
        Items left unfinished by a crash come back when their lease expires."""
        ids = await self.claim(self.batch_size)
        await asyncio.gather(*(self._work(item_id) for item_id in ids))
        return len(ids)

    async def _work(self, item_id: str) -> None:
        try:
            await self.work(item_id)
        except Exception:  # not recorded: the lease expires and the item is worked again
            log.exception("%s: %s not recorded", type(self).__name__, item_id)

    async def close(self) -> None:
        """Release what the worker holds (HTTP clients) once its loop has ended."""
        return None

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Claim nothing new; let the cycle in progress finish within `grace` (the runtime cancels
        it after that: its leases expire and the items are taken up again)."""
        self._stopping.set()
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace)

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                claimed = 0
                self._wake.clear()
                self._idle.clear()
                try:
                    claimed = await self.run_once()
                except Exception as exc:  # database outage: try again next tick
                    log.warning("%s cycle failed: %s", type(self).__name__, type(exc).__name__)
                finally:
                    self._idle.set()
                if claimed >= self.batch_size:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        finally:
            await self.close()
