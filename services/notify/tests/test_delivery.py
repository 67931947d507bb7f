"""Serving documents by e-mail on the real broker, database and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import base64
import email
import hashlib
import io
import uuid
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.credit import CreditDocumentIssued
from labor_contracts.envelope import Envelope
from labor_runtime import ops
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import eventually
from notify.channels.base import ChannelName, DeliveryRefused, Letter
from notify.channels.email import SmtpEmailChannel
from notify.delivery import flows
from notify.wiring import build_channels
from pypdf import PdfReader
from sqlalchemy.exc import DBAPIError

from .conftest import PDF, free_port, issued, publish, staff_headers

pytestmark = pytest.mark.integration


async def rows(service, query: str, **params) -> list:
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text(query), params)).all())


async def outbox_events(service, event_type: str) -> list[Envelope]:
    bodies = await rows(service, "SELECT body FROM outbox WHERE routing_key = :t ORDER BY id", t=event_type)
    return [Envelope.from_bytes(b.body) for b in bodies]


async def delivery_of(service, document_id: str):
    found = await rows(service, "SELECT * FROM deliveries WHERE document_id = :d", d=document_id)
    return found[0] if found else None


async def wait_status(service, document_id: str, status: str, rounds: int | None = None):
    async def reached():
        d = await delivery_of(service, document_id)
        return d is not None and d.status == status and (rounds is None or d.rounds == rounds)

    await eventually(reached, timeout=30)
    return await delivery_of(service, document_id)


async def test_r_dlv_3_email_served_with_pdf_and_proof(notify, upstream_bus, mailbox, confirmed):
    event = issued()
    document_id = event.data["document_id"]
    await publish(upstream_bus, event)
    delivery = await wait_status(notify, document_id, "served")

    assert len(mailbox.messages) == 1
    envelope = mailbox.messages[0]
    assert envelope.rcpt_tos == ["hr@employer.example.cn"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Message-ID"] == delivery.message_id
    assert "行政处罚决定书" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert event.data["verify_url"] in body and event.data["sha256"] in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert len(PdfReader(io.BytesIO(attachment.get_content())).pages) == 1

    # R-DLV-3: the server's reply, the Message-ID and the hand-over time are the proof.
    assert (delivery.reply_code, delivery.reply_text) == (250, "2.0.0 Ok: queued as Q0001")
    assert delivery.confirmation_id == confirmed["id"]
    [served] = await outbox_events(notify, "notify.document.served.v1")
    assert served.subject == document_id
    assert served.data["channel"] == "email" and served.data["kind"] == "penalty_decision"
    assert served.data["served_at"].replace("Z", "+00:00") == delivery.served_at.isoformat()
    assert "250 2.0.0 Ok: queued as Q0001" in served.data["proof"]
    assert delivery.message_id in served.data["proof"]

    response = await notify.client.get("/v1/deliveries", params={"case_id": "case-1"},
                                       headers=staff_headers("executor_c"))
    assert response.status_code == 200, response.text
    [view] = response.json()
    assert view["status"] == "served" and view["proof"]["reply_code"] == 250
    assert view["proof"]["message_id"] == delivery.message_id
    assert [(a["round"], a["outcome"], a["reply_code"]) for a in view["attempts"]] == [(1, "served", 250)]
    assert [s["channel"] for s in view["skipped"]] == ["fax", "wechat", "dingtalk"]
    assert all("no confirmed address" in s["reason"] for s in view["skipped"])
    # The proof is kept: the relay's reply, the Message-ID and the hash of what was sent.
    proof = await notify.client.get(f"/v1/deliveries/{view['id']}/proof",
                                    headers=staff_headers("officer_a"))
    assert proof.status_code == 200 and proof.headers["content-type"] == "application/json"
    kept = proof.json()
    assert (kept["reply_code"], kept["message_id"]) == (250, delivery.message_id)
    assert kept["message_sha256"] == hashlib.sha256(envelope.original_content).hexdigest()
    assert view["proof"]["sha256"] == hashlib.sha256(proof.content).hexdigest()
    assert served.data["proof_sha256"] == view["proof"]["sha256"]
    assert served.data["proof_id"] == view["proof"]["proof_id"]
    one = await notify.client.get(f"/v1/deliveries/{view['id']}",
                                  headers=staff_headers("detachment_chief"))
    assert one.json() == view

    document = await notify.client.get(f"/v1/documents/{document_id}",
                                       headers=staff_headers("officer_a"))
    assert document.status_code == 200
    assert document.json()["sha256"] == event.data["sha256"]
    assert document.json()["size_bytes"] == len(PDF)
    assert document.json()["delivery_status"] == "served"


async def test_r_dlv_3_redelivered_or_reissued_event_sends_no_second_email(notify, upstream_bus, mailbox,
                                                                              confirmed):
    event = issued()
    document_id = event.data["document_id"]
    reissued = Envelope(**{**event.model_dump(), "id": "another-event-id"})
    for envelope in (event, event, reissued):
        await publish(upstream_bus, envelope)

    async def all_handled():
        return notify.runtime.consumer.stats.processed >= 3

    await eventually(all_handled)
    delivery = await wait_status(notify, document_id, "served")
    assert len(mailbox.messages) == 1
    assert len(await outbox_events(notify, "notify.document.served.v1")) == 1
    assert len(await rows(notify, "SELECT id FROM documents")) == 1

    # A round asked for again on a served delivery sends nothing.
    channels = build_channels(notify.runtime.settings, notify.runtime.clock)
    assert await flows.attempt(notify.runtime, channels, delivery.id) is None
    assert len(mailbox.messages) == 1
    attempts = await rows(notify, "SELECT * FROM delivery_attempts")
    assert len(attempts) == 1


async def test_r_dlv_3_refused_mail_is_retried_on_schedule_then_goes_in_person(
        notify, upstream_bus, mailbox, confirmed):
    mailbox.refuse = "550 5.2.1 mailbox unavailable"
    event = issued()
    document_id = event.data["document_id"]
    await publish(upstream_bus, event)
    schedule = notify.runtime.settings.delivery_retry_seconds
    for rounds, pause in enumerate(schedule, start=1):
        delivery = await wait_status(notify, document_id, "pending", rounds=rounds)
        assert delivery.next_attempt_at - delivery.updated_at == timedelta(seconds=pause)
        notify.runtime.clock.advance(timedelta(seconds=pause))
    delivery = await wait_status(notify, document_id, "in_person")

    assert mailbox.refused == len(schedule) + 1 and mailbox.messages == []
    attempts = await rows(notify, "SELECT round, reply_code, outcome FROM delivery_attempts ORDER BY id")
    assert [tuple(a) for a in attempts] == [(n, 550, "failed") for n in range(1, len(schedule) + 2)]
    [failed] = await outbox_events(notify, "notify.delivery.failed.v1")
    assert failed.data["document_id"] == document_id
    assert "550 5.2.1 mailbox unavailable" in failed.data["reason"]
    assert "to be served by a grid worker" in failed.data["reason"]
    assert await outbox_events(notify, "notify.document.served.v1") == []
    response = await notify.client.get(f"/v1/deliveries/{delivery.id}", headers=staff_headers("officer_a"))
    assert response.json()["status"] == "in_person" and response.json()["proof"] is None


async def test_r_dlv_4_tampered_sha256_goes_to_dead_letter_queue(notify, upstream_bus, mailbox,
                                                                 infrastructure):
    event = issued(sha256="0" * 64)
    await publish(upstream_bus, event)

    async def dead_lettered():
        return await ops.list_dead_letters(infrastructure.amqp_url, notify.runtime.queues)

    await eventually(dead_lettered)
    [letter] = await ops.list_dead_letters(infrastructure.amqp_url, notify.runtime.queues)
    assert letter.message_id == event.id
    assert letter.reason.startswith("rejected: ") and "sha256 mismatch" in letter.reason
    assert await rows(notify, "SELECT id FROM documents") == []
    assert await rows(notify, "SELECT id FROM deliveries") == []
    assert mailbox.messages == []


async def test_r_dlv_2_without_a_confirmed_address_nothing_is_sent_electronically(
        notify, upstream_bus, mailbox):
    """The case names an e-mail address, but the party never confirmed it (送达地址确认书): the
    document goes to the grid workers at once, and staff see why."""
    event = issued()
    await publish(upstream_bus, event)
    delivery = await wait_status(notify, event.data["document_id"], "in_person")
    assert delivery.rounds == 0 and delivery.plan == []
    [failed] = await outbox_events(notify, "notify.delivery.failed.v1")
    assert "no confirmed electronic address" in failed.data["reason"]
    [email_skipped] = [s for s in delivery.skipped if s["channel"] == "email"]
    assert "hr@employer.example.cn, which the party has not confirmed" in email_skipped["reason"]
    assert mailbox.messages == []

    async def on_the_gauge():  # the backlog the grid workers are to serve by hand
        return 'deliveries_open{status="in_person"} 1.0' in (await notify.client.get("/metrics")).text

    await eventually(on_the_gauge)


async def test_r_dlv_4_stored_documents_and_attempts_cannot_be_altered(notify, upstream_bus, mailbox,
                                                                         confirmed):
    event = issued()
    await publish(upstream_bus, event)
    await wait_status(notify, event.data["document_id"], "served")
    for statement in ("UPDATE documents SET sha256 = 'x'", "DELETE FROM delivery_attempts",
                      "UPDATE delivery_proofs SET sha256 = 'x'", "DELETE FROM delivery_proofs"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with notify.runtime.engine.begin() as conn:
                await conn.execute(sa.text(statement))


async def test_deliveries_are_for_staff_roles_only(notify):
    assert (await notify.client.get("/v1/deliveries")).status_code == 401
    response = await notify.client.get("/v1/deliveries", headers=staff_headers("public"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    one = await notify.client.get("/v1/deliveries/x", headers=staff_headers("grid_worker"))
    assert one.status_code == 403
    missing = await notify.client.get("/v1/documents/nope", headers=staff_headers("officer_a"))
    assert missing.status_code == 404


async def test_unreachable_smtp_server_is_a_refusal_without_reply_code(notify):
    settings = notify.runtime.settings.model_copy(update={"smtp_port": free_port()})
    channel = SmtpEmailChannel(settings, notify.runtime.clock)
    letter = Letter("d", "<m@x>", "ref", "doc", "case", "reminder", "催告书", "application/pdf", PDF,
                    "0" * 64, "https://v", "某公司", "hr@employer.example.cn")
    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter)
    assert refused.value.reply_code is None
    assert channel.name == ChannelName.EMAIL


async def test_r_dlv_1_credit_document_served_on_the_employer_like_a_case_document(
        notify, upstream_bus, mailbox, confirmed):
    """Credit's notice before blacklisting travels the cases path: kept, e-mailed, proven."""
    content = "失信联合惩戒告知书\n某某建筑工程有限公司：……".encode()
    document_id = str(uuid.uuid4())
    data = CreditDocumentIssued(
        document_id=document_id, matter_id="entry-7", kind="blacklist_notice",
        title="失信联合惩戒告知书", content_b64=base64.b64encode(content).decode(),
        recipient=EmployerRef(credit_code="91350100M000100Y43", name="某某建筑工程有限公司",
                              email="hr@employer.example.cn"),
        sha256=hashlib.sha256(content).hexdigest(),
        verify_url=f"https://verify.inspection.example.gov.cn/documents/{document_id}")
    event = Envelope(source="/services/credit", type=CreditDocumentIssued.event_type,
                     subject=document_id, data=data.model_dump(mode="json"))
    await publish(upstream_bus, event)
    await publish(upstream_bus, event)  # redelivered: one e-mail
    delivery = await wait_status(notify, document_id, "served")

    [envelope] = mailbox.messages
    assert envelope.rcpt_tos == ["hr@employer.example.cn"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "失信联合惩戒告知书" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_payload(decode=True) == content
    assert delivery.case_id == "entry-7"
    [served] = await outbox_events(notify, "notify.document.served.v1")
    assert served.data["case_id"] == "entry-7" and served.data["kind"] == "blacklist_notice"
    # Credit's matters are the detachment's: without a district (and no grid known), city-wide.
    response = await notify.client.get("/v1/deliveries", params={"case_id": "entry-7"},
                                       headers=district_headers("detachment_chief", None))
    assert [d["status"] for d in response.json()] == ["served"]
    assert delivery.district is None


async def test_r_dlv_1_credit_document_without_address_goes_in_person_with_the_reason(
        notify, upstream_bus):
    content = b"credit repair notice"
    document_id = str(uuid.uuid4())
    data = CreditDocumentIssued(
        document_id=document_id, matter_id="repair-3", kind="credit_repair_notice",
        title="信用修复告知书", content_b64=base64.b64encode(content).decode(),
        recipient=EmployerRef(credit_code="91350100M000100Y43", name="某某建筑工程有限公司"),
        sha256=hashlib.sha256(content).hexdigest(),
        verify_url=f"https://verify.inspection.example.gov.cn/documents/{document_id}")
    await publish(upstream_bus, Envelope(source="/services/credit",
                                         type=CreditDocumentIssued.event_type, subject=document_id,
                                         data=data.model_dump(mode="json")))
    delivery = await wait_status(notify, document_id, "in_person")
    assert "no confirmed electronic address" in delivery.in_person_reason
    [failed] = await outbox_events(notify, "notify.delivery.failed.v1")
    assert failed.data["case_id"] == "repair-3"


def district_headers(role: str, district: str | None) -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, subject=f"{role}-{district}", roles=[role], district=district)
    return {"Authorization": f"Bearer {token}"}


async def test_staff_of_another_district_find_no_delivery_proof_or_document_of_this_one(
        notify, upstream_bus, mailbox, confirmed):
    """OWASP API1: a d01 case's service is d01's and the city's; for d02 it does not exist."""
    event = issued(case_id="case-d01", district="d01")
    document_id = event.data["document_id"]
    await publish(upstream_bus, event)
    delivery = await wait_status(notify, document_id, "served")
    paths = [f"/v1/deliveries/{delivery.id}", f"/v1/deliveries/{delivery.id}/proof",
             "/v1/proof-chains/case-d01", f"/v1/documents/{document_id}"]
    for district, status in (("d01", 200), ("city", 200), ("d02", 404)):
        headers = district_headers("officer_a", district)
        assert [(await notify.client.get(p, headers=headers)).status_code for p in paths] == [
            status] * len(paths), district
        listed = (await notify.client.get("/v1/deliveries", headers=headers)).json()
        assert [d["id"] for d in listed] == ([delivery.id] if status == 200 else [])
    other = district_headers("officer_a", "d02")
    in_person = await notify.client.post(f"/v1/deliveries/{delivery.id}/postal", headers=other, json={
        "tracking_number": "EMS1234567890CN", "received_at": "2026-01-01T00:00:00+08:00",
        "receipt_b64": base64.b64encode(b"%PDF-1.7").decode(), "receipt_type": "application/pdf"})
    assert in_person.status_code == 404


async def test_r_dlv_1_a_v1_document_of_an_older_cases_release_is_still_served(
        notify, upstream_bus, mailbox, confirmed):
    event = issued(version=1)
    assert event.type == "cases.document.issued.v1"
    await publish(upstream_bus, event)
    delivery = await wait_status(notify, event.data["document_id"], "served")
    assert delivery.district is None and len(mailbox.messages) == 1
