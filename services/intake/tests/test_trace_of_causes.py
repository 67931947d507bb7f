"""Issue 10 finding 6: an R-INT-3 deadline started in the hot path that files a complaint fires its
overdue event in the complaint's trace, as a child of it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_runtime.testing import swept

from .handling_support import body

pytestmark = pytest.mark.integration

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")


async def test_issue10_finding_6_a_missed_r_int_3_deadline_fires_in_the_complaints_trace(intake):
    response = await intake.client.post("/v1/complaints", json=body(), headers={
        "X-API-Key": intake.hotline_key, "Idempotency-Key": f"key-{uuid.uuid4().hex}",
        "traceparent": CALLER})
    assert response.status_code == 201, response.text
    intake.runtime.clock.advance(timedelta(hours=1, minutes=5))
    await swept(intake.runtime.sweeper)
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT body, traceparent FROM outbox ORDER BY id"))).all()
    events = {Envelope.from_bytes(row.body).type: row.traceparent for row in rows}
    assert set(events) == {"intake.complaint.accepted.v1", "runtime.deadline.overdue.v1"}
    filed, fired = (TRACEPARENT.fullmatch(events[t] or "") for t in sorted(events))
    assert filed is not None and fired is not None, events
    assert filed.group(1) == fired.group(1) == CALLER_TRACE
    assert fired.group(2) != filed.group(2)  # the firing is a span of its own
