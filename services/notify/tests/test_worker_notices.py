"""Notices to the worker through the filing channel (R-INT-2, R-INT-3) on the real broker and
database, with a real HTTP server as the channel's notice endpoint."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_contracts.intake import CorrectionNoticeIssued, RegistrationAnswerIssued
from labor_runtime.crypto import mask
from labor_runtime.testing import eventually, probing, statements_sent
from notify.worker_notices.handlers import handlers as worker_notice_handlers
from notify.worker_notices.worker import WorkerNoticeWorker
from standardwebhooks import Webhook

from .conftest import CHANNEL_SECRET, NOTICES, free_port, publish, staff_headers

pytestmark = pytest.mark.integration

MISSING = ["identity_proof", "preliminary_evidence"]
ITEMS = ["worker's identity proof (身份证明)",
         "preliminary evidence of the arrears: payslip, chat record, attendance record or similar "
         "(初步证据)"]
NOTICE_KEYS = {"notice_id", "kind", "title", "tracking_code", "complaint_id", "channel", "issued_at"}
# What would identify the worker (R-INT-7): a name field, an identity number, a phone number.
# An identity or phone number stands alone: a run of digits inside a UUID (e16000254785) is not one.
PERSONAL = re.compile(r"name|phone|id_number|(?<![0-9A-Za-z])(\d{17}[\dX]|1[3-9]\d{9})(?![0-9A-Za-z])")
DELIVERED = "notify.worker_notice.delivered.v1"
FAILED = "notify.worker_notice.failed.v1"


def tracking_code() -> str:
    return "TS-" + uuid.uuid4().hex[:16]


def correction_notice(channel: str = "hotline_12333", code: str | None = None,
                      district: str = "d01") -> Envelope:
    complaint_id = str(uuid.uuid4())
    data = CorrectionNoticeIssued(complaint_id=complaint_id, tracking_code=code or tracking_code(),
                                  channel=channel, missing=MISSING, items=ITEMS,
                                  issued_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                                  district=district)
    return Envelope(source="/services/intake", type=data.event_type, subject=complaint_id,
                    data=data.model_dump(mode="json"))


def registration_answer(outcome: str = "not_registered", channel: str = "hotline_12333",
                        district: str = "d01") -> Envelope:
    complaint_id = str(uuid.uuid4())
    data = RegistrationAnswerIssued(
        complaint_id=complaint_id, tracking_code=tracking_code(), channel=channel,
        outcome=outcome, reason="不属于劳动保障监察管辖范围，请向劳动人事争议仲裁委员会申请仲裁",
        case_id="case-7", case_number=None, answered_at=datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
        district=district)
    return Envelope(source="/services/intake", type=data.event_type, subject=complaint_id,
                    data=data.model_dump(mode="json"))


async def notices(service, complaint_id: str | None = None) -> list:
    query = "SELECT * FROM worker_notices"
    if complaint_id is not None:
        query += " WHERE complaint_id = :c"
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text(query + " ORDER BY created_at"),
                                        {"c": complaint_id})).all())


async def wait_notice(service, complaint_id: str, status: str, attempts: int | None = None):
    async def reached():
        found = await notices(service, complaint_id)
        return bool(found) and found[0].status == status and (
            attempts is None or found[0].attempts == attempts)

    await eventually(reached, timeout=30)
    [notice] = await notices(service, complaint_id)
    return notice


async def told_intake(service, routing_key: str, complaint_id: str) -> list[dict]:
    """The outcome events notify committed for intake about one complaint (its outbox)."""
    async with service.runtime.engine.connect() as conn:
        bodies = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = :k ORDER BY id"), {"k": routing_key}
        )).scalars().all()
    return [d for d in (json.loads(b)["data"] for b in bodies) if d["complaint_id"] == complaint_id]


def without_tracking_code(event: dict, code: str) -> bool:
    """R-INT-7: not the code, not even masked, nor anything personal."""
    text = json.dumps(event, ensure_ascii=False)
    return code not in text and mask(code) not in text and "tracking" not in text \
        and not PERSONAL.search(text)


@pytest.fixture
async def outcomes(infrastructure, bus_prefix):
    """What notify really published for intake, read off the exchange."""
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       ["notify.worker_notice.#"]) as probe:
        yield probe


def notice_worker(service) -> WorkerNoticeWorker:
    [worker] = [w for w in service.runtime.workers if isinstance(w, WorkerNoticeWorker)]
    return worker


def verified(request) -> dict:
    """What the channel's vendor does with the reference library: raises unless signed by the secret."""
    payload = Webhook(CHANNEL_SECRET).verify(request.body, request.headers)
    assert payload == json.loads(request.body)
    return payload


async def test_r_int_2_correction_notice_reaches_the_filing_channel(notify_channels, upstream_bus,
                                                                     channel_endpoint):
    event = correction_notice()
    complaint_id = event.data["complaint_id"]
    await publish(upstream_bus, event)
    notice = await wait_notice(notify_channels, complaint_id, "delivered")

    [request] = channel_endpoint.at(NOTICES)
    assert request.path == "/notices"
    assert request.headers["content-type"] == "application/json"
    body = verified(request)
    assert request.headers["webhook-id"] == body["notice_id"] == notice.id
    # R-INT-2: every missing item in the one notice.
    assert body["kind"] == "correction_notice" and "一次性补正告知书" in body["title"]
    assert body["missing"] == MISSING and body["items"] == ITEMS
    assert body["tracking_code"] == event.data["tracking_code"]
    assert body["complaint_id"] == complaint_id and body["channel"] == "hotline_12333"
    assert body["issued_at"] == "2026-03-02T09:30:00+00:00"
    # R-INT-7: nothing but what the channel needs to find its user, and the notice as a PDF
    # (its text is checked in test_correction_notice_document; base64 is no text to search).
    assert set(body) == NOTICE_KEYS | {"missing", "items", "document"}
    body["document"].pop("content_b64")
    assert not PERSONAL.search(json.dumps(body, ensure_ascii=False))

    # The channel's answer is the receipt.
    assert notice.attempts == 1 and notice.receipt_status == 200
    assert notice.receipt_sha256 == hashlib.sha256(b'{"accepted":true}').hexdigest()
    assert notice.receipt_excerpt == '{"accepted":true}'
    response = await notify_channels.client.get(
        "/v1/worker-notices", params={"status": "delivered", "channel": "hotline_12333"},
        headers=staff_headers("officer_a"))
    assert response.status_code == 200, response.text
    [view] = response.json()
    assert view["id"] == notice.id and view["kind"] == "correction_notice"
    assert view["receipt"]["status_code"] == 200
    assert view["tracking_code"] == mask(event.data["tracking_code"])
    assert event.data["tracking_code"] not in response.text


async def test_r_int_3_registration_answer_reaches_the_filing_channel(notify_channels, upstream_bus,
                                                                      channel_endpoint, outcomes):
    event = registration_answer()
    await publish(upstream_bus, event)
    notice = await wait_notice(notify_channels, event.data["complaint_id"], "delivered")
    [request] = channel_endpoint.at(NOTICES)
    body = verified(request)
    assert body["kind"] == "registration_answer"
    assert (body["outcome"], body["reason"], body["case_id"]) == (
        "not_registered", event.data["reason"], "case-7")
    assert body["tracking_code"] == event.data["tracking_code"]
    assert set(body) == NOTICE_KEYS | {"outcome", "reason", "case_id", "case_number"}

    # R-INT-3: intake is told the worker is told, on the bus, without the tracking code (R-INT-7)
    [told] = await outcomes.wait_for(DELIVERED)
    assert told.subject == event.data["complaint_id"]
    assert told.data == {
        "notice_id": notice.id, "complaint_id": event.data["complaint_id"],
        "kind": "registration_answer", "channel": "hotline_12333",
        "issued_at": "2026-03-05T10:00:00Z", "delivered_at": told.data["delivered_at"],
        "status_code": 200, "attempts": 1}
    assert datetime.fromisoformat(told.data["delivered_at"]) == notice.delivered_at
    assert without_tracking_code(told.data, event.data["tracking_code"])
    assert outcomes.of(FAILED) == []


async def test_r_int_3_unavailable_channel_is_retried_with_the_same_notice_then_delivered_once(
        notify_channels, upstream_bus, channel_endpoint):
    channel_endpoint.answer(NOTICES, (503, {}, b"maintenance"), (200, {}, b"ok"))
    event = registration_answer("registered")
    complaint_id = event.data["complaint_id"]
    await publish(upstream_bus, event)
    notice = await wait_notice(notify_channels, complaint_id, "pending", attempts=1)
    assert notice.last_status_code == 503 and notice.last_error == "HTTP 503: maintenance"
    assert notice.next_attempt_at - notice.updated_at == timedelta(seconds=30)
    assert len(channel_endpoint.at(NOTICES)) == 1  # not before the pause is over

    notify_channels.runtime.clock.advance(timedelta(seconds=30))
    notice = await wait_notice(notify_channels, complaint_id, "delivered")
    first, second = channel_endpoint.at(NOTICES)
    assert first.body == second.body  # the same notice, byte for byte
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == notice.id
    verified(first)
    verified(second)
    assert (notice.attempts, notice.receipt_status, notice.last_error) == (2, 200, None)

    notify_channels.runtime.clock.advance(timedelta(hours=1))  # delivered: never sent again
    await notice_worker(notify_channels).run_once()
    assert len(channel_endpoint.at(NOTICES)) == 2
    # intake heard nothing while it was retried, then exactly one delivered (R-INT-3)
    [told] = await told_intake(notify_channels, DELIVERED, complaint_id)
    assert (told["notice_id"], told["attempts"], told["status_code"]) == (notice.id, 2, 200)
    assert await told_intake(notify_channels, FAILED, complaint_id) == []


async def test_r_int_2_notice_refused_with_400_fails_at_once_with_the_reason(
        notify_channels, upstream_bus, channel_endpoint, caplog):
    code = tracking_code()
    channel_endpoint.answer(NOTICES, (400, {"content-type": "application/json"},
                             json.dumps({"error": f"unknown tracking code {code}"}).encode()))
    event = correction_notice(code=code)
    with caplog.at_level(logging.WARNING):
        await publish(upstream_bus, event)
        notice = await wait_notice(notify_channels, event.data["complaint_id"], "failed")
    assert notice.attempts == 1 and notice.last_status_code == 400
    assert notice.failure_reason.startswith("refused by the channel, not retried: HTTP 400: ")
    assert "unknown tracking code " + mask(code) in notice.failure_reason
    assert code not in notice.failure_reason
    # Never the full tracking code in the logs.
    assert mask(code) in caplog.text and code not in caplog.text

    notify_channels.runtime.clock.advance(timedelta(hours=1))
    await notice_worker(notify_channels).run_once()
    assert len(channel_endpoint.at(NOTICES)) == 1
    # intake learns it once, without the reply (it quoted the tracking code) (R-INT-3, R-INT-7)
    [told] = await told_intake(notify_channels, FAILED, event.data["complaint_id"])
    assert (told["notice_id"], told["kind"], told["channel"]) == (
        notice.id, "correction_notice", "hotline_12333")
    assert (told["cause"], told["reason"], told["last_status_code"], told["attempts"]) == (
        "refused", "refused by the channel: HTTP 400", 400, 1)
    assert without_tracking_code(told, code)
    assert await told_intake(notify_channels, DELIVERED, event.data["complaint_id"]) == []


async def test_r_int_2_channel_without_endpoint_fails_at_once(notify_channels, upstream_bus,
                                                              channel_endpoint):
    event = correction_notice(channel="wechat_miniprogram")
    await publish(upstream_bus, event)
    notice = await wait_notice(notify_channels, event.data["complaint_id"], "failed")
    assert notice.attempts == 0
    assert "no notice endpoint configured for channel 'wechat_miniprogram'" in notice.failure_reason
    assert channel_endpoint.at(NOTICES) == []
    [told] = await told_intake(notify_channels, FAILED, event.data["complaint_id"])
    assert (told["notice_id"], told["cause"], told["attempts"], told["last_status_code"]) == (
        notice.id, "no_endpoint", 0, None)
    assert told["reason"] == "no notice endpoint configured for channel 'wechat_miniprogram'"
    assert told["channel"] == "wechat_miniprogram"
    assert without_tracking_code(told, event.data["tracking_code"])

    response = await notify_channels.client.get(
        "/v1/worker-notices", params={"status": "failed", "channel": "wechat_miniprogram"},
        headers=staff_headers("brigade_chief"))
    [view] = response.json()
    assert view["failure_reason"] == notice.failure_reason and view["receipt"] is None
    other = await notify_channels.client.get(
        "/v1/worker-notices", params={"channel": "hotline_12333"},
        headers=staff_headers("detachment_chief"))
    assert other.json() == []

    async def gauge_shows_it():
        metrics = (await notify_channels.client.get("/metrics")).text
        return 'worker_notices_open{status="failed"} 1.0' in metrics

    await eventually(gauge_shows_it)


async def test_r_int_3_channel_not_answering_is_retried_on_schedule_then_fails(
        infrastructure, bus_prefix, mailbox, upstream_bus):
    from labor_runtime.testing import running_service
    from notify.__main__ import MIGRATIONS
    from notify.app import create_app
    from notify.settings import NotifySettings

    nobody = f"http://127.0.0.1:{free_port()}/notices"  # connection refused
    async with running_service(
            NotifySettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
            smtp_port=mailbox.port, worker_notice_poll_seconds=0.1,
            worker_notice_retry_seconds=[30],
            worker_notice_endpoints={"hotline_12333": nobody},
            worker_notice_secrets={"hotline_12333": CHANNEL_SECRET}) as service:
        async def consuming():
            return service.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        event = registration_answer()
        await publish(upstream_bus, event)
        notice = await wait_notice(service, event.data["complaint_id"], "pending", attempts=1)
        assert notice.last_status_code is None and "ConnectError" in notice.last_error
        service.runtime.clock.advance(timedelta(seconds=30))
        notice = await wait_notice(service, event.data["complaint_id"], "failed")
        told = await told_intake(service, FAILED, event.data["complaint_id"])
    assert notice.attempts == 2
    assert notice.failure_reason.startswith("not delivered after 2 attempt(s); last: ConnectError")
    # one failed event after the whole schedule, none per attempt; no URL or exception text
    [told] = told
    assert (told["cause"], told["attempts"], told["last_status_code"]) == (
        "retries_exhausted", 2, None)
    assert told["reason"] == "not delivered after 2 attempt(s); last: ConnectError"
    assert without_tracking_code(told, event.data["tracking_code"])


async def test_r_int_2_duplicate_event_makes_one_notice(notify_channels, upstream_bus,
                                                        channel_endpoint):
    event = correction_notice()
    complaint_id = event.data["complaint_id"]
    for _ in range(2):  # redelivered: the inbox answers it
        await publish(upstream_bus, event)

    async def both_handled():
        return notify_channels.runtime.consumer.stats.processed >= 2

    await eventually(both_handled)
    await wait_notice(notify_channels, complaint_id, "delivered")
    # Even past the inbox, the (complaint, kind, event) key keeps it to one notice.
    handler = worker_notice_handlers(notify_channels.runtime.settings)[event.type]
    async with notify_channels.runtime.uow() as uow:
        await handler(uow, event, CorrectionNoticeIssued.model_validate(event.data))
        await uow.commit()
    await notice_worker(notify_channels).run_once()
    assert len(await notices(notify_channels, complaint_id)) == 1
    assert len(channel_endpoint.at(NOTICES)) == 1
    assert len(await told_intake(notify_channels, DELIVERED, complaint_id)) == 1


async def test_r_int_3_an_attempt_ending_after_another_worker_finished_tells_intake_nothing(
        notify_channels, upstream_bus, channel_endpoint):
    """Two workers raced on one notice (a lease ran out mid-attempt): the status changes once, so
    intake hears of it once."""
    from labor_runtime.outbound import SendResult
    from labor_runtime.webhooks import Verdict
    from notify.worker_notices import flows

    event = registration_answer()
    complaint_id = event.data["complaint_id"]
    await publish(upstream_bus, event)
    await wait_notice(notify_channels, complaint_id, "delivered")
    [row] = await notices(notify_channels, complaint_id)
    late = await flows._record(notify_channels.runtime, notify_channels.runtime.settings, [
        flows.Sent(row, SendResult(200, reply=b"ok"), Verdict.DELIVERED),
        flows.Sent(row, SendResult(400, reply=b"no"), Verdict.REFUSED)])
    assert late == []
    assert len(await told_intake(notify_channels, DELIVERED, complaint_id)) == 1
    assert await told_intake(notify_channels, FAILED, complaint_id) == []


async def test_worker_notices_are_for_staff_who_handle_complaints(notify_channels):
    assert (await notify_channels.client.get("/v1/worker-notices")).status_code == 401
    for role in ("grid_worker", "executor_c"):
        response = await notify_channels.client.get("/v1/worker-notices",
                                                    headers=staff_headers(role))
        assert response.status_code == 403
    bad = await notify_channels.client.get("/v1/worker-notices", params={"channel": "fax"},
                                           headers=staff_headers("detachment_chief"))
    assert bad.status_code == 422


async def test_openapi_tells_a_channel_vendor_how_to_verify_a_notice(notify_channels):
    spec = (await notify_channels.client.get("/openapi.json")).json()
    webhook = spec["webhooks"]["worker-notice"]["post"]
    assert {p["name"] for p in webhook["parameters"]} == {
        "webhook-id", "webhook-timestamp", "webhook-signature"}
    assert "HMAC-SHA256" in webhook["description"]
    assert "/v1/worker-notices" in spec["paths"]


async def test_notices_claimed_together_are_recorded_in_one_transaction(
        notify_channels, channel_endpoint, outcomes):
    """Throughput: a claimed batch (10 by default) is sent concurrently and its answers recorded
    in one transaction, not one each; every notice still changes and tells intake once."""
    events = [correction_notice() for _ in range(20)]
    handler = worker_notice_handlers(notify_channels.runtime.settings)[events[0].type]
    async with statements_sent(notify_channels.runtime.engine) as sent:
        async with notify_channels.runtime.uow() as uow:
            for event in events:
                await handler(uow, event, CorrectionNoticeIssued.model_validate(event.data))
            await uow.commit()
        for event in events:
            await wait_notice(notify_channels, event.data["complaint_id"], "delivered", attempts=1)
    recorded = [s for s, _ in sent
                if "FROM worker_notices" in s and "FOR UPDATE" in s and "SKIP LOCKED" not in s]
    assert 2 <= len(recorded) <= 4, len(recorded)  # one a notice would be 20
    assert len(channel_endpoint.at(NOTICES)) == 20
    told = await outcomes.wait_for(DELIVERED, 20)
    assert sorted(e.data["complaint_id"] for e in told) == sorted(
        e.data["complaint_id"] for e in events)
