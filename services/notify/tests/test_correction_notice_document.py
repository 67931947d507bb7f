"""The one-time correction notice as a document (R-INT-2, R-DLV-1, R-DLV-4): rendered once,
kept immutably with its hash, carried to the filing channel, verifiable through its QR code.
Real broker and database; the channel is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from urllib.parse import urlparse

import pypdf
import pytest
import sqlalchemy as sa
from labor_contracts.intake import CorrectionNoticeIssued
from labor_runtime.rendering import qr_png
from labor_runtime.testing import eventually, statements_sent
from notify.worker_notices.correction import MATERIAL_GUIDANCE
from notify.worker_notices.handlers import handlers as worker_notice_handlers
from PIL import Image
from sqlalchemy.exc import DBAPIError

from .conftest import NOTICES, publish, staff_headers
from .test_worker_notices import (
    ITEMS,
    MISSING,
    PERSONAL,
    correction_notice,
    notice_worker,
    notices,
    verified,
    wait_notice,
)

pytestmark = pytest.mark.integration

DOCUMENT_KEYS = {"document_id", "title", "sha256", "verify_url", "content_type", "content_b64"}


def flat(text: str) -> str:
    """Text without white space: the PDF wraps long lines wherever the width ends."""
    return re.sub(r"\s+", "", text)


async def delivered_document(service, upstream_bus, channel_endpoint, event) -> tuple[dict, bytes]:
    """Publish the intake event; the document the channel received and its bytes."""
    await publish(upstream_bus, event)
    await wait_notice(service, event.data["complaint_id"], "delivered")
    [request] = [r for r in channel_endpoint.at(NOTICES)
                 if verified(r)["complaint_id"] == event.data["complaint_id"]]
    document = verified(request)["document"]
    return document, base64.b64decode(document["content_b64"])


async def stored(service, complaint_id: str) -> list:
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text(
            "SELECT * FROM documents WHERE case_id = :c"), {"c": complaint_id})).all())


async def test_r_int_2_correction_notice_pdf_lists_every_item_and_nothing_personal(
        notify_channels, upstream_bus, channel_endpoint):
    event = correction_notice()
    code, complaint_id = event.data["tracking_code"], event.data["complaint_id"]
    document, pdf = await delivered_document(notify_channels, upstream_bus, channel_endpoint, event)

    assert set(document) == DOCUMENT_KEYS
    assert document["title"] == "一次性补正告知书"
    assert document["content_type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == document["sha256"]

    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    body = flat(text)
    settings = notify_channels.runtime.settings
    assert "一次性补正告知书" in body and flat(settings.authority_name) in body
    assert f"查询码：{code}" in body and complaint_id in body
    for item in ITEMS:  # R-INT-2: every missing item, in the one notice
        assert flat(item) in body
    for kind in MISSING:  # with what qualifies for it
        assert flat(MATERIAL_GUIDANCE[kind]) in body
    # How and where: upload through the channel that filed it, or bring them to the office.
    assert "12333服务热线" in body and flat(settings.materials_office) in body
    assert "致：投诉人" in body  # R-INT-7: addressed to nobody by name
    assert not PERSONAL.search(text)

    # R-DLV-4: the copy kept is the copy sent, with its hash; the notice names it for staff.
    [row] = await stored(notify_channels, complaint_id)
    assert bytes(row.content) == pdf and row.sha256 == document["sha256"]
    assert row.id == document["document_id"] and row.kind == "correction_notice"
    assert row.recipient == {"name": "投诉人"} and row.size_bytes == len(pdf)
    response = await notify_channels.client.get(
        "/v1/worker-notices", params={"complaint_id": complaint_id},
        headers=staff_headers("officer_a"))
    assert response.status_code == 200, response.text
    [view] = response.json()
    assert view["document_id"] == document["document_id"]
    assert view["document_sha256"] == document["sha256"]


async def test_r_dlv_4_correction_notice_qr_code_verifies_it_publicly(
        notify_channels, upstream_bus, channel_endpoint):
    event = correction_notice()
    document, pdf = await delivered_document(notify_channels, upstream_bus, channel_endpoint, event)
    link = document["verify_url"]
    assert link == (f"{notify_channels.runtime.settings.public_base_url}/v1/documents/"
                    f"{document['document_id']}/verify")

    # The QR code printed is the code of the verify URL, and the URL is printed beside it.
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    [qr] = page.images
    expected = Image.open(io.BytesIO(qr_png(link)))
    assert qr.image.convert("1").tobytes() == expected.convert("1").tobytes()
    assert flat(f"核验地址：{link}") in flat(page.extract_text())

    answer = await notify_channels.client.get(urlparse(link).path)  # public: no token
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["genuine"] is True and view["document_id"] == document["document_id"]
    assert view["kind"] == "correction_notice" and view["title"] == "一次性补正告知书"
    assert view["authority"] == notify_channels.runtime.settings.authority_name
    assert view["sha256"] == document["sha256"] and view["issued_on"] == "2026-03-02"
    # Nothing that would let a stranger follow the complaint or reach the worker.
    assert event.data["tracking_code"] not in answer.text
    assert event.data["complaint_id"] not in answer.text and not PERSONAL.search(answer.text)

    same = await notify_channels.client.get(urlparse(link).path,
                                            params={"sha256": document["sha256"].upper()})
    assert same.json()["matches"] is True
    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01  # one bit of the copy changed
    forged = await notify_channels.client.get(
        urlparse(link).path, params={"sha256": hashlib.sha256(tampered).hexdigest()})
    assert forged.json()["matches"] is False and forged.json()["genuine"] is True

    unknown = await notify_channels.client.get("/v1/documents/no-such-document/verify")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["type"].endswith("document-unknown")


async def test_r_dlv_4_redelivered_correction_notice_renders_nothing_twice(
        notify_channels, upstream_bus, channel_endpoint):
    event = correction_notice()
    complaint_id = event.data["complaint_id"]
    document, pdf = await delivered_document(notify_channels, upstream_bus, channel_endpoint, event)
    await publish(upstream_bus, event)  # redelivered: the inbox answers it

    async def both_handled():
        return notify_channels.runtime.consumer.stats.processed >= 2

    await eventually(both_handled)
    # Past the inbox (its row expired), with the bureau renamed since: the kept document stands.
    renamed = notify_channels.runtime.settings.model_copy(update={"authority_name": "另一机关"})
    handler = worker_notice_handlers(renamed)[event.type]
    async with (statements_sent(notify_channels.runtime.engine) as sent,
                notify_channels.runtime.uow() as uow):
        await handler(uow, event, CorrectionNoticeIssued.model_validate(event.data))
        await uow.commit()
    assert not [s for s, _ in sent if "INSERT INTO documents" in s]
    await notice_worker(notify_channels).run_once()

    [row] = await stored(notify_channels, complaint_id)
    assert bytes(row.content) == pdf and row.sha256 == document["sha256"]
    [notice] = await notices(notify_channels, complaint_id)
    assert notice.document_id == row.id and notice.document_sha256 == row.sha256
    assert len([r for r in channel_endpoint.at(NOTICES)
                if verified(r)["complaint_id"] == complaint_id]) == 1


async def test_r_dlv_4_kept_correction_notice_is_append_only(notify_channels, upstream_bus,
                                                             channel_endpoint):
    event = correction_notice()
    document, pdf = await delivered_document(notify_channels, upstream_bus, channel_endpoint, event)
    for statement in ("UPDATE documents SET content = :forged WHERE id = :id",
                      "DELETE FROM documents WHERE id = :id"):
        with pytest.raises(DBAPIError):
            async with notify_channels.runtime.engine.begin() as conn:
                await conn.execute(sa.text(statement),
                                   {"id": document["document_id"], "forged": pdf + b"%forged"})
    [row] = await stored(notify_channels, event.data["complaint_id"])
    assert bytes(row.content) == pdf and hashlib.sha256(bytes(row.content)).hexdigest() == row.sha256
