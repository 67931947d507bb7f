"""CloudEvents 1.0 envelope carried on the bus, with the W3C trace context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from labor_contracts.identifiers import new_id

SPEC_VERSION = "1.0"
SCHEMA_BASE = "https://schemas.inspection.example.gov.cn/events/"


class Envelope(BaseModel):
    """One event on the bus: CloudEvents attributes plus `traceparent` (W3C Trace Context)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = Field(default=SPEC_VERSION, description="CloudEvents version")
    id: str = Field(default_factory=new_id, description="unique event id")
    source: str = Field(description="producing service, e.g. /services/intake")
    type: str = Field(description="versioned event type, also the routing key")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = Field(default=None, description="the aggregate the event is about")
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    traceparent: str | None = Field(default=None, description="W3C traceparent of the producer")
    data: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


def schema_url(event_type: str) -> str:
    return f"{SCHEMA_BASE}{event_type}.json"
