"""API shapes of stored documents: metadata and hash, never the bytes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DocumentView(BaseModel):
    """A stored document's metadata (R-DLV-4): its hash is what the verify URL checks against."""

    id: str
    case_id: str
    kind: str
    title: str
    content_type: str
    size_bytes: int
    sha256: str = Field(description="hex SHA-256 of the stored bytes, verified when issued")
    verify_url: str
    recipient_name: str
    recipient_credit_code: str | None
    issued_at: datetime
    stored_at: datetime
    delivery_id: str | None
    delivery_status: str | None
