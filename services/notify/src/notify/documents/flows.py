"""Storing an issued document once, immutably, reading its metadata, and answering whether a
document is genuine (R-DLV-4)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import DocumentIssued, DocumentIssuedV2
from labor_contracts.credit import CreditDocumentIssued
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify.delivery.models import deliveries
from notify.documents import rules
from notify.documents.models import documents
from notify.documents.schemas import DocumentView, VerificationView
from notify.settings import NotifyRuntime

PDF = "application/pdf"


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


@dataclass(frozen=True)
class Rendered:
    """A document notify rendered itself, as kept: what a notice carries to its channel."""

    document_id: str
    title: str
    sha256: str
    verify_url: str
    content_type: str
    content: bytes


def _rendered_query(document_id: str) -> sa.Select[Any]:
    return sa.select(documents.c.id, documents.c.title, documents.c.sha256, documents.c.verify_url,
                     documents.c.content_type, documents.c.content).where(documents.c.id == document_id)


def _as_rendered(row: sa.Row[Any]) -> Rendered:
    return Rendered(row.id, row.title, row.sha256, row.verify_url, row.content_type, bytes(row.content))


async def rendered(session: AsyncSession, document_id: str) -> Rendered | None:
    """The kept document, or None when it was never rendered."""
    row = (await session.execute(_rendered_query(document_id))).first()
    return None if row is None else _as_rendered(row)


async def keep_rendered(session: AsyncSession, *, document_id: str, case_id: str, kind: str,
                        title: str, content: bytes, verify_url: str, recipient: dict[str, Any],
                        issued_at: datetime, now: datetime, event_id: str) -> Rendered:
    """Keep a PDF notify rendered, with its SHA-256, once: when a twin was kept first (the same
    event handled twice at once), the kept one is the document."""
    await session.execute(
        insert(documents).values(
            id=document_id, case_id=case_id, kind=kind, title=title, content_type=PDF,
            content=content, size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
            verify_url=verify_url, recipient=recipient, issued_at=issued_at, stored_at=now,
            source_event_id=event_id)
        .on_conflict_do_nothing(index_elements=[documents.c.id]))
    return _as_rendered((await session.execute(_rendered_query(document_id))).one())


async def verify(runtime: NotifyRuntime, document_id: str, presented: str | None) -> VerificationView:
    """R-DLV-4: answer whether the document is genuine, and whether a presented copy matches.
    Public: says nothing of the recipient nor of the matter it belongs to."""
    authority = runtime.settings.authority_name
    async with runtime.reader.connect() as conn:
        row = (await conn.execute(sa.select(
            documents.c.id, documents.c.kind, documents.c.title, documents.c.issued_at,
            documents.c.sha256).where(documents.c.id == document_id))).first()
    if row is None:
        raise Problem(404, "document-unknown", "Not a document of this authority",
                      f"{authority} issued no document with id {document_id}; treat the paper "
                      "as not genuine and contact the bureau")
    view = VerificationView(
        document_id=row.id, genuine=True, kind=row.kind, title=row.title, authority=authority,
        issued_on=row.issued_at.astimezone(BUREAU_TZ).date(), issued_at=row.issued_at,
        sha256=row.sha256)
    if presented is not None:
        view.presented_sha256 = presented.lower()
        view.matches = rules.hash_matches(row.sha256, presented)
    return view


async def metadata(runtime: Runtime, who: Principal, document_id: str) -> DocumentView:
    """A stored document's metadata; one of another district's case answers 404 (a document
    served on nobody, as a correction notice, is city-wide business)."""
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(*(c for c in documents.c if c.name != "content"),
                      deliveries.c.id.label("delivery_id"), deliveries.c.status.label("delivery_status"),
                      deliveries.c.district)
            .select_from(documents.outerjoin(deliveries, deliveries.c.document_id == documents.c.id))
            .where(documents.c.id == document_id))).first()
    if row is None or not who.reaches(row.district):
        raise Problem(404, "not-found", "No such document")
    return DocumentView(
        id=row.id, case_id=row.case_id, kind=row.kind, title=row.title,
        content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256,
        verify_url=row.verify_url, recipient_name=row.recipient.get("name", ""),
        recipient_credit_code=row.recipient.get("credit_code"), issued_at=row.issued_at,
        stored_at=row.stored_at, delivery_id=row.delivery_id, delivery_status=row.delivery_status)
