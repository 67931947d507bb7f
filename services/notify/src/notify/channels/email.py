"""E-mail channel: the document as a PDF attachment, handed to an SMTP relay with aiosmtplib.

The proof of service is the relay's reply to the end of DATA (code and text), the Message-ID, the
SHA-256 of the message sent and the moment that reply arrived, kept as a small JSON record. One
Message-ID per delivery: a retry after an uncertain hand-over carries the same id, so the
recipient's mail system can recognise the duplicate.
"""

from __future__ import annotations

import hashlib
import json
import re
from email.message import EmailMessage
from email.utils import formataddr
from typing import Self

import aiosmtplib
from labor_runtime.clock import Clock
from pydantic import BaseModel, Field, PositiveFloat, SecretStr, model_validator

from notify.channels.base import (
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    Letter,
    Pending,
    Receipt,
    Refusal,
)
from notify.channels.mail import document_mail, identity_lines
from notify.documents.rules import KIND_LABELS

_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")


class EmailSettings(BaseModel):
    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay the e-mail channel hands to")
    smtp_port: int = Field(default=8025, description="8025: the development SMTP sink; set in production")
    smtp_username: str | None = Field(default=None, description="AUTH user; none = no login")
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=False, description="require STARTTLS on a plain connection")
    smtp_implicit_tls: bool = Field(default=False, description="TLS from the first byte (port 465)")
    smtp_validate_certs: bool = True
    smtp_timeout_seconds: PositiveFloat = Field(default=30, description="per SMTP command")
    smtp_sender: str = Field(default="songda@inspection.example.gov.cn",
                             description="envelope and From address; its domain ends each Message-ID")
    smtp_sender_name: str = "劳动保障监察电子送达"

    @model_validator(mode="after")
    def _coherent_email(self) -> Self:
        if self.smtp_starttls and self.smtp_implicit_tls:
            raise ValueError("choose smtp_starttls or smtp_implicit_tls, not both")
        if "@" not in self.smtp_sender:
            raise ValueError("smtp_sender must be an e-mail address")
        return self

    @property
    def sender_domain(self) -> str:
        """The domain that ends every Message-ID."""
        return self.smtp_sender.rpartition("@")[2]


class SmtpEmailChannel:
    name = ChannelName.EMAIL

    def __init__(self, settings: EmailSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def check_address(self, address: str) -> str:
        address = address.strip()
        if not address.isascii() or not _ADDRESS.match(address):
            raise ChannelUnusable(f"the e-mail address {address!r} is not usable")
        return address

    async def follow_up(self, pending: Pending) -> Receipt | Refusal | None:
        return None  # the relay's reply to DATA is the proof: nothing is ever awaited

    async def aclose(self) -> None:
        return None  # each hand-over opens and closes its own SMTP session

    def compose(self, letter: Letter) -> EmailMessage:
        """The e-mail: a plain-text notice with the verify URL and hash, the document attached."""
        s = self.settings
        label = KIND_LABELS.get(letter.kind, letter.kind)
        return document_mail(
            letter, sender=formataddr((s.smtp_sender_name, s.smtp_sender)), to=letter.address,
            subject=f"电子送达：{letter.title}", at=self.clock.now(), text=(
                f"{letter.recipient_name}：\n\n"
                f"本局依法向你单位电子送达《{letter.title}》（{label}），见附件。\n"
                "电子送达与直接送达具有同等法律效力，送达时间以本邮件被你方邮件服务器接收的时间为准。\n\n"
                f"{identity_lines(letter)}\n"
                "请通过核验地址或文书二维码核验文书真伪；附件的 SHA-256 应与上列数值一致。\n"
                "This document is served electronically; verify it at the address above. "
                "The attachment's SHA-256 must equal the value above.\n"))

    async def deliver(self, letter: Letter) -> Receipt:
        s = self.settings
        body = self.compose(letter).as_bytes()
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_implicit_tls, start_tls=s.smtp_starttls,
            validate_certs=s.smtp_validate_certs, timeout=s.smtp_timeout_seconds)
        receipt: Receipt | None = None
        try:
            async with client:
                await client.mail(s.smtp_sender)
                await client.rcpt(letter.address)
                reply = await client.data(body)
                at = self.clock.now()
                receipt = Receipt(
                    channel=self.name, address=letter.address, reply_code=reply.code,
                    reply_text=reply.message, reference=letter.message_id, at=at,
                    evidence=json.dumps({
                        "relay": f"{s.smtp_host}:{s.smtp_port}", "mail_from": s.smtp_sender,
                        "rcpt_to": letter.address, "message_id": letter.message_id,
                        "message_sha256": hashlib.sha256(body).hexdigest(),
                        "reply_code": reply.code, "reply_text": reply.message,
                        "at": at.isoformat()}, ensure_ascii=False, sort_keys=True).encode(),
                    evidence_type="application/json")
        except aiosmtplib.SMTPResponseException as exc:
            if receipt is None:
                raise DeliveryRefused(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            if receipt is None:
                raise DeliveryRefused(None, f"{type(exc).__name__}: {exc}") from exc
        if receipt is None:  # pragma: no cover - the block above either sets it or raises
            raise DeliveryRefused(None, "no reply to DATA")
        return receipt

