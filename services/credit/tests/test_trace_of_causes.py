"""Issue 10 finding 6: what credit's workers emit after the transaction that caused it continues
that transaction's trace: a grade change worked off the regrading queue (the report that queued
the employer), early warnings worked off the evaluation queue (the batch that queued it, a
dropped file being the root of its own); what a run with no cause before it emits (a day's
deposit check, a republish of the register, a recomputation of the grades) shares the run's
trace."""

from __future__ import annotations

import re

import pytest
from credit.employers.republish import republish
from credit.grading.due import regrade_due
from credit.grading.recompute import recompute
from credit.grading.rules import DEFAULT_WEIGHTS
from labor_contracts.credit import WageWarningRaised
from labor_contracts.envelope import Envelope
from labor_runtime.outbox import backlog
from labor_runtime.testing import eventually, probing

from .conftest import CODE, bearer, consuming, credit_code, publish, settled, start_credit
from .test_conduct import complaint, registered, rows, ungathered  # noqa: F401 - the fixture
from .test_deposits import MISSING, PROJECT, advance
from .test_grades_recompute import seeded
from .test_register_republish import CHANGED, register_three

pytestmark = pytest.mark.integration

CAUSE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CAUSE = f"00-{CAUSE_TRACE}-00f067aa0ba902b7-01"
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")
RAISED = WageWarningRaised.event_type
OTHER = credit_code("91350100M00020000")


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


DEBTORS = ("credit_code,court_case_number,court,amount,listed_on,removed_on\n"
           f"{CODE},(2026)闽0102执123号,某市某区人民法院,86000,2026-09-01,\n"
           f"{OTHER},(2026)闽0102执124号,某市某区人民法院,42000,2026-09-02,\n")


@pytest.fixture
async def watching(infrastructure, bus_prefix, tmp_path):
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events", [RAISED]) as probe, \
            start_credit(infrastructure, bus_prefix, ingest_watch_dir=tmp_path / "inbox",
                         ingest_watch_poll_seconds=0.1, warning_poll_seconds=0.2) as service:
        await consuming(service)
        service.probe = probe
        service.probe_url, service.exchange = infrastructure.amqp_url, f"{bus_prefix}labor.events"
        yield service


def trace_of(traceparent: str | None) -> str | None:
    match = TRACEPARENT.fullmatch(traceparent or "")
    return match.group(1) if match else None


async def test_issue10_finding_6_warnings_continue_the_trace_of_the_uploaded_batch(watching):
    credit = watching
    response = await credit.client.post(
        "/v1/ingest/judgment_debtors/batches", content=DEBTORS.encode(),
        params={"reason": "monthly file"},
        headers={"Content-Type": "text/csv", "traceparent": CAUSE, **bearer("ops", subject="ops-1")})
    assert response.status_code in (200, 201), response.text
    raised = await credit.probe.wait_for(RAISED, 2)
    assert {e.subject for e in raised} == {CODE, OTHER}
    assert {trace_of(e.traceparent) for e in raised} == {CAUSE_TRACE}
    assert all(e.traceparent != CAUSE for e in raised)  # a span of the evaluation


async def test_issue10_finding_6_a_dropped_file_is_the_root_of_its_warnings_trace(watching,
                                                                                  tmp_path):
    credit = watching
    (tmp_path / "inbox" / "judgment_debtors__court.csv").write_text(DEBTORS)
    raised = await credit.probe.wait_for(RAISED, 2)
    assert {e.subject for e in raised} == {CODE, OTHER}
    [trace] = {trace_of(e.traceparent) for e in raised}  # one file, one trace
    assert trace is not None


async def test_issue10_finding_6_one_daily_deposit_check_is_one_trace(watching):
    credit = watching
    officer = bearer("officer_a", district="d01")
    for project in ("P-001", "P-002"):
        response = await credit.client.put(f"/v1/projects/{project}", json=PROJECT,
                                           headers=officer)
        assert response.status_code == 201, response.text
    async with probing(credit.probe_url, credit.exchange, [MISSING]) as findings:
        await advance(credit, 1)  # the next daily check: neither has a deposit
        found = await findings.wait_for(MISSING, 2)
    [trace] = {trace_of(e.traceparent) for e in found}
    assert trace is not None


async def test_issue10_finding_6_a_republish_run_is_one_trace(watching):
    credit = watching
    await register_three(credit)

    async def registrations_sent() -> bool:  # the probe hears the republished events only
        async with credit.runtime.engine.connect() as conn:
            return (await backlog(conn))[0] == 0

    await eventually(registrations_sent)
    async with probing(credit.probe_url, credit.exchange, [CHANGED]) as probe:
        await republish(credit.runtime.engine, source="/services/credit",
                        clock=credit.runtime.clock, batch_size=2)
        events = await probe.wait_for(CHANGED, 3)
    [trace] = {trace_of(e.traceparent) for e in events}
    assert trace is not None


async def test_issue10_finding_6_a_recompute_run_is_one_trace(watching, infrastructure,
                                                               bus_prefix):
    credit = watching
    await seeded(credit, infrastructure, bus_prefix)
    before = {row.event_id for row in await rows(credit, "SELECT event_id FROM outbox")}
    policy = credit.runtime.settings.model_copy(update={
        "indicator_weights": {**DEFAULT_WEIGHTS, "nature.wage_arrears": 25}}).grading_policy()
    done = await recompute(credit.runtime.engine, policy=policy, source="/services/credit",
                           clock=credit.runtime.clock, batch_size=2)
    assert done.changed == 2 and done.batches == 2
    changed = [Envelope.from_bytes(row.body) for row in await rows(
        credit, "SELECT event_id, body FROM outbox WHERE routing_key = 'credit.grade.changed.v1'")
        if row.event_id not in before]
    assert len(changed) == 2
    [trace] = {trace_of(e.traceparent) for e in changed}  # two batches, one run
    assert trace is not None
