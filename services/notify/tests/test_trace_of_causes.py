"""Issue 10 finding 6: what notify's workers emit after the consuming transaction (a notice told,
a document served) continues the trace of the event that caused the work, on the real broker."""

from __future__ import annotations

import re

import pytest
from labor_runtime.testing import probing

from .conftest import confirm, issued, read_in_the_mini_program
from .fakes.wechat import OPENID_SUBSCRIBED
from .test_decision_walk import delivery_of
from .test_worker_notices import registration_answer

pytestmark = pytest.mark.integration

CAUSE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CAUSE = f"00-{CAUSE_TRACE}-00f067aa0ba902b7-01"
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")


def continues_the_cause(probe, event) -> None:
    """The event's traceparent, in its envelope and as its AMQP header, is a child of `CAUSE`'s
    trace (a span of the worker, not the consumer's span of the cause)."""
    assert probe.headers[event.id]["traceparent"] == event.traceparent
    match = TRACEPARENT.fullmatch(event.traceparent or "")
    assert match is not None, event.traceparent
    assert match.group(1) == CAUSE_TRACE
    assert event.traceparent != CAUSE


async def test_issue10_finding_6_worker_notice_delivered_continues_the_trace_of_the_answer(
        infrastructure, bus_prefix, notify_channels, upstream_bus):
    event = registration_answer()
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       ["notify.worker_notice.#"]) as probe:
        await upstream_bus.publish_raw(event.type, event.to_bytes(), message_id=event.id,
                                       traceparent=CAUSE)
        [told] = await probe.wait_for("notify.worker_notice.delivered.v1")
    assert told.subject == event.data["complaint_id"]
    continues_the_cause(probe, told)


async def test_issue10_finding_6_document_served_continues_the_trace_of_the_issued_document(
        infrastructure, bus_prefix, notify, upstream_bus, mailbox, confirmed):
    event = issued()
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       ["notify.document.#"]) as probe:
        await upstream_bus.publish_raw(event.type, event.to_bytes(), message_id=event.id,
                                       traceparent=CAUSE)
        [served] = await probe.wait_for("notify.document.served.v1")
    assert served.subject == event.data["document_id"]
    continues_the_cause(probe, served)


@pytest.mark.notify_settings(delivery_plan={"channels": ["wechat", "email"]})
async def test_issue10_finding_6_a_read_receipt_serves_in_the_trace_of_the_issued_document(
        infrastructure, bus_prefix, notify_gateways, upstream_bus):
    notify = notify_gateways
    await confirm(notify, wechat=OPENID_SUBSCRIBED)
    event = issued()
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       ["notify.document.#"]) as probe:
        await upstream_bus.publish_raw(event.type, event.to_bytes(), message_id=event.id,
                                       traceparent=CAUSE)
        waiting = await delivery_of(notify, event.data["document_id"], "awaiting_proof")
        # The mini-program's backend calls back in a trace of its own.
        read = await read_in_the_mini_program(notify, waiting, notify.runtime.clock.now())
        assert read.status_code == 200, read.text
        [served] = await probe.wait_for("notify.document.served.v1")
    assert served.data["channel"] == "wechat"
    continues_the_cause(probe, served)
