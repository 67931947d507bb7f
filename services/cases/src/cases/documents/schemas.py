"""API shapes of documents: the public verification answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class VerificationView(BaseModel):
    """What anyone scanning a document's QR code learns: is it genuine, and which document is it."""

    document_id: str
    genuine: bool = Field(description="the bureau issued a document with this id")
    kind: str
    title: str
    number: str = Field(description="文书编号")
    case_number: str | None
    authority: str
    issued_on: date
    issued_at: datetime
    sha256: str = Field(description="hex SHA-256 of the issued PDF; compare with your copy")
    served_at: datetime | None = None
    presented_sha256: str | None = Field(default=None, description="the hash you sent")
    matches: bool | None = Field(
        default=None, description="whether the presented hash is the issued document's")
