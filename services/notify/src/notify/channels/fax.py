"""Fax (传真) through an e-mail-to-fax gateway: the document goes by SMTP, the proof comes back as a DSN.

The recipient's fax number becomes an RFC 3192 address (`FAX=+8659187654321@gateway`, optional
`/T33S=` subaddress). The letter is handed to the gateway with the SMTP DSN extension (RFC 3461):
`MAIL FROM:<fax_dsn_recipient> RET=HDRS ENVID=<reference>` and `RCPT TO:<...>
NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;<...>`. Once the gateway has dialled, it mails a delivery
status notification (RFC 3464, multipart/report) to `fax_dsn_recipient`; `FaxDsnListener` takes it
on an SMTP port of its own, matches `Original-Envelope-Id` to the hand-over and gives the whole DSN,
the fax transmission record (R-DLV-3), to the `ProofSink`. Status codes are RFC 3463's: 2.x.x sent,
4.x.x (busy line, no answer) worth another round, 5.x.x (not a fax number) never.

References:
- RFC 3192 https://datatracker.ietf.org/doc/rfc3192/
- RFC 3461 https://www.rfc-editor.org/rfc/rfc3461 (ENVID/ORCPT are xtext, section 4)
- RFC 3464 https://www.rfc-editor.org/rfc/rfc3464 and RFC 3463 https://www.rfc-editor.org/rfc/rfc3463
- RFC 5321 section 4.2.1 (4yz transient, 5yz permanent) https://www.rfc-editor.org/rfc/rfc5321
- aiosmtplib `mail(..., options=[...])`, `rcpt(..., options=[...])`, `supports_extension`:
  https://aiosmtplib.readthedocs.io/en/stable/reference.html
- aiosmtpd handlers (`handle_RCPT`, `handle_DATA`, `envelope.original_content`):
  https://aiosmtpd.aio-libs.org/en/latest/handlers.html
"""

from __future__ import annotations

import asyncio
import email
import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import collapse_rfc2231_value, parsedate_to_datetime
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any, Self

import aiosmtplib
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import Envelope, Session
from labor_runtime.clock import Clock
from pydantic import BaseModel, Field, PositiveFloat, SecretStr, model_validator

from notify.channels.base import (
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    HandedOver,
    Letter,
    Pending,
    ProofSink,
    Receipt,
    Refusal,
)
from notify.channels.mail import document_mail, identity_lines
from notify.documents.rules import KIND_LABELS

log = logging.getLogger(__name__)

NO_DSN = "gateway does not support DSN (RFC 3461): no transmission record possible"

_SEPARATORS = re.compile(r"[\s\-.()]")
_SUBADDRESS = re.compile(r"/T33S=(\d+)$", re.IGNORECASE)
_RFC3192 = re.compile(r"^FAX=\+(\d+)(?:/T33S=(\d+))?@([^@\s]+)$", re.IGNORECASE)
_E164_DIGITS = range(8, 16)  # a global number: country code and national number, at most 15 digits
_SMTP_REPLY = re.compile(r"^\s*smtp\s*;\s*(\d{3})\b", re.IGNORECASE)


class FaxSettings(BaseModel):
    """The fax gateway's settings: a mixin of the notify settings."""

    fax_gateway_domain: str | None = Field(
        default=None, description="domain of the e-mail-to-fax gateway, the right-hand side of "
        "every RFC 3192 address (e.g. faxgw.example.gov.cn); unset: the fax channel is not configured")
    fax_smtp_host: str = Field(default="127.0.0.1", description="SMTP server of the fax gateway")
    fax_smtp_port: int = Field(default=25, description="its port")
    fax_smtp_username: str | None = Field(default=None, description="AUTH user; none = no login")
    fax_smtp_password: SecretStr | None = Field(default=None, description="AUTH password")
    fax_smtp_starttls: bool = Field(default=False, description="require STARTTLS on a plain connection")
    fax_smtp_implicit_tls: bool = Field(default=False, description="TLS from the first byte (port 465)")
    fax_smtp_validate_certs: bool = Field(default=True, description="verify the gateway's certificate")
    fax_smtp_timeout_seconds: PositiveFloat = Field(default=30, description="per SMTP command")
    fax_country_code: str = Field(
        default="86", pattern=r"^[1-9]\d{0,2}$",
        description="country code for a national number written with its trunk prefix 0: "
        "0591-87654321 becomes FAX=+8659187654321@<domain>")
    fax_dsn_recipient: str | None = Field(
        default=None, description="envelope sender of every fax, so the address the gateway mails "
        "its delivery status notifications to (e.g. fax-dsn@inspection.example.gov.cn); unset: "
        "the fax channel is not configured (no transmission record could come back)")
    fax_dsn_listen_host: str = Field(default="127.0.0.1",
                                     description="interface notify's DSN listener binds")
    fax_dsn_listen_port: int | None = Field(
        default=None, description="SMTP port notify takes the gateway's DSNs on; none = this "
        "process does not listen")
    fax_dsn_peers: list[IPv4Network | IPv6Network] = Field(
        default_factory=list, description="networks the gateway mails its DSNs from, e.g. "
        "[\"10.20.0.0/24\"]; mail from anywhere else is refused (a forged DSN would be a forged "
        "proof of service). Empty: any peer, for a listener only the gateway can reach")

    @model_validator(mode="after")
    def _coherent_fax(self) -> Self:
        if self.fax_smtp_starttls and self.fax_smtp_implicit_tls:
            raise ValueError("choose fax_smtp_starttls or fax_smtp_implicit_tls, not both")
        if self.fax_dsn_recipient is not None and "@" not in self.fax_dsn_recipient:
            raise ValueError("fax_dsn_recipient must be an e-mail address")
        return self


def xtext(value: str) -> str:
    """RFC 3461 section 4: printable ASCII except `+` and `=` as is, everything else `+XX`."""
    return "".join(
        c if 33 <= ord(c) <= 126 and c not in "+=" else "".join(f"+{b:02X}" for b in c.encode())
        for c in value)


def unxtext(value: str) -> str:
    return re.sub(r"\+([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def fax_address(number: str, *, country_code: str, domain: str) -> str:
    """The RFC 3192 address of a Chinese or international fax number; raises `ChannelUnusable`."""
    text = unicodedata.normalize("NFKC", number).strip()  # full-width digits as typed in Chinese
    given = _RFC3192.match(text)
    if given:
        if given.group(3).lower() != domain.lower():
            raise ChannelUnusable(f"{number!r} is addressed to another gateway than {domain}")
        digits, subaddress = given.group(1), given.group(2)
    else:
        sub = _SUBADDRESS.search(text)
        subaddress = sub.group(1) if sub else None
        plain = _SEPARATORS.sub("", text[:sub.start()] if sub else text)
        if plain.startswith("+") and plain[1:].isdigit():
            digits = plain[1:]
        elif plain.startswith("00") and plain.isdigit():
            digits = plain[2:]
        elif plain.startswith("0") and plain.isdigit():
            digits = country_code + plain[1:]
        elif plain.isdigit():
            raise ChannelUnusable(
                f"fax number {number!r} needs its area code with the leading 0 (0591-87654321) "
                "or the country code with + (+86 591 87654321)")
        else:
            raise ChannelUnusable(f"{number!r} is not a fax number")
    if not digits.isascii() or len(digits) not in _E164_DIGITS or digits.startswith("0"):
        raise ChannelUnusable(f"{number!r} is not a fax number: a global number has 8 to 15 digits")
    return f"FAX=+{digits}{f'/T33S={subaddress}' if subaddress else ''}@{domain}"


class FaxChannel:
    """R-DLV-2 fax: hands the PDF to the gateway; the DSN mailed back is the proof (R-DLV-3)."""

    name = ChannelName.FAX

    def __init__(self, settings: FaxSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def _configured(self) -> tuple[str, str]:
        s = self.settings
        if not s.fax_gateway_domain:
            raise ChannelUnusable("fax gateway (传真) not configured: set fax_gateway_domain")
        if not s.fax_dsn_recipient:
            raise ChannelUnusable("fax gateway (传真) not configured: set fax_dsn_recipient, the "
                                  "address its transmission records come back to")
        return s.fax_gateway_domain, s.fax_dsn_recipient

    def check_address(self, address: str) -> str:
        domain, _ = self._configured()
        return fax_address(address, country_code=self.settings.fax_country_code, domain=domain)

    def compose(self, letter: Letter, address: str, sender: str) -> EmailMessage:
        """The gateway renders the text as the cover page and the PDF as the following pages."""
        label = KIND_LABELS.get(letter.kind, letter.kind)
        return document_mail(
            letter, sender=sender, to=address, subject=f"传真送达：{letter.title}",
            at=self.clock.now(), text=(
                f"{letter.recipient_name}：\n\n"
                f"本局依法以传真方式向你单位送达《{letter.title}》（{label}），共附后页。\n"
                "传真送达与直接送达具有同等法律效力，送达时间以传真发送记录载明的发送完成时间为准。\n\n"
                f"{identity_lines(letter)}"))

    async def deliver(self, letter: Letter) -> HandedOver:
        try:
            _, sender = self._configured()
            address = self.check_address(letter.address)
        except ChannelUnusable as exc:
            raise DeliveryRefused(None, str(exc), transient=False) from exc
        s = self.settings
        body = self.compose(letter, address, sender).as_bytes()
        client = aiosmtplib.SMTP(
            hostname=s.fax_smtp_host, port=s.fax_smtp_port, username=s.fax_smtp_username,
            password=s.fax_smtp_password.get_secret_value() if s.fax_smtp_password else None,
            use_tls=s.fax_smtp_implicit_tls, start_tls=s.fax_smtp_starttls,
            validate_certs=s.fax_smtp_validate_certs, timeout=s.fax_smtp_timeout_seconds)
        handed: HandedOver | None = None
        try:
            async with client:
                if client.is_ehlo_or_helo_needed:
                    await client.ehlo()
                if not client.supports_extension("dsn"):
                    raise DeliveryRefused(None, NO_DSN, transient=False)
                await client.mail(sender, options=["RET=HDRS", f"ENVID={xtext(letter.reference)}"])
                await client.rcpt(address, options=["NOTIFY=SUCCESS,FAILURE",
                                                    f"ORCPT=rfc822;{xtext(address)}"])
                reply = await client.data(body)
                handed = HandedOver(channel=self.name, address=address, reference=letter.reference,
                                    reply_code=reply.code, reply_text=reply.message,
                                    at=self.clock.now())
        except aiosmtplib.SMTPResponseException as exc:
            if handed is None:  # RFC 5321 4.2.1: a 5yz reply will not change on a retry
                raise DeliveryRefused(exc.code, exc.message, transient=exc.code < 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            if handed is None:
                raise DeliveryRefused(None, f"{type(exc).__name__}: {exc}") from exc
        if handed is None:  # pragma: no cover - the block above either sets it or raises
            raise DeliveryRefused(None, "no reply to DATA")
        return handed

    async def follow_up(self, pending: Pending) -> Receipt | Refusal | None:
        """The gateway mails its DSN back (`FaxDsnListener`): there is nothing to ask it."""
        return None

    async def aclose(self) -> None:
        """Nothing is held between deliveries: each hand-over is its own SMTP session."""


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def _report_blocks(message: Message) -> tuple[Message, list[Message]] | None:
    """The per-message fields and the per-recipient blocks of an RFC 3464 report, or None."""
    report_type = collapse_rfc2231_value(message.get_param("report-type", ""))
    if message.get_content_type() != "multipart/report" or report_type.lower() != "delivery-status":
        return None
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
            if len(blocks) >= 2:
                return blocks[0], blocks[1:]
    return None


def _transmission_summary(recipient: Message) -> str:
    status = (recipient.get("Status") or "").strip()
    diagnostic = (recipient.get("Diagnostic-Code") or "").strip()
    record = ", ".join(f"{key[len('X-Fax-'):]} {value.strip()}" for key, value in recipient.items()
                       if key.lower().startswith("x-fax-"))
    return "; ".join(item for item in (status, diagnostic, record) if item)


class DsnHandler:
    """aiosmtpd handler: takes DSNs for `recipient` and hands their outcome to the proof sink."""

    def __init__(self, recipient: str, sink: ProofSink,
                 peers: Sequence[IPv4Network | IPv6Network] = ()) -> None:
        self.recipient = recipient.lower()
        self.sink = sink
        self.peers = list(peers)

    def _peer_allowed(self, session: Session) -> bool:
        if not self.peers:
            return True
        try:
            peer = ip_address(session.peer[0] if isinstance(session.peer, tuple) else "")
        except ValueError:
            return False
        return any(peer in network for network in self.peers)

    async def handle_RCPT(self, server: SmtpServer, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if not self._peer_allowed(session):
            log.warning("fax DSN listener: refused mail from %s, not a gateway peer", session.peer)
            return "550 5.7.1 not accepted from this host"
        if address.lower() != self.recipient:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            return await self.take(raw)
        except Exception:  # the sink (the database) failed: the gateway keeps the DSN and retries
            log.exception("fax DSN from %s not recorded", session.peer)
            return "451 4.3.0 DSN not recorded, try again later"

    async def take(self, raw: bytes) -> str:
        message = email.message_from_bytes(raw)
        report = _report_blocks(message)
        if report is None:
            log.warning("fax DSN mailbox: ignored a message that is not a delivery status "
                        "notification (Subject %r)", message.get("Subject"))
            return "250 2.0.0 ignored: not a delivery status notification"
        per_message, recipients = report
        envid = unxtext((per_message.get("Original-Envelope-Id") or "").strip())
        if not envid:
            log.warning("fax DSN without Original-Envelope-Id ignored (Subject %r)",
                        message.get("Subject"))
            return "250 2.0.0 ignored: no envelope id"
        for recipient in recipients:
            await self.outcome(envid, raw, message, per_message, recipient)
        return "250 2.0.0 OK"

    async def outcome(self, envid: str, raw: bytes, message: Message, per_message: Message,
                      recipient: Message) -> None:
        action = (recipient.get("Action") or "").strip().lower()
        status = (recipient.get("Status") or "").strip()
        address = (recipient.get("Final-Recipient") or "").partition(";")[2].strip()
        code = _SMTP_REPLY.match(recipient.get("Diagnostic-Code") or "")
        reply_code = int(code.group(1)) if code else None
        summary = _transmission_summary(recipient)
        if action == "delivered" and status.startswith("2."):
            # The transmission time the gateway reports; failing that, when it wrote the report.
            at = (_when(recipient.get("Last-Attempt-Date")) or _when(per_message.get("Arrival-Date"))
                  or _when(message.get("Date")))
            if at is None:
                log.warning("fax DSN for %s says delivered but gives no time: not proof", envid)
                return
            receipt = Receipt(channel=ChannelName.FAX, address=address, reply_code=reply_code,
                              reply_text=summary, reference=envid, at=at, evidence=raw,
                              evidence_type="message/rfc822")
            if not await self.sink.proven(ChannelName.FAX, envid, receipt):
                log.warning("fax DSN for unknown or settled hand-over %s: %s", envid, summary)
        elif action == "failed" and status[:2] in ("4.", "5."):
            refusal = Refusal(channel=ChannelName.FAX, address=address, reply_code=reply_code,
                              reply_text=summary, transient=status.startswith("4."))
            if not await self.sink.refused(ChannelName.FAX, envid, refusal):
                log.warning("fax DSN for unknown or settled hand-over %s: %s", envid, summary)
        else:
            log.info("fax DSN for %s not final (Action %r, Status %r): waiting", envid, action, status)


class FaxDsnListener:
    """The SMTP server notify runs to receive the gateway's DSNs, in the caller's event loop."""

    def __init__(self, settings: FaxSettings, sink: ProofSink) -> None:
        self.settings = settings
        self.sink = sink
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        s = self.settings
        if s.fax_dsn_listen_port is None or not s.fax_dsn_recipient:
            log.info("fax DSN listener not started: fax_dsn_listen_port or fax_dsn_recipient unset")
            return
        handler = DsnHandler(s.fax_dsn_recipient, self.sink, s.fax_dsn_peers)
        hostname = s.fax_dsn_recipient.rpartition("@")[2]
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SmtpServer(handler, hostname=hostname, loop=loop)

        self.server = await loop.create_server(protocol, host=s.fax_dsn_listen_host,
                                               port=s.fax_dsn_listen_port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
