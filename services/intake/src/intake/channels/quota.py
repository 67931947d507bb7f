"""Channel quotas in intake's database (R-INT-1): every replica spends from the same windows.

One statement per request adds its cost to the client's current window only while the sum stays
within the limit; no row returned means refused and nothing spent. Concurrent requests on any
replica therefore never spend more than the limit together, and the window's row is locked only
for that statement: it runs on a connection of its own (`QuotaBook`), before and outside the
complaint's transaction. So a request that is admitted and then fails (invalid, a duplicate, a
database error) has still spent its share, as on any rate-limited API.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from labor_runtime.db import create_engine

from intake.channels.models import channel_quota_windows
from intake.channels.rules import QUOTA_RETENTION, quota_window, retry_after_seconds

# The SELECT ... WHERE refuses a cost above the limit in a window nobody has spent from yet.
_SPEND = sa.text(
    """
    INSERT INTO channel_quota_windows (client, window_start, used)
    SELECT :client, :window_start, :cost WHERE :cost <= :limit
    ON CONFLICT (client, window_start) DO UPDATE SET used = channel_quota_windows.used + :cost
    WHERE channel_quota_windows.used + :cost <= :limit
    RETURNING used
    """
).bindparams(sa.bindparam("client", type_=sa.Text),
             sa.bindparam("window_start", type_=sa.DateTime(timezone=True)),
             sa.bindparam("cost", type_=sa.Integer), sa.bindparam("limit", type_=sa.Integer))


class QuotaBook:
    """The quota windows, spent through a small pool of its own whose connections commit without
    waiting for the disk (a rate limit need not survive a crash): one round trip per request, and
    the window's row is locked for microseconds, not for a WAL flush. Complaints keep the
    runtime's durable pool."""

    def __init__(self, database_url: str) -> None:
        # No overflow: a spend holds its connection for one statement, and overflow connections
        # were opened and closed per request under load (a connection set-up each time).
        self.engine = create_engine(database_url, pool_size=4, max_overflow=0,
                                    server_settings={"synchronous_commit": "off"})

    async def close(self) -> None:
        await self.engine.dispose()

    async def spend(self, *, client: str, cost: int, limit: int, now: datetime) -> int:
        """Spend `cost` units of `client`'s quota in the window of `now` (the service's clock, not
        the database's): 0 when spent, else the seconds until the window ends, with nothing spent
        (a batch larger than what remains takes nothing)."""
        window = quota_window(now)
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            used = (await conn.execute(_SPEND, {"client": client, "window_start": window,
                                                "cost": cost, "limit": limit})).scalar_one_or_none()
            if used is None:
                return retry_after_seconds(now, window)
            if used == cost:
                # This request opened the window (cost >= 1, so an update always returns more):
                # once a minute per client, fleet-wide, drop the windows nobody needs any more.
                # Bounded: the table holds at most an hour of windows per client.
                await conn.execute(channel_quota_windows.delete().where(
                    channel_quota_windows.c.window_start < window - QUOTA_RETENTION))
        return 0
