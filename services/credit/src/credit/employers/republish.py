"""Republish the register (一户一档, R-CRD-1, R-ORG-1): every employer's current state again as
credit.employer.changed.v1, for employers registered before the event existed and for a consumer
rebuilding its read model (`credit-service register republish`, employers/cli.py).

The version is not bumped. A consumer applies an update only when it is newer than the one it
holds (intake's `register_is_newer`): one that never applied version N applies it, one that did
ignores it, and it holds those data already. A consumer rebuilding from scratch starts without
versions, so it applies everything. Rows are read without locks: a registrar changing an employer
meanwhile emits the next version, which wins over the republished one in whatever order they
arrive.

Each batch is one transaction that writes outbox rows (the running service's relay publishes them
within OUTBOX_POLL_SECONDS), walked in credit-code order: a run that stopped after reporting
`"after": CODE` resumes with `--after CODE`, and a repeated run only sends updates that change
nothing. Only the published fields are read (`rules.PUBLISHED`): no personal data (R-INT-7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from labor_runtime.clock import Clock
from labor_runtime.outbox import enqueue
from labor_runtime.tracing import UNEXPORTED, continued
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncEngine

from credit.employers import rules
from credit.employers.flows import register_changed
from credit.employers.models import employers

_COLUMNS = [employers.c.credit_code, employers.c.version, employers.c.updated_at,
            *(employers.c[field] for field in rules.PUBLISHED)]


@dataclass(frozen=True)
class Progress:
    batches: int
    republished: int
    after: str | None  # the last credit code republished: `--after` resumes from there


async def republish(engine: AsyncEngine, *, source: str, clock: Clock, district: str | None = None,
                    batch_size: int = 500, after: str | None = None,
                    on_batch: Callable[[Progress], None] | None = None,
                    tracer: trace.Tracer = UNEXPORTED) -> Progress:
    """Emit every employer (of `district`, when given) with a credit code above `after`, one
    transaction of `batch_size` employers at a time; `on_batch` hears of each committed batch.
    The run is what its events follow from: they share its trace (`tracer`: the service's when
    one runs it)."""
    with continued(tracer, None, "republish the employer register"):
        return await _republish(engine, source=source, clock=clock, district=district,
                                batch_size=batch_size, after=after, on_batch=on_batch)


async def _republish(engine: AsyncEngine, *, source: str, clock: Clock, district: str | None,
                     batch_size: int, after: str | None,
                     on_batch: Callable[[Progress], None] | None) -> Progress:
    progress = Progress(0, 0, after)
    while True:
        query = sa.select(*_COLUMNS).order_by(employers.c.credit_code).limit(batch_size)
        if progress.after is not None:
            query = query.where(employers.c.credit_code > progress.after)
        if district is not None:
            query = query.where(employers.c.district == district)
        async with engine.begin() as conn:
            rows = (await conn.execute(query)).all()
            now = clock.now()
            for row in rows:
                await enqueue(conn, source=source, data=register_changed(row),
                              subject=row.credit_code, time=now)
        if not rows:
            return progress
        progress = Progress(progress.batches + 1, progress.republished + len(rows),
                            rows[-1].credit_code)
        if on_batch is not None:
            on_batch(progress)
        if len(rows) < batch_size:
            return progress
