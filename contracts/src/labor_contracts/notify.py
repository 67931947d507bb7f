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
    channel: str = Field(description="email, fax, wechat or dingtalk")
    served_at: datetime
    proof: str = Field(description="system receipt: e.g. the SMTP server's reply and message id")


class DeliveryFailed(EventData):
    """Every attempt on every channel failed; staff must serve the document another way."""

    event_type = "notify.delivery.failed.v1"

    document_id: str
    case_id: str
    reason: str
    failed_at: datetime
