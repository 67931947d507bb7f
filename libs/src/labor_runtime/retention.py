"""Retention (保存期限) of the messaging bookkeeping: sent outbox rows and processed inbox ids are
kept for a configurable time (audit, replay, de-duplication of late redeliveries), then deleted,
so the tables do not grow with every event the service ever handled.

Unsent outbox rows are never deleted. An inbox id must outlive every redelivery of its event: the
broker redelivers within minutes, and a dead-lettered event was never processed, so it has no id
to lose when ops replay it weeks later.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from labor_runtime.workers import Periodic

log = logging.getLogger(__name__)

# Deleted in chunks, each its own transaction: no long lock, no huge WAL burst.
CHUNK = 5000

_delete_outbox = sa.text(
    "DELETE FROM outbox WHERE ctid IN (SELECT ctid FROM outbox "
    "WHERE sent_at < now() - make_interval(secs => :age) LIMIT :chunk)")
_delete_inbox = sa.text(
    "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox "
    "WHERE processed_at < now() - make_interval(secs => :age) LIMIT :chunk)")


async def delete_expired(engine: AsyncEngine, *, outbox_hours: float, inbox_hours: float) -> int:
    """Delete sent outbox rows older than `outbox_hours` and inbox ids older than `inbox_hours`;
    returns how many rows went."""
    deleted = 0
    for statement, hours in ((_delete_outbox, outbox_hours), (_delete_inbox, inbox_hours)):
        while True:
            async with engine.begin() as conn:
                count = (await conn.execute(statement, {"age": hours * 3600,
                                                        "chunk": CHUNK})).rowcount
            deleted += count
            if count < CHUNK:
                break
    return deleted


class Retention(Periodic):
    """Applies the retention periods every `interval` seconds."""

    def __init__(self, engine: AsyncEngine, *, outbox_hours: float, inbox_hours: float,
                 interval: float) -> None:
        super().__init__(interval=interval)
        self.engine = engine
        self.outbox_hours = outbox_hours
        self.inbox_hours = inbox_hours

    async def refresh(self) -> int:
        deleted = await delete_expired(self.engine, outbox_hours=self.outbox_hours,
                                       inbox_hours=self.inbox_hours)
        if deleted:
            log.info("retention: %d outbox and inbox rows deleted", deleted)
        return deleted
