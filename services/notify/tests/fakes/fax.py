"""A real e-mail-to-fax gateway on 127.0.0.1: SMTP with the DSN extension in, RFC 3464 DSNs out.

It advertises DSN in its EHLO reply and takes the RFC 3461 parameters (RET, ENVID on MAIL;
NOTIFY, ORCPT on RCPT; their xtext values kept as sent), accepts mail only for RFC 3192 addresses
at its own domain, wants a PDF to fax, and after taking a fax "dials" and mails a DSN, with the null
reverse path, to the envelope's return path at the DSN host/port it was given. aiosmtpd refuses
unknown MAIL/RCPT parameters (555) and upper-cases them, so `DsnSmtp` takes the DSN ones off
before the stock command sees the rest (see https://github.com/aio-libs/aiosmtpd/issues/367).

Knobs: `outcomes[number]` (delivered, busy, no_answer, bad_number, delayed; default delivered),
`refuse[number]` (a RCPT reply), `next_rcpt_replies` (replies for the next RCPTs, whoever they are
for), `advertise_dsn`, `transmitted_at`, `duration_seconds`. Records: `accepted`, `reports`.
"""

from __future__ import annotations

import asyncio
import email
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

import aiosmtplib
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from pypdf import PdfReader

_FAX = re.compile(r"^FAX=\+(\d{8,15})(?:/T33S=\d+)?@(.+)$")
_XTEXT = re.compile(r"^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$")  # RFC 3461 section 4
_MAIL_PARAMS = {"RET", "ENVID"}
_RCPT_PARAMS = {"NOTIFY", "ORCPT"}


@dataclass(frozen=True)
class Outcome:
    """What dialling the number gives, as the DSN reports it (RFC 3463 status codes)."""

    action: str
    status: str
    reply: int
    diagnostic: str
    notify: str  # the NOTIFY condition that asks for this DSN


OUTCOMES = {
    "delivered": Outcome("delivered", "2.0.0", 250, "fax sent", "SUCCESS"),
    "busy": Outcome("failed", "4.4.2", 450, "line busy", "FAILURE"),
    "no_answer": Outcome("failed", "4.4.1", 450, "no answer", "FAILURE"),
    "bad_number": Outcome("failed", "5.1.1", 550, "no fax machine answered: voice line", "FAILURE"),
    "delayed": Outcome("delayed", "4.4.1", 450, "no answer yet, will redial", "DELAY"),
}


def unxtext(value: str) -> str:
    return re.sub(r"\+([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), value)


@dataclass
class Accepted:
    """A fax the gateway took: the envelope as sent and the document it got."""

    mail_from: str
    mail_params: dict[str, str]
    rcpt: str
    rcpt_params: dict[str, str]
    message: bytes
    pdf: bytes
    pages: int


@dataclass
class Report:
    """A DSN the gateway mailed back, and the listener's answer to it."""

    envid: str
    number: str
    outcome: str
    dsn: bytes
    reply_code: int | None = None
    reply_text: str = ""


def _dsn_params(arg: str, known: set[str]) -> tuple[str, dict[str, str], str | None]:
    """Split the DSN parameters off an SMTP MAIL/RCPT argument: (the rest, the params, an error)."""
    rest: list[str] = []
    params: dict[str, str] = {}
    for token in arg.split(" "):
        key, eq, value = token.partition("=")
        if not eq or key.upper() not in known:
            rest.append(token)
            continue
        key = key.upper()
        if key in params:
            return arg, params, f"{key} given twice"
        if key in ("ENVID", "ORCPT"):
            xvalue = value.partition(";")[2] if key == "ORCPT" else value
            if key == "ORCPT" and value.partition(";")[0].lower() != "rfc822":
                return arg, params, "ORCPT address type must be rfc822"
            if not _XTEXT.match(xvalue) or (key == "ENVID" and len(xvalue) > 100):
                return arg, params, f"{key} is not xtext of at most 100 characters"
        elif key == "RET" and value.upper() not in ("FULL", "HDRS"):
            return arg, params, "RET must be FULL or HDRS"
        elif key == "NOTIFY":
            conditions = set(value.upper().split(","))
            if conditions != {"NEVER"} and not conditions <= {"SUCCESS", "FAILURE", "DELAY"}:
                return arg, params, "NOTIFY must be NEVER or SUCCESS,FAILURE,DELAY"
        params[key] = value
    return " ".join(rest), params, None


class DsnSmtp(SMTP):
    """aiosmtpd's SMTP with the DSN parameters of RFC 3461 when the gateway advertises DSN."""

    async def smtp_MAIL(self, arg: str | None) -> None:
        if not self.event_handler.advertise_dsn or arg is None:
            return await super().smtp_MAIL(arg)
        rest, params, error = _dsn_params(arg, _MAIL_PARAMS)
        if error:
            return await self.push(f"501 5.5.4 {error}")
        await super().smtp_MAIL(rest)
        if self.envelope.mail_from:
            self.envelope.dsn_mail = params

    async def smtp_RCPT(self, arg: str | None) -> None:
        if not self.event_handler.advertise_dsn or arg is None:
            return await super().smtp_RCPT(arg)
        rest, params, error = _dsn_params(arg, _RCPT_PARAMS)
        if error:
            return await self.push(f"501 5.5.4 {error}")
        before = len(self.envelope.rcpt_tos)
        await super().smtp_RCPT(rest)
        if len(self.envelope.rcpt_tos) > before:
            self.envelope.dsn_rcpt = {**getattr(self.envelope, "dsn_rcpt", {}),
                                      self.envelope.rcpt_tos[-1]: params}


@dataclass
class FaxGateway:
    """The aiosmtpd handler and its controller: start(), stop(), knobs and records."""

    domain: str
    port: int
    dsn_host: str
    dsn_port: int
    advertise_dsn: bool = True
    outcomes: dict[str, str] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    next_rcpt_replies: list[str] = field(default_factory=list)
    transmitted_at: datetime | None = None
    duration_seconds: int = 47
    accepted: list[Accepted] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    mail_commands: int = 0
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _controller: Controller | None = None

    def start(self) -> None:
        gateway = self

        class _Controller(Controller):
            def factory(self) -> SMTP:
                return DsnSmtp(gateway, **self.SMTP_kwargs)

        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port,
                                       server_hostname=self.domain)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.advertise_dsn:
            responses.insert(-1, "250-DSN")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_commands += 1
        envelope.mail_from = address
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        match = _FAX.match(address)
        if not match:
            return "550 5.1.3 not an RFC 3192 fax address (FAX=+<number>@<gateway>)"
        if match.group(2).lower() != self.domain.lower():
            return f"550 5.1.2 this gateway serves {self.domain} only"
        if self.next_rcpt_replies:
            return self.next_rcpt_replies.pop(0)
        number = "+" + match.group(1)
        if number in self.refuse:
            return self.refuse[number]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        message = email.message_from_bytes(raw)
        pdfs = [p.get_payload(decode=True) for p in message.walk()
                if p.get_content_type() == "application/pdf"]
        if not pdfs:
            return "554 5.6.1 nothing to fax: no application/pdf part"
        try:
            pages = len(PdfReader(io.BytesIO(pdfs[0])).pages)
        except Exception:
            return "554 5.6.1 the PDF cannot be rendered"
        arrived = datetime.now(UTC).replace(microsecond=0)
        headers = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"
        dsn_mail = getattr(envelope, "dsn_mail", {})
        for rcpt in envelope.rcpt_tos:
            rcpt_params = getattr(envelope, "dsn_rcpt", {}).get(rcpt, {})
            self.accepted.append(Accepted(envelope.mail_from, dsn_mail, rcpt, rcpt_params, raw,
                                          pdfs[0], pages))
            task = asyncio.get_running_loop().create_task(
                self._transmit(envelope.mail_from, dsn_mail, rcpt, rcpt_params, headers, pages,
                               arrived))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return f"250 2.0.0 queued for transmission as F{len(self.accepted):04d}"

    async def _transmit(self, return_path: str, dsn_mail: dict[str, str], rcpt: str,
                        rcpt_params: dict[str, str], headers: bytes, pages: int,
                        arrived: datetime) -> None:
        number = "+" + _FAX.match(rcpt).group(1)
        name = self.outcomes.get(number, "delivered")
        outcome = OUTCOMES[name]
        notify = rcpt_params.get("NOTIFY", "FAILURE").upper().split(",")
        if outcome.notify not in notify or return_path in ("", "<>"):
            return
        dsn = self.dsn(outcome, dsn_mail.get("ENVID", ""), rcpt, rcpt_params.get("ORCPT"),
                       return_path, headers, pages, arrived)
        report = Report(unxtext(dsn_mail.get("ENVID", "")), number, name, dsn)
        self.reports.append(report)
        try:
            async with aiosmtplib.SMTP(hostname=self.dsn_host, port=self.dsn_port,
                                       local_hostname=self.domain, timeout=10) as client:
                await client.mail("")
                await client.rcpt(return_path)
                reply = await client.data(dsn)
            report.reply_code, report.reply_text = reply.code, reply.message
        except aiosmtplib.SMTPResponseException as exc:
            report.reply_code, report.reply_text = exc.code, exc.message
        except (aiosmtplib.SMTPException, OSError) as exc:
            report.reply_text = f"{type(exc).__name__}: {exc}"

    def dsn(self, outcome: Outcome, envid: str, rcpt: str, orcpt: str | None, return_path: str,
            headers: bytes, pages: int, arrived: datetime) -> bytes:
        """An RFC 3464 report: human-readable part, delivery-status part, the headers (RET=HDRS)."""
        at = self.transmitted_at or datetime.now(UTC).replace(microsecond=0)
        number = "+" + _FAX.match(rcpt).group(1)
        boundary = f"=_fax_{uuid.uuid4().hex}"
        record = []
        if outcome.action == "delivered":
            record = [f"X-Fax-Pages: {pages}", f"X-Fax-Remote-CSID: {number}",
                      f"X-Fax-Duration: {self.duration_seconds}s"]
            human = (f"Your fax to {number} was sent: {pages} page(s) to CSID {number} in "
                     f"{self.duration_seconds} seconds, completed {format_datetime(at)}.")
        else:
            human = f"Your fax to {number} was not sent: {outcome.diagnostic}."
        lines = [
            f"From: Fax Gateway <MAILER-DAEMON@{self.domain}>",
            f"To: <{return_path}>",
            f"Subject: Fax transmission {outcome.action}: {number}",
            f"Date: {format_datetime(datetime.now(UTC))}",
            f"Message-ID: <{uuid.uuid4().hex}@{self.domain}>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
            "",
            "This is a delivery status notification in MIME format.",
            f"--{boundary}",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            human,
            f"--{boundary}",
            "Content-Type: message/delivery-status",
            "",
            f"Reporting-MTA: dns; {self.domain}",
            *([f"Original-Envelope-Id: {envid}"] if envid else []),
            f"Arrival-Date: {format_datetime(arrived)}",
            "",
            *([f"Original-Recipient: {orcpt}"] if orcpt else []),
            f"Final-Recipient: rfc822; {rcpt}",
            f"Action: {outcome.action}",
            f"Status: {outcome.status}",
            f"Diagnostic-Code: smtp; {outcome.reply} {outcome.status} {outcome.diagnostic}",
            f"Last-Attempt-Date: {format_datetime(at)}",
            *record,
            "",
            f"--{boundary}",
            "Content-Type: text/rfc822-headers",
            "",
            headers.decode("ascii", "replace").rstrip("\r\n"),
            "",
            f"--{boundary}--",
            "",
        ]
        return "\r\n".join(lines).encode("ascii")
