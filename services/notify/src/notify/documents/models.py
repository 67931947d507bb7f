"""Stored documents: append-only (a trigger refuses UPDATE and DELETE), hash kept beside the bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from notify.tables import NotifyTable


class Document(NotifyTable, table=True):
    """A legal document as issued: by cases or credit, or rendered here (R-DLV-1, R-DLV-4)."""

    __tablename__ = "documents"

    id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    kind: str
    title: str
    content_type: str
    content: bytes = Field(sa_type=sa.LargeBinary)
    size_bytes: int
    sha256: str
    verify_url: str
    recipient: dict[str, Any] = Field(sa_type=JSONB, description="the employer served, as issued; "
                                      "{\"name\": \"投诉人\"} on a correction notice (no personal data)")
    issued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    stored_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    source_event_id: str


documents = Document.__table__  # type: ignore[attr-defined]
