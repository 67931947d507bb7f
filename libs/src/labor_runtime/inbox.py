"""Inbox (收件箱): a consumer records each event id in the transaction of its effect."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from labor_runtime.tables import inbox


async def first_deliveries(
    db: AsyncSession | AsyncConnection, *, consumer: str, events: Sequence[tuple[str, str]]
) -> set[str]:
    """Record a batch of (event id, event type) in one statement; returns the ids this consumer
    sees for the first time (a redelivery's id is not among them; an id twice counts once)."""
    if not events:
        return set()
    result = await db.execute(
        insert(inbox)
        .values([{"consumer": consumer, "event_id": event_id, "event_type": event_type}
                 for event_id, event_type in events])
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return set(result.scalars())
