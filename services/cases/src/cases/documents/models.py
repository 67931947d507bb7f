"""Issued documents and their proven service. Both tables are append-only (R-DLV-4, R-OVS-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from cases.tables import CasesTable


class Document(CasesTable, table=True):
    """A rendered legal document: the exact bytes served, with their SHA-256."""

    __tablename__ = "documents"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    kind: str
    title: str
    number: str = Field(unique=True, description="文书编号")
    recipient: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    content_type: str
    content: bytes = Field(sa_type=sa.LargeBinary)
    sha256: str
    verify_url: str
    issued_by: str
    issued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class DocumentService(CasesTable, table=True):
    """Proof that a document was served (R-DLV-3): legal clocks start at `served_at`."""

    __tablename__ = "document_services"

    document_id: str = Field(primary_key=True, foreign_key="documents.id")
    channel: str
    served_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    proof: str
    proof_id: str | None = Field(default=None, description="notify's stored proof artefact")
    proof_sha256: str | None = Field(default=None, description="hex SHA-256 of that artefact")
    chain_sha256: str | None = Field(
        default=None, description="the case's proof chain after this proof (notify keeps it)")
    event_id: str
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


documents = Document.__table__  # type: ignore[attr-defined]
document_services = DocumentService.__table__  # type: ignore[attr-defined]
