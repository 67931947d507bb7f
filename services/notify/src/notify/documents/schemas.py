"""API shapes of stored documents: metadata and hash, never the bytes."""

from __future__ import annotations

from datetime import date, datetime

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


class VerificationView(BaseModel):
    """What anyone scanning a document's QR code learns: is it genuine, and which document it is.
    Nothing about its recipient (a worker's correction notice names nobody)."""

    document_id: str
    genuine: bool = Field(description="the bureau issued a document with this id")
    kind: str
    title: str
    authority: str
    issued_on: date
    issued_at: datetime
    sha256: str = Field(description="hex SHA-256 of the issued PDF; compare with your copy")
    presented_sha256: str | None = Field(default=None, description="the hash you sent")
    matches: bool | None = Field(
        default=None, description="whether the presented hash is the issued document's")
