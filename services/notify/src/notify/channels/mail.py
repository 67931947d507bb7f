"""A document as an e-mail message: what the e-mail channel sends, and what the fax gateway turns
into a fax (the text as the cover page, then the PDF)."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr

from notify.channels.base import Letter


def identity_lines(letter: Letter) -> str:
    """The lines that let the party check what it received: case, document, hash, verify URL."""
    return (f"案件编号 Case: {letter.case_id}\n"
            f"文书编号 Document: {letter.document_id}\n"
            f"SHA-256: {letter.sha256}\n"
            f"核验地址 Verify: {letter.verify_url}\n")


def document_mail(letter: Letter, *, sender: str, to: str, subject: str, at: datetime,
                  text: str) -> EmailMessage:
    """A message carrying the document as its attachment, with its id and hash in the headers
    (the e-mail itself, or the fax gateway's input: text as the cover page, then the PDF)."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = formataddr((letter.recipient_name, to))
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = letter.message_id
    message["X-Document-Id"] = letter.document_id
    message["X-Document-SHA256"] = letter.sha256
    message.set_content(text, cte="quoted-printable")
    maintype, _, subtype = letter.content_type.partition("/")
    extension = mimetypes.guess_extension(letter.content_type) or ".bin"
    message.add_attachment(letter.content, maintype=maintype or "application",
                           subtype=subtype or "octet-stream",
                           filename=f"{letter.kind}-{letter.document_id}{extension}")
    return message
