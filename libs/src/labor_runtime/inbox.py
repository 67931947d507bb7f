"""Inbox (收件箱): a consumer records each event id in the transaction of its effect."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# One statement text whatever the batch's size: prepared once per connection, never rebuilt.
_first_deliveries = sa.text(
    """
    INSERT INTO inbox (consumer, event_id, event_type)
    SELECT :consumer, e.id, e.type
      FROM unnest(CAST(:event_ids AS text[]), CAST(:event_types AS text[])) AS e(id, type)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)


async def first_deliveries(
    db: AsyncSession | AsyncConnection, *, consumer: str, events: Sequence[tuple[str, str]]
) -> set[str]:
    """Record a batch of (event id, event type) in one statement; returns the ids this consumer
    sees for the first time (a redelivery's id is not among them; an id twice counts once)."""
    if not events:
        return set()
    result = await db.execute(_first_deliveries, {
        "consumer": consumer, "event_ids": [event_id for event_id, _ in events],
        "event_types": [event_type for _, event_type in events]})
    return set(result.scalars())
