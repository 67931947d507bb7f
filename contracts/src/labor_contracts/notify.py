"""Events produced by notify (电子送达)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from labor_contracts.events import EventData


class DocumentServed(EventData):
    """A document was served with proof (R-DLV-3): legal clocks start at `served_at`."""

    event_type = "notify.document.served.v1"

    document_id: str
    case_id: str
    kind: str
    channel: str = Field(description="email, fax, wechat, dingtalk, in_person (a grid worker) or post")
    served_at: datetime
    proof: str = Field(description="system receipt: e.g. the SMTP server's reply and message id")
    proof_id: str | None = Field(default=None, description="notify's stored proof artefact (the "
                                 "DSN, read receipt, send result, signed photo), GET "
                                 "/v1/deliveries/{delivery}/proof")
    proof_sha256: str | None = Field(default=None, description="hex SHA-256 of that artefact")
    chain_sha256: str | None = Field(default=None, description="the case's proof chain after this "
                                     "proof: SHA-256 over the previous link and this proof")


class DeliveryFailed(EventData):
    """Every attempt on every channel failed; staff must serve the document another way."""

    event_type = "notify.delivery.failed.v1"

    document_id: str
    case_id: str
    reason: str
    failed_at: datetime


class WorkerNoticeDelivered(EventData):
    """A notice to the worker (R-INT-2 correction notice, R-INT-3 registration answer) was taken
    by the channel that filed the complaint: the worker is told. Carries no tracking code and no
    personal data (R-INT-7)."""

    event_type = "notify.worker_notice.delivered.v1"

    notice_id: str = Field(description="notify's notice, the `webhook-id` the channel received")
    complaint_id: str
    kind: str = Field(description="correction_notice (R-INT-2) or registration_answer (R-INT-3)")
    channel: str = Field(description="the filing channel that took it, e.g. hotline_12333")
    issued_at: datetime = Field(description="when intake issued what the notice tells (the "
                                "answered_at / issued_at of intake's event)")
    delivered_at: datetime = Field(description="when the channel answered 2xx")
    status_code: int = Field(description="the receipt: the channel's HTTP status (2xx)")
    attempts: int = Field(ge=1, description="POSTs it took")


class WorkerNoticeFailed(EventData):
    """A notice to the worker could not be delivered through the filing channel (no endpoint, the
    channel refused it, or every retry failed): staff must tell the worker another way. Carries no
    tracking code, no personal data and none of the channel's reply (R-INT-7)."""

    event_type = "notify.worker_notice.failed.v1"

    notice_id: str
    complaint_id: str
    kind: str = Field(description="correction_notice (R-INT-2) or registration_answer (R-INT-3)")
    channel: str = Field(description="the filing channel that could not be used")
    issued_at: datetime = Field(description="when intake issued what the notice tells (the "
                                "answered_at / issued_at of intake's event)")
    cause: str = Field(description="no_endpoint (the channel has none configured), refused (an "
                       "answer that retrying cannot change) or retries_exhausted")
    reason: str = Field(description="one line for staff, e.g. 'refused by the channel: HTTP 400'")
    last_status_code: int | None = Field(default=None, description="the channel's last HTTP "
                                         "status; null when it never answered")
    attempts: int = Field(ge=0, description="POSTs made (0: none could be made)")
    failed_at: datetime
