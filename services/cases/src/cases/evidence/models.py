"""Evidence items: append-only (DB trigger) and hash-chained per case."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from cases.tables import CasesTable


class EvidenceItem(CasesTable, table=True):
    __tablename__ = "evidence_items"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    position: int = Field(description="1, 2, ... within the case")
    kind: str
    title: str
    description: str = ""
    content_type: str
    content: bytes = Field(sa_type=sa.LargeBinary)
    content_sha256: str
    collected_by: str
    collected_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    prev_hash: str
    row_hash: str


evidence_items = EvidenceItem.__table__  # type: ignore[attr-defined]
