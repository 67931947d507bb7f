"""Issue 3: a wage-arrears complaint from the hotline to the regulators' feeds, through all five
services, on a stack started exactly as `make up` starts it (own databases, ports and vhost)."""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from pathlib import Path

import aio_pika
import asyncpg
import pytest
from labor_contracts.envelope import Envelope
from labor_runtime.bus import declare_exchange
from labor_runtime.db import asyncpg_dsn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from scenario import Scenario, contains_personal_data, spans_by_service  # noqa: E402
from stack import SERVICES, free_port_base, start_stack, stop_stack  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(infrastructure, tmp_path_factory):
    suffix = f"_e2e{uuid.uuid4().hex[:6]}"
    server = infrastructure.database_url.rsplit("/", 1)[0]
    state = tmp_path_factory.mktemp("stack")
    running = start_stack(state, port_base=free_port_base(), db_suffix=suffix,
                          bus_prefix=f"e2e{suffix}.", amqp_url=infrastructure.amqp_url,
                          postgres_url=server)
    try:
        yield running
    finally:
        stop_stack(state, purge=True)  # its databases and its bus namespace too


@pytest.fixture(scope="module")
def bus_tap(stack):
    """A queue of the test's own bound to the stack's exchange with `#` before the scenario runs:
    every event any service publishes lands in it too."""
    import asyncio

    name = f"{stack.config.bus_prefix}e2e.trace-tap"

    async def declare() -> None:
        connection = await aio_pika.connect(stack.config.amqp_url)
        async with connection:
            channel = await connection.channel()
            exchange = await declare_exchange(channel, f"{stack.config.bus_prefix}labor.events")
            queue = await channel.declare_queue(name, durable=False, auto_delete=False)
            await queue.bind(exchange, routing_key="#")

    async def delete() -> None:  # not one of the stack's own queues: its purge leaves it
        connection = await aio_pika.connect(stack.config.amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(declare())
    yield name
    asyncio.run(delete())


@pytest.fixture(scope="module")
def outcome(stack, bus_tap):
    import asyncio

    urls = {s: stack.url(s) for s in SERVICES}
    return asyncio.run(Scenario(urls, stack.api_key("hotline_12333"), stack.mail_dir,
                                notice_dir=stack.notice_dir).run())


def test_step_1_complaint_is_idempotent_validated_and_complete(outcome):
    """R-INT-5, R-CRD-1, R-INT-2."""
    replay_status, replay = outcome.checks["replay"]
    assert replay_status == 200 and replay["complaint_id"] == outcome.complaint["complaint_id"]
    status, problem = outcome.checks["invalid_credit_code"]
    assert status == 422 and "check character" in problem["detail"]
    status, notice = outcome.checks["correction_notice"]
    assert status == 202 and notice["status"] == "awaiting_materials"
    assert notice["missing"] == ["identity_proof", "preliminary_evidence"]
    assert "一次性补正告知书" in notice["correction_notice"]["title"]


def test_step_2_case_registered_at_once_and_worker_sees_it(outcome):
    """R-CASE-3, R-INT-8."""
    assert outcome.checks["status"]["status"] == "registered"
    assert outcome.case["immediate_registration"] is True


def test_step_2_worker_told_through_the_filing_channel(outcome):
    """R-INT-2, R-INT-3: the correction notice (every missing item at once) and the registration
    answer reached the hotline's notice endpoint, signed and verified, and notify kept the receipt."""
    _, incomplete = outcome.checks["correction_notice"]
    correction = outcome.worker_notices["correction_notice"]
    assert Path(correction["path"]).is_file() and correction["channel"] == "hotline_12333"
    notice = correction["notice"]
    assert notice["tracking_code"] == incomplete["tracking_code"]
    assert notice["complaint_id"] == incomplete["complaint_id"]
    assert notice["missing"] == incomplete["missing"] == ["identity_proof", "preliminary_evidence"]
    assert notice["items"] == incomplete["correction_notice"]["items"]

    answer = outcome.worker_notices["registration_answer"]
    assert Path(answer["path"]).is_file() and answer["channel"] == "hotline_12333"
    notice = answer["notice"]
    assert notice["outcome"] == "registered"
    assert notice["tracking_code"] == outcome.complaint["tracking_code"]
    assert (notice["case_id"], notice["case_number"]) == (outcome.case["case_id"],
                                                          outcome.case["case_number"])
    for saved in (correction, answer):
        assert Path(saved["path"]).stem == saved["notice"]["notice_id"]

    records = {r["kind"]: r for r in outcome.checks["worker_notice_records"]}
    assert {k: r["status"] for k, r in records.items()} == {"correction_notice": "delivered",
                                                            "registration_answer": "delivered"}
    assert all(r["receipt"]["status_code"] == 200 for r in records.values())
    # intake learned it from notify: the 7-day deadline is met by telling, not by the decision
    handling = outcome.checks["registration_answer_told"]
    assert handling["registration_answer_told_via"] == "hotline_12333"
    deadline = next(d for d in handling["deadlines"] if d["kind"] == "intake.registration_answer")
    assert deadline["outcome"] == "met_on_time"
    assert handling["worker_notice_failure"] is None


def test_step_2_no_complainant_data_in_notices_to_the_channel(outcome):
    """R-INT-7: the channel finds its user by tracking code; no name, identity number or phone."""
    assert set(outcome.worker_notices) == {"correction_notice", "registration_answer"}
    for saved in outcome.worker_notices.values():
        text = Path(saved["path"]).read_text()
        assert saved["notice"]["tracking_code"] in text  # the file read is the notice
        assert not contains_personal_data(text)
        assert not contains_personal_data(json.dumps(saved["notice"], ensure_ascii=False))


def test_step_3_penalty_notice_then_decision_after_the_period(outcome):
    """R-ORG-2, R-CASE-5, R-CASE-6, R-DLV-4."""
    status, problem = outcome.checks["self_review"]
    assert status == 403 and problem["type"].endswith("separation-of-duties")
    status, problem = outcome.checks["early_decision"]
    assert status == 409 and problem["type"].endswith("notice-period-running")
    verify = outcome.checks["verify"]
    assert verify["genuine"] is True and verify["kind"] == "penalty_decision"
    assert verify["sha256"] == outcome.decision["sha256"]


def test_step_4_documents_e_mailed_and_payment_clock_from_service(outcome):
    """R-DLV-3: the 15 days run from the proven time of service. R-CASE-6: the credit-repair
    notice is served with the decision (notice, decision, credit-repair notice: three e-mails)."""
    from datetime import datetime, timedelta

    mails = outcome.checks["mail"]
    assert len(mails) == 3 and all(m["attachments"] for m in mails)
    assert outcome.checks["credit_repair_notice"]["title"] == "信用修复告知书"
    decision = next(d for d in outcome.case["documents"] if d["kind"] == "penalty_decision")
    served = datetime.fromisoformat(decision["served_at"])
    assert datetime.fromisoformat(outcome.case["payment_due_at"]) == served + timedelta(days=15)


def test_step_5_credit_grade_explains_itself(outcome):
    """R-CRD-2."""
    grade = outcome.grade
    assert grade["grade"] in {"A", "B", "C", "D"} and grade["explanation"]
    assert all(item["points_lost"] > 0 for item in grade["explanation"])


def test_step_6_disclosed_pushed_signed_and_pullable(outcome):
    """R-PUB-1, R-PUB-3: the subscribed partner verified the push; the other got nothing."""
    assert outcome.disclosure["employer_credit_code"] == "91350100M000100Y43"
    assert len(outcome.webhooks) == 1 and outcome.unsubscribed_webhooks == []
    items = [item for page in outcome.feed_pages for item in page["items"]]
    assert outcome.disclosure["id"] in {item["disclosure"]["id"] for item in items}
    assert all(len(page["items"]) <= 1 for page in outcome.feed_pages)


def test_step_6_no_complainant_data_in_publish_or_partner_payloads(stack, outcome):
    """R-INT-7, R-PUB-3: name, identity number and phone appear in no publish table and no push."""
    import asyncio

    async def dump() -> str:
        conn = await asyncpg.connect(asyncpg_dsn(stack.services["publish"].database_url))
        try:
            tables = [r[0] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            text = []
            for table in tables:
                rows = await conn.fetch(f'SELECT * FROM "{table}"')  # noqa: S608 - catalog names
                text.extend(str(dict(r)) for r in rows)
                text.extend(bytes(v).decode("utf-8", "replace") for r in rows for v in r.values()
                            if isinstance(v, bytes | memoryview))
            return "\n".join(text)
        finally:
            await conn.close()

    everything = asyncio.run(dump())
    assert "penalty_decision" in everything  # the dump did read the disclosures
    assert not contains_personal_data(everything)
    assert not any(contains_personal_data(hook["raw"]) for hook in outcome.webhooks)


def test_step_7_one_trace_spans_all_five_services(stack, outcome):
    import time

    deadline = time.monotonic() + 10
    while True:  # span files are flushed in batches
        found = spans_by_service(stack.spans_dir, outcome.trace_id)
        if set(found) >= set(SERVICES) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert set(found) >= set(SERVICES), found


TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")


def trace_of(traceparent: str | None) -> str | None:
    match = TRACEPARENT.fullmatch(traceparent or "")
    return match.group(1) if match else None


def test_issue10_finding_6_every_event_on_the_bus_carries_the_trace_of_its_cause(stack, outcome,
                                                                                 bus_tap):
    """Every event the walk caused carries a valid traceparent, in its envelope and as its AMQP
    header; those about the complaint (or caused by one that was) are in the complaint's trace:
    the notices told and the documents served by notify's workers, the deadlines fired by the
    sweepers."""
    import asyncio

    async def drain() -> list[tuple[Envelope, dict[str, object]]]:
        """What reached the tap, once nothing more arrives for a while (relays run after the
        scenario's last answer)."""
        taken: list[tuple[Envelope, dict[str, object]]] = []
        connection = await aio_pika.connect(stack.config.amqp_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(bus_tap)
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < 2.0:
                message = await queue.get(no_ack=True, fail=False)
                if message is None:
                    await asyncio.sleep(0.1)
                    continue
                taken.append((Envelope.from_bytes(message.body), dict(message.headers or {})))
                quiet_since = time.monotonic()
        return taken

    events = asyncio.run(drain())
    untraced = [(e.type, e.traceparent, h.get("traceparent")) for e, h in events
                if trace_of(e.traceparent) is None or h.get("traceparent") != e.traceparent]
    assert untraced == []

    # The walked complaint's events and its case's, whichever service or worker emitted them, are
    # in the trace its filing started; each other complaint's (the incomplete one) in its own.
    complaint_id, case_id = outcome.complaint["complaint_id"], outcome.case["case_id"]
    walked = [e for e, _ in events if complaint_id in (e.subject, e.data.get("complaint_id"),
                                                       e.data.get("subject"))
              or case_id in (e.subject, e.data.get("case_id"))]
    assert {"intake.complaint.accepted.v1", "cases.case.registered.v1",
            "notify.worker_notice.delivered.v1", "notify.document.served.v1",
            "runtime.deadline.overdue.v1"} <= {e.type for e in walked}
    assert [(e.type, e.traceparent) for e in walked if trace_of(e.traceparent) != outcome.trace_id
            ] == []
    traces: dict[str, set[str | None]] = {}
    for e, _ in events:
        if "complaint_id" in e.data:
            traces.setdefault(e.data["complaint_id"], set()).add(trace_of(e.traceparent))
    assert len(traces) == 2 and all(len(found) == 1 for found in traces.values()), traces


def test_issue10_readme_make_demo_walks_the_stack_of_the_same_variables(stack, outcome):
    """`make demo` with the variables this stack was started with (its own state directory,
    ports, databases and bus prefix) walks it, not the developer's default stack. Last in this
    module: it files one more complaint."""
    import subprocess

    from tests.deploy.test_demo import demo_command

    config = stack.config
    argv = demo_command({"STATE_DIR": str(config.state_dir), "PORT_BASE": str(config.port_base),
                         "DB_SUFFIX": config.db_suffix, "BUS_PREFIX": config.bus_prefix,
                         "SERVICES": ",".join(SERVICES)})
    result = subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "partner webhook verified" in result.stdout
    assert f"verified at the hotline_12333 endpoint: {stack.notice_dir}" in result.stdout
    assert "spans in the complaint's trace: " in result.stdout
