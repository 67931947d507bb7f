"""Inbox (收件箱): a consumer records each event id in the transaction of its effect."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from labor_runtime.tables import inbox


async def first_delivery(
    db: AsyncSession | AsyncConnection, *, consumer: str, event_id: str, event_type: str
) -> bool:
    """True the first time this consumer sees the event; False for a redelivery."""
    result = await db.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return result.first() is not None
