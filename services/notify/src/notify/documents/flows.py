"""Storing an issued document once, immutably, and reading its metadata (R-DLV-4)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from labor_contracts.cases import DocumentIssued, DocumentIssuedV2
from labor_contracts.credit import CreditDocumentIssued
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify.delivery.models import deliveries
from notify.documents.models import documents
from notify.documents.schemas import DocumentView


class DocumentConflict(Exception):
    """The same document id was issued before with other content: documents never change."""


async def store(session: AsyncSession, *, data: DocumentIssued | DocumentIssuedV2 | CreditDocumentIssued,
                case_id: str, content: bytes, issued_at: datetime, now: datetime,
                event_id: str) -> bool:
    """Keep the document; True when it is new, False when this exact document is already kept.

    `case_id`: the matter the document belongs to (a case, or credit's blacklist entry or repair)."""
    inserted = (await session.execute(
        insert(documents).values(
            id=data.document_id, case_id=case_id, kind=str(data.kind), title=data.title,
            content_type=data.content_type, content=content, size_bytes=len(content),
            sha256=data.sha256.lower(), verify_url=data.verify_url,
            recipient=data.recipient.model_dump(mode="json"), issued_at=issued_at, stored_at=now,
            source_event_id=event_id)
        .on_conflict_do_nothing(index_elements=[documents.c.id])
        .returning(documents.c.id))).first()
    if inserted is not None:
        return True
    kept = (await session.execute(sa.select(documents.c.sha256, documents.c.case_id).where(
        documents.c.id == data.document_id))).one()
    if kept.sha256 != data.sha256.lower() or kept.case_id != case_id:
        raise DocumentConflict(
            f"document {data.document_id} was already issued with sha256 {kept.sha256} "
            f"(case {kept.case_id}); a stored document never changes: issue a new document id")
    return False


async def metadata(runtime: Runtime, document_id: str) -> DocumentView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(*(c for c in documents.c if c.name != "content"),
                      deliveries.c.id.label("delivery_id"), deliveries.c.status.label("delivery_status"))
            .select_from(documents.outerjoin(deliveries, deliveries.c.document_id == documents.c.id))
            .where(documents.c.id == document_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such document")
    return DocumentView(
        id=row.id, case_id=row.case_id, kind=row.kind, title=row.title,
        content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256,
        verify_url=row.verify_url, recipient_name=row.recipient.get("name", ""),
        recipient_credit_code=row.recipient.get("credit_code"), issued_at=row.issued_at,
        stored_at=row.stored_at, delivery_id=row.delivery_id, delivery_status=row.delivery_status)
