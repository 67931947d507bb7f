from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from labor_contracts.cases import DocumentIssued, DocumentIssuedV2
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.envelope import Envelope
from labor_runtime.bus import Publisher
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import HttpReceiver, eventually, png, running_service
from notify.__main__ import MIGRATIONS
from notify.app import create_app
from notify.settings import NotifySettings
from pypdf import PdfWriter
from standardwebhooks import Webhook

from .fakes.dingtalk import FakeDingTalk
from .fakes.fax import FaxGateway
from .fakes.wechat import OPENID_SUBSCRIBED, WechatServer


@dataclass
class Mailbox:
    """An aiosmtpd handler: accepts and keeps every message, or refuses DATA with `refuse`."""

    port: int = 0
    messages: list = field(default_factory=list)
    refuse: str | None = None
    refused: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refused += 1
            return self.refuse
        self.messages.append(envelope)
        return f"250 2.0.0 Ok: queued as Q{len(self.messages):04d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox():
    """A real SMTP server on 127.0.0.1, in its own thread."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
async def notify(infrastructure, bus_prefix, mailbox):
    async with running_service(NotifySettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                               smtp_port=mailbox.port, delivery_poll_seconds=0.1) as service:
        async def consuming():
            return service.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        yield service


@pytest.fixture
async def upstream_bus(infrastructure, bus_prefix):
    """Publishes as the services notify serves (cases, intake) do: to the events exchange,
    routing key = event type."""
    publisher = Publisher(infrastructure.amqp_url, f"{bus_prefix}labor.events", timeout=5)
    try:
        yield publisher
    finally:
        await publisher.close()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "行政处罚决定书"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_bytes()


def issued(document_id: str | None = None, *, content: bytes = PDF, sha256: str | None = None,
           email: str | None = "hr@employer.example.cn", case_id: str = "case-1",
           district: str | None = "d01", version: int = 2) -> Envelope:
    """A penalty decision as cases issues it: `cases.document.issued.v2` with the case's district
    (`version=1`: the v1 event of older releases, which names no district)."""
    document_id = document_id or str(uuid.uuid4())
    fields = dict(
        document_id=document_id, case_id=case_id, kind=DocumentKind.PENALTY_DECISION,
        title="行政处罚决定书（X劳监罚〔2025〕1号）",
        recipient=EmployerRef(credit_code="91350100M000100Y43", name="某某建筑工程有限公司",
                              email=email),
        content_b64=base64.b64encode(content).decode(),
        sha256=sha256 or hashlib.sha256(content).hexdigest(),
        verify_url=f"https://verify.inspection.example.gov.cn/documents/{document_id}")
    data = DocumentIssued(**fields) if version == 1 else DocumentIssuedV2(**fields, district=district)
    return Envelope(source="/services/cases", type=data.event_type, subject=document_id,
                    data=data.model_dump(mode="json"))


async def publish(publisher: Publisher, envelope: Envelope) -> None:
    await publisher.publish_raw(envelope.type, envelope.to_bytes(), message_id=envelope.id)


def staff_headers(*roles: str) -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, subject="officer-1", roles=list(roles), district="d01")
    return {"Authorization": f"Bearer {token}"}


# A filing channel's notice endpoint: a real HTTP server on 127.0.0.1 --------------------------

CHANNEL_SECRET = "whsec_" + base64.b64encode(b"hotline-12333-vendor-shared-secret!").decode()


NOTICES = "/notices"  # the path the channel takes notices on


@pytest.fixture
def channel_endpoint():
    endpoint = HttpReceiver(default=(200, {}, b'{"accepted":true}'))
    endpoint.start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


@pytest.fixture
async def notify_channels(infrastructure, bus_prefix, mailbox, channel_endpoint):
    """Notify with the hotline's notice endpoint configured (and no other channel's)."""
    async with running_service(
            NotifySettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
            smtp_port=mailbox.port, delivery_poll_seconds=0.1, worker_notice_poll_seconds=0.1,
            worker_notice_retry_seconds=[30, 300],
            worker_notice_endpoints={"hotline_12333": channel_endpoint.url(NOTICES)},
            worker_notice_secrets={"hotline_12333": CHANNEL_SECRET}) as service:
        async def consuming():
            return service.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        yield service


# Delivery-address confirmations (送达地址确认书) -----------------------------------------------

CREDIT_CODE = "91350100M000100Y43"


SIGNATURE = png(3, 2)


def confirmation(credit_code: str = CREDIT_CODE, **addresses: str) -> dict:
    """A confirmation body signed on the mobile form; `addresses`: channel=address."""
    return {"credit_code": credit_code, "party_name": "某某建筑工程有限公司", "signatory": "张某",
            "signatory_capacity": "legal_representative",
            "addresses": [{"channel": c, "address": a} for c, a in addresses.items()],
            "method": "mobile_signature", "artefact_b64": base64.b64encode(SIGNATURE).decode(),
            "artefact_type": "image/png", "signed_at": "2025-01-02T09:00:00+08:00"}


async def confirm(service, credit_code: str = CREDIT_CODE, **addresses: str) -> dict:
    response = await service.client.post("/v1/address-confirmations",
                                         json=confirmation(credit_code, **addresses),
                                         headers=staff_headers("officer_a"))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def confirmed(notify):
    """The employer of `issued()` confirmed its e-mail address for electronic service."""
    return await confirm(notify, email="hr@employer.example.cn")


# The outside platforms, each a real local server speaking its protocol -----------------------

RECEIPT_SECRET = "whsec_" + base64.b64encode(b"mini-program-backend-shared-secret").decode()
FAX_DOMAIN = "faxgw.example.gov.cn"
TRANSMITTED_AT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


@pytest.fixture
def gateways(mailbox):
    """The SMTP relay, the e-mail-to-fax gateway (which mails DSNs back), the WeChat server API
    and DingTalk's API; `settings` points notify at them."""
    wechat, dingtalk = WechatServer(), FakeDingTalk()
    dsn_port = free_port()
    fax = FaxGateway(domain=FAX_DOMAIN, port=free_port(), dsn_host="127.0.0.1", dsn_port=dsn_port,
                     transmitted_at=TRANSMITTED_AT)
    for fake in (wechat, dingtalk, fax):
        fake.start()
    settings = dict(
        smtp_port=mailbox.port, delivery_poll_seconds=0.1, delivery_follow_up_seconds=0.2,
        wechat_api_base=wechat.base_url, wechat_app_id=wechat.app_id,
        wechat_app_secret=wechat.app_secret, wechat_template_id=wechat.template_id,
        wechat_receipt_secret=RECEIPT_SECRET, dingtalk_api_base=dingtalk.url,
        dingtalk_app_key=dingtalk.app_key, dingtalk_app_secret=dingtalk.app_secret,
        dingtalk_agent_id=dingtalk.agent_id,
        dingtalk_message_url="https://songda.example.gov.cn/dingtalk/document",
        fax_gateway_domain=FAX_DOMAIN, fax_smtp_port=fax.port,
        fax_dsn_recipient="fax-dsn@inspection.example.gov.cn", fax_dsn_listen_port=dsn_port)
    try:
        yield SimpleNamespace(wechat=wechat, dingtalk=dingtalk, fax=fax, mailbox=mailbox,
                              settings=settings)
    finally:
        for fake in (wechat, dingtalk, fax):
            fake.stop()


@pytest.fixture
async def notify_gateways(infrastructure, bus_prefix, gateways, request):
    """Notify with every gateway configured; a `notify_settings` marker overrides settings."""
    marker = request.node.get_closest_marker("notify_settings")
    overrides = marker.kwargs if marker else {}
    async with running_service(NotifySettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                               **{**gateways.settings, **overrides}) as service:
        async def consuming():
            return service.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        yield service


async def read_in_the_mini_program(service, delivery: dict, read_at: datetime,
                                   sha256: str | None = None, openid: str = OPENID_SUBSCRIBED):
    """The party opens the document in the mini-program: its backend signs the read receipt."""
    [handed] = [a for a in delivery["attempts"] if a["outcome"] == "handed_over"
                and a["channel"] == "wechat"]
    if sha256 is None:
        document = (await service.client.get(f"/v1/documents/{delivery['document_id']}",
                                             headers=staff_headers("officer_a"))).json()
        sha256 = document["sha256"]
    body = json.dumps({"reference": handed["reference"], "openid": openid,
                       "document_id": delivery["document_id"], "sha256": sha256,
                       "read_at": read_at.isoformat()}).encode()
    now = datetime.now(UTC)
    headers = {"webhook-id": f"msg_{uuid.uuid4().hex}", "webhook-timestamp": str(int(now.timestamp()))}
    headers["webhook-signature"] = Webhook(RECEIPT_SECRET).sign(headers["webhook-id"], now,
                                                                body.decode())
    return await service.client.post("/v1/channels/wechat/read-receipts", content=body,
                                     headers={**headers, "content-type": "application/json"})
