"""Issue 10 finding 6: a grade change worked off the regrading queue after the consuming
transaction continues the trace of the report that queued the employer."""

from __future__ import annotations

import re

import pytest
from credit.grading.due import regrade_due
from labor_contracts.envelope import Envelope

from .conftest import CODE, publish, settled
from .test_conduct import complaint, registered, rows, ungathered  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration

CAUSE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CAUSE = f"00-{CAUSE_TRACE}-00f067aa0ba902b7-01"
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")


async def test_issue10_finding_6_a_queued_regrade_continues_the_trace_of_its_report(
        ungathered, infrastructure, bus_prefix):  # noqa: F811 - the fixture
    credit = ungathered
    await registered(credit)
    registration = {row.event_id for row in await rows(credit, "SELECT event_id FROM outbox")}
    burst = [complaint().model_copy(update={"traceparent": CAUSE}) for _ in range(30)]
    await publish(infrastructure, bus_prefix, *burst)
    await settled(credit, len(burst))
    [queued] = await rows(credit, "SELECT traceparent FROM grades_due")
    assert queued.traceparent is not None and CAUSE_TRACE in queued.traceparent
    assert await regrade_due(credit.runtime, limit=500) == 1
    [changed] = [Envelope.from_bytes(row.body) for row in await rows(
        credit, "SELECT event_id, body FROM outbox WHERE routing_key = 'credit.grade.changed.v1'")
        if row.event_id not in registration]
    assert changed.subject == CODE
    match = TRACEPARENT.fullmatch(changed.traceparent or "")
    assert match is not None and match.group(1) == CAUSE_TRACE, changed.traceparent
