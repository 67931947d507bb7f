"""Fax through an e-mail-to-fax gateway (R-DLV-2) and its DSN as the transmission record (R-DLV-3).

The gateway is a real SMTP server (tests/fakes/fax.py) that dials nothing but answers as a gateway
does and mails a real RFC 3464 DSN to notify's DSN listener over SMTP. The proof sink is a
recorder: what the delivery core does with the proof is tested with the core.
"""

from __future__ import annotations

import email
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiosmtplib
import pytest
from labor_runtime.testing import eventually
from notify.channels.base import (
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    HandedOver,
    Letter,
    Pending,
    Receipt,
    Refusal,
)
from notify.channels.fax import NO_DSN, FaxChannel, FaxDsnListener, FaxSettings
from pydantic import ValidationError

from .conftest import PDF, free_port
from .fakes.fax import OUTCOMES, FaxGateway

pytestmark = pytest.mark.integration

DOMAIN = "faxgw.example.gov.cn"
DSN_MAILBOX = "fax-dsn@inspection.example.gov.cn"
HANDED_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # notify's clock: never the time of service
TRANSMITTED_AT = datetime(2026, 3, 2, 9, 15, 42, tzinfo=ZoneInfo("Asia/Shanghai"))


class FixedClock:
    def now(self) -> datetime:
        return HANDED_AT


@dataclass
class RecordingSink:
    """The delivery core's side of the listener: records proofs and refusals it is handed."""

    waiting: set[str] = field(default_factory=set)
    proofs: list[tuple[ChannelName, str, Receipt]] = field(default_factory=list)
    refusals: list[tuple[ChannelName, str, Refusal]] = field(default_factory=list)
    broken: bool = False

    async def proven(self, channel: ChannelName, reference: str, receipt: Receipt) -> bool:
        if self.broken:
            raise ConnectionError("database unavailable")
        self.proofs.append((channel, reference, receipt))
        return self._settle(reference)

    async def refused(self, channel: ChannelName, reference: str, refusal: Refusal) -> bool:
        self.refusals.append((channel, reference, refusal))
        return self._settle(reference)

    def _settle(self, reference: str) -> bool:
        known = reference in self.waiting
        self.waiting.discard(reference)
        return known


@pytest.fixture
def settings() -> FaxSettings:
    return FaxSettings(fax_gateway_domain=DOMAIN, fax_smtp_port=free_port(),
                       fax_dsn_recipient=DSN_MAILBOX, fax_dsn_listen_port=free_port(),
                       fax_smtp_timeout_seconds=10)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def listener(settings, sink):
    running = FaxDsnListener(settings, sink)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def gateway(settings, listener):
    fake = FaxGateway(domain=DOMAIN, port=settings.fax_smtp_port,
                      dsn_host=settings.fax_dsn_listen_host, dsn_port=settings.fax_dsn_listen_port,
                      transmitted_at=TRANSMITTED_AT)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def channel(settings) -> FaxChannel:
    return FaxChannel(settings, FixedClock())


def letter(address: str = "0591-87654321", reference: str | None = None) -> Letter:
    document_id = str(uuid.uuid4())
    return Letter(
        delivery_id=str(uuid.uuid4()), message_id=f"<{document_id}@inspection.example.gov.cn>",
        reference=reference or f"Fax-{uuid.uuid4().hex}", document_id=document_id,
        case_id="case-1", kind="penalty_decision", title="行政处罚决定书（X劳监罚〔2025〕1号）",
        content_type="application/pdf", content=PDF, sha256=hashlib.sha256(PDF).hexdigest(),
        verify_url=f"https://verify.inspection.example.gov.cn/documents/{document_id}",
        recipient_name="某某建筑工程有限公司", address=address)


async def reported(gateway: FaxGateway, count: int = 1) -> None:
    """Wait until the gateway's DSNs were answered by the listener."""
    async def answered():
        return len([r for r in gateway.reports if r.reply_code is not None]) >= count

    await eventually(answered, timeout=15)


@pytest.mark.parametrize(("typed", "expected"), [
    ("0591-87654321", "FAX=+8659187654321@" + DOMAIN),
    ("(0591) 8765 4321", "FAX=+8659187654321@" + DOMAIN),
    ("０５９１－８７６５４３２１", "FAX=+8659187654321@" + DOMAIN),
    ("010-12345678", "FAX=+861012345678@" + DOMAIN),
    ("+86 591 8765 4321", "FAX=+8659187654321@" + DOMAIN),
    ("0086 591 87654321", "FAX=+8659187654321@" + DOMAIN),
    ("+1 202-765-3000", "FAX=+12027653000@" + DOMAIN),
    ("0591-87654321/T33S=203", "FAX=+8659187654321/T33S=203@" + DOMAIN),
    ("FAX=+8659187654321@" + DOMAIN, "FAX=+8659187654321@" + DOMAIN),
])
def test_r_dlv_2_fax_number_becomes_rfc3192_address(channel, typed, expected):
    assert channel.check_address(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "hr@employer.example.cn", "fax", "87654321", "0591-8765x321", "+86 591 8765 4321 0000",
    "+0591", "FAX=+8659187654321@other-gateway.example", "0591-87654321/T33S=",
])
def test_r_dlv_2_fax_refuses_what_is_not_a_fax_number(channel, typed):
    with pytest.raises(ChannelUnusable):
        channel.check_address(typed)


@pytest.mark.parametrize(("unset", "named"), [
    ({"fax_gateway_domain": None}, "fax_gateway_domain"),
    ({"fax_dsn_recipient": None}, "fax_dsn_recipient"),
])
async def test_r_dlv_2_fax_unconfigured_channel_is_unusable(settings, unset, named):
    channel = FaxChannel(settings.model_copy(update=unset), FixedClock())
    with pytest.raises(ChannelUnusable, match=named):
        channel.check_address("0591-87654321")
    with pytest.raises(DeliveryRefused, match=named) as refused:
        await channel.deliver(letter())
    assert refused.value.transient is False


@pytest.mark.parametrize("wrong", [
    {"fax_smtp_starttls": True, "fax_smtp_implicit_tls": True},
    {"fax_dsn_recipient": "fax-dsn"},
    {"fax_country_code": "+86"},
])
def test_r_dlv_2_fax_settings_refuse_what_cannot_work(wrong):
    with pytest.raises(ValidationError):
        FaxSettings(**{"fax_gateway_domain": DOMAIN, "fax_dsn_recipient": DSN_MAILBOX, **wrong})


async def test_r_dlv_3_fax_delivered_proven_by_the_gateways_dsn(channel, gateway, sink):
    sent = letter(reference=f"Fax+{uuid.uuid4().hex}=1")  # '+' and '=' travel as xtext
    sink.waiting.add(sent.reference)

    handed = await channel.deliver(sent)

    assert handed == HandedOver(channel=ChannelName.FAX, address="FAX=+8659187654321@" + DOMAIN,
                                reference=sent.reference, reply_code=250,
                                reply_text="2.0.0 queued for transmission as F0001", at=HANDED_AT)
    (fax,) = gateway.accepted
    assert fax.mail_from == DSN_MAILBOX
    assert fax.mail_params["RET"] == "HDRS"
    assert fax.mail_params["ENVID"] == sent.reference.replace("+", "+2B").replace("=", "+3D")
    assert fax.rcpt_params == {"NOTIFY": "SUCCESS,FAILURE",
                               "ORCPT": "rfc822;FAX+3D+2B8659187654321@" + DOMAIN}
    assert fax.pdf == PDF and fax.pages == 1
    assert email.message_from_bytes(fax.message)["Message-ID"] == sent.message_id

    await reported(gateway)
    (report,) = gateway.reports
    assert report.envid == sent.reference and report.reply_code == 250
    (proof,) = sink.proofs
    channel_name, reference, receipt = proof
    assert channel_name == ChannelName.FAX and reference == sent.reference
    assert receipt.at == TRANSMITTED_AT  # the transmission time, not the hand-over
    assert receipt.evidence == report.dsn  # the gateway's own DSN, byte for byte
    assert receipt.evidence_type == "message/rfc822"
    assert receipt.reply_code == 250 and receipt.reference == sent.reference
    assert receipt.address == "FAX=+8659187654321@" + DOMAIN
    assert "2.0.0" in receipt.reply_text and "fax sent" in receipt.reply_text
    assert "Pages 1" in receipt.reply_text and "Remote-CSID +8659187654321" in receipt.reply_text
    assert "Duration 47s" in receipt.reply_text
    assert sink.refusals == []


@pytest.mark.parametrize("outcome", ["busy", "no_answer"])
async def test_r_dlv_3_fax_busy_or_unanswered_line_refused_for_another_round(
        channel, gateway, sink, outcome):
    gateway.outcomes["+8659187654321"] = outcome
    sent = letter()
    sink.waiting.add(sent.reference)

    await channel.deliver(sent)
    await reported(gateway)

    assert sink.proofs == []
    ((channel_name, reference, refusal),) = sink.refusals
    assert (channel_name, reference) == (ChannelName.FAX, sent.reference)
    assert refusal.transient is True and refusal.reply_code == 450
    assert OUTCOMES[outcome].status in refusal.reply_text
    assert OUTCOMES[outcome].diagnostic in refusal.reply_text


async def test_r_dlv_3_fax_dialled_number_not_a_fax_refused_for_good(channel, gateway, sink):
    gateway.outcomes["+8659187654321"] = "bad_number"
    sent = letter()
    sink.waiting.add(sent.reference)

    await channel.deliver(sent)
    await reported(gateway)

    ((_, reference, refusal),) = sink.refusals
    assert reference == sent.reference
    assert refusal.transient is False and refusal.reply_code == 550 and "5.1.1" in refusal.reply_text


async def test_r_dlv_2_fax_number_refused_at_rcpt_moves_on_for_good(channel, gateway, sink):
    gateway.refuse["+8659187654321"] = "550 5.1.1 +8659187654321 is not a fax number"

    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())

    assert refused.value.transient is False and refused.value.reply_code == 550
    assert gateway.accepted == [] and gateway.reports == []


async def test_r_dlv_2_fax_gateway_busy_4xx_tried_again_later(channel, gateway):
    gateway.next_rcpt_replies.append("451 4.4.5 all lines busy, try again later")

    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())

    assert refused.value.transient is True and refused.value.reply_code == 451
    assert gateway.accepted == []


async def test_r_dlv_2_fax_gateway_down_tried_again_later(channel):
    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())  # nothing listens on fax_smtp_port

    assert refused.value.transient is True and refused.value.reply_code is None


async def test_r_dlv_2_fax_gateway_without_dsn_refused_no_record_possible(channel, gateway):
    gateway.advertise_dsn = False

    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())

    assert refused.value.transient is False and refused.value.reply_text == NO_DSN
    assert gateway.mail_commands == 0


async def test_r_dlv_3_fax_dsn_for_unknown_envelope_id_is_harmless(channel, gateway, sink):
    stray = letter()  # nobody waits for it: a late duplicate, or another system's fax
    known = letter()
    sink.waiting.add(known.reference)

    await channel.deliver(stray)
    await reported(gateway)
    await channel.deliver(known)
    await reported(gateway, 2)

    assert [r.reply_code for r in gateway.reports] == [250, 250]  # the gateway does not retry
    assert [reference for _, reference, _ in sink.proofs] == [stray.reference, known.reference]
    assert sink.waiting == set()


async def test_r_dlv_3_fax_dsn_kept_by_the_gateway_when_proof_cannot_be_recorded(
        channel, gateway, sink):
    sink.broken = True

    await channel.deliver(letter())
    await reported(gateway)

    assert gateway.reports[0].reply_code == 451  # a 4xx: the gateway will mail it again


async def test_r_dlv_3_fax_delayed_dsn_is_not_an_outcome(settings, listener, sink):
    gateway = FaxGateway(domain=DOMAIN, port=0, dsn_host="", dsn_port=0,
                         transmitted_at=TRANSMITTED_AT)
    delayed = gateway.dsn(OUTCOMES["delayed"], "Fax-delayed", "FAX=+8659187654321@" + DOMAIN,
                          None, DSN_MAILBOX, b"Subject: x\r\n", 1, TRANSMITTED_AT)
    sink.waiting.add("Fax-delayed")

    reply = await send_to_listener(settings, delayed)

    assert reply.code == 250 and sink.proofs == [] and sink.refusals == []


async def test_r_dlv_3_fax_listener_ignores_mail_that_is_not_a_dsn(settings, listener, sink):
    garbage = (b"From: someone@example.cn\r\nTo: " + DSN_MAILBOX.encode() + b"\r\n"
               b"Subject: hello\r\n\r\nnot a delivery status notification\r\n")
    no_envid = (b"From: MAILER-DAEMON@" + DOMAIN.encode() + b"\r\nMIME-Version: 1.0\r\n"
                b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
                b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
                b"Final-Recipient: rfc822; FAX=+8659187654321@" + DOMAIN.encode() + b"\r\n"
                b"Action: delivered\r\nStatus: 2.0.0\r\n\r\n--b--\r\n")

    assert (await send_to_listener(settings, garbage)).code == 250
    assert (await send_to_listener(settings, no_envid)).code == 250
    assert (await send_to_listener(settings, b"\x00\xff garbage")).code == 250
    with pytest.raises(aiosmtplib.SMTPRecipientRefused):
        await send_to_listener(settings, garbage, to="postmaster@inspection.example.gov.cn")
    assert sink.proofs == [] and sink.refusals == []


async def test_r_dlv_3_fax_dsn_from_a_host_that_is_not_the_gateway_is_refused(sink):
    """A forged DSN would be a forged proof of service: only the gateway's network may mail one."""
    def listening(peers: list[str]) -> FaxSettings:
        return FaxSettings(fax_gateway_domain=DOMAIN, fax_dsn_recipient=DSN_MAILBOX,
                           fax_dsn_listen_port=free_port(), fax_dsn_peers=peers)

    elsewhere, gateway_only = listening(["10.20.0.0/24"]), listening(["127.0.0.0/8"])
    dsn = FaxGateway(domain=DOMAIN, port=0, dsn_host="", dsn_port=0).dsn(
        OUTCOMES["delivered"], "Fax-forged", "FAX=+8659187654321@" + DOMAIN, None, DSN_MAILBOX,
        b"Subject: x\r\n", 1, TRANSMITTED_AT)
    sink.waiting.add("Fax-forged")
    for settings in (elsewhere, gateway_only):
        listener = FaxDsnListener(settings, sink)
        await listener.start()
        try:
            if settings is elsewhere:
                with pytest.raises(aiosmtplib.SMTPRecipientRefused):
                    await send_to_listener(settings, dsn)
                assert sink.proofs == []
            else:
                assert (await send_to_listener(settings, dsn)).code == 250
                assert [reference for _, reference, _ in sink.proofs] == ["Fax-forged"]
        finally:
            await listener.stop()


async def test_r_dlv_3_fax_follow_up_waits_for_the_mailed_dsn(channel):
    pending = Pending(channel=ChannelName.FAX, address="FAX=+8659187654321@" + DOMAIN,
                      reference="Fax-1", handed_over_at=HANDED_AT)
    assert await channel.follow_up(pending) is None


async def send_to_listener(settings: FaxSettings, message: bytes, to: str = DSN_MAILBOX):
    async with aiosmtplib.SMTP(hostname=settings.fax_dsn_listen_host,
                               port=settings.fax_dsn_listen_port, timeout=10) as client:
        await client.mail("")
        await client.rcpt(to)
        return await client.data(message)
