"""Issue 10 finding 6: a major case's milestone clocks fire their alerts in the trace of the
complaint that made the case major, on the real broker and database."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from labor_contracts.envelope import Envelope, schema_url
from labor_runtime.testing import eventually

from .conftest import OFFICER, complaint, later

pytestmark = pytest.mark.integration

CAUSE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CAUSE = f"00-{CAUSE_TRACE}-00f067aa0ba902b7-01"
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")
MISSED = "cases.major_case.milestone_missed.v1"
OVERDUE = "runtime.deadline.overdue.v1"


async def test_issue10_finding_6_milestone_missed_and_overdue_continue_the_complaints_trace(cases):
    accepted = complaint(worker_count=30, arrears="200000.00")  # R-MAJ-1: major on opening
    envelope = Envelope(id=str(uuid.uuid4()), source="/services/intake", type=accepted.event_type,
                        subject=accepted.complaint_id, dataschema=schema_url(accepted.event_type),
                        traceparent=CAUSE, data=accepted.model_dump(mode="json"))
    await cases.upstream.publisher.publish_raw(envelope.type, envelope.to_bytes(),
                                               message_id=envelope.id, traceparent=CAUSE)
    found: list[dict] = []

    async def major() -> bool:
        found[:] = (await cases.client.get("/v1/cases", params={
            "complaint_id": accepted.complaint_id}, headers=OFFICER)).json()
        return bool(found) and found[0]["state"] != "received"

    await eventually(major)
    await later(cases, timedelta(days=2))  # the four clocks of two days or less run out unmet
    missed = await cases.probe.wait_for(MISSED, 4)
    overdue = await cases.probe.wait_for(OVERDUE, 4)
    assert {e.data["case_id"] for e in missed} == {found[0]["case_id"]}
    for event in [*missed, *overdue]:
        assert cases.probe.headers[event.id]["traceparent"] == event.traceparent
        match = TRACEPARENT.fullmatch(event.traceparent or "")
        assert match is not None, (event.type, event.traceparent)
        assert match.group(1) == CAUSE_TRACE, event.type
        assert event.traceparent != CAUSE  # a span of the firing, a child in the cause's trace
