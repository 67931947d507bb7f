"""Issuing, serving and verifying documents (R-DLV-1, R-DLV-3, R-DLV-4).

Documents are issued for service as `cases.document.issued.v2` (an open `kind`); the proof of
service (`notify.document.served.v1`) is recorded with notify's proof artefact, its hash and the
case's proof chain.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import DocumentIssuedV2
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.identifiers import new_id
from labor_contracts.notify import DocumentServed
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.rendering import DocumentContent
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cases.casefile import queries
from cases.documents import rules
from cases.documents.models import document_services, documents
from cases.documents.render import render_pdf
from cases.documents.rules import FilingKind, ServedKind
from cases.documents.schemas import VerificationView
from cases.settings import CasesRuntime, CasesSettings

PDF = "application/pdf"
JSON = "application/json"


@dataclass(frozen=True)
class Issued:
    document_id: str
    sha256: str
    verify_url: str
    pdf: bytes


async def file(session: AsyncSession, settings: CasesSettings, *, case_id: str,
               kind: DocumentKind | ServedKind | FilingKind, number: str, recipient: EmployerRef,
               issued_by: str, at: datetime,
               content: Callable[[str, str], DocumentContent]) -> Issued:
    """Render a document once and store it with its hash and QR verify link.

    `content(document_id, verify_url)` builds what is printed, QR link included.
    """
    document_id = new_id()
    link = rules.verify_url(settings.public_base_url, document_id)
    pdf = render_pdf(content(document_id, link))
    digest = rules.fingerprint(pdf)
    await session.execute(documents.insert().values(
        id=document_id, case_id=case_id, kind=kind, title=rules.TITLES[kind], number=number,
        recipient=recipient.model_dump(mode="json"), content_type=PDF, content=pdf, sha256=digest,
        verify_url=link, issued_by=issued_by, issued_at=at))
    return Issued(document_id, digest, link, pdf)


async def file_record(session: AsyncSession, settings: CasesSettings, *, case_id: str, kind: str,
                      title: str, number: str, content: bytes, issued_by: str,
                      at: datetime) -> str:
    """Store an internal record (canonical JSON, served on nobody) with its hash and verify
    link; returns its document id."""
    document_id = new_id()
    await session.execute(documents.insert().values(
        id=document_id, case_id=case_id, kind=kind, title=title, number=number,
        recipient={"internal": True}, content_type=JSON, content=content,
        sha256=rules.fingerprint(content),
        verify_url=rules.verify_url(settings.public_base_url, document_id), issued_by=issued_by,
        issued_at=at))
    return document_id


async def issue(uow: UnitOfWork, settings: CasesSettings, *, case_id: str, district: str | None,
                kind: DocumentKind | ServedKind, number: str, recipient: EmployerRef,
                issued_by: str, at: datetime, content: Callable[[str, str], DocumentContent]) -> Issued:
    """Render and store a document (`file`) and ask notify to serve it on its recipient."""
    issued = await file(uow.session, settings, case_id=case_id, kind=kind, number=number,
                        recipient=recipient, issued_by=issued_by, at=at, content=content)
    await uow.emit(DocumentIssuedV2(
        document_id=issued.document_id, case_id=case_id, kind=kind, district=district,
        title=rules.TITLES[kind],
        recipient=recipient, content_type=PDF, content_b64=base64.b64encode(issued.pdf).decode(),
        sha256=issued.sha256, verify_url=issued.verify_url), subject=case_id)
    return issued


async def document_row(session: AsyncSession, document_id: str) -> sa.Row[Any] | None:
    return (await session.execute(sa.select(
        documents.c.id, documents.c.case_id, documents.c.kind, documents.c.sha256)
        .where(documents.c.id == document_id))).first()


async def of_case(conn: AsyncConnection, case_id: str) -> list[Any]:
    """The case's documents in the order they were issued, with their service where proven."""
    return list((await conn.execute(
        sa.select(documents.c.id, documents.c.kind, documents.c.title, documents.c.number,
                  documents.c.sha256, documents.c.verify_url, documents.c.issued_at,
                  document_services.c.served_at, document_services.c.channel,
                  document_services.c.proof_id, document_services.c.proof_sha256,
                  document_services.c.chain_sha256)
        .select_from(documents.outerjoin(document_services,
                                         document_services.c.document_id == documents.c.id))
        .where(documents.c.case_id == case_id).order_by(documents.c.issued_at))).all())


async def stored_content(session: AsyncSession, document_id: str) -> bytes:
    """The document's bytes exactly as issued (what every signature signs)."""
    return bytes((await session.execute(sa.select(documents.c.content).where(
        documents.c.id == document_id))).scalar_one())


async def verify_link(conn: AsyncConnection, document_id: str) -> tuple[str, str]:
    """The document's verify link (its QR code) and SHA-256, as a view shows them."""
    row = (await conn.execute(sa.select(documents.c.verify_url, documents.c.sha256).where(
        documents.c.id == document_id))).one()
    return row.verify_url, row.sha256


async def record_service(session: AsyncSession, data: DocumentServed, *, event_id: str,
                         now: datetime) -> bool:
    """Record the proven time of service (R-DLV-3) with notify's proof artefact, its hash and the
    case's proof chain; False when it was already recorded."""
    result = await session.execute(
        insert(document_services).values(
            document_id=data.document_id, channel=data.channel, served_at=data.served_at,
            proof=data.proof, proof_id=data.proof_id, proof_sha256=data.proof_sha256,
            chain_sha256=data.chain_sha256, event_id=event_id, recorded_at=now)
        .on_conflict_do_nothing().returning(document_services.c.document_id))
    return result.first() is not None


async def served_at(session: AsyncSession, document_id: str) -> datetime | None:
    return (await session.execute(sa.select(document_services.c.served_at).where(
        document_services.c.document_id == document_id))).scalar_one_or_none()


async def verify(runtime: CasesRuntime, document_id: str, presented: str | None) -> VerificationView:
    """R-DLV-4: answer whether the document is genuine, and whether a presented copy matches."""
    settings = runtime.settings
    async with runtime.engine.connect() as conn:
        row = await queries.document_verification(conn, document_id)
    if row is None:
        raise Problem(404, "document-unknown", "Not a document of this authority",
                      f"{settings.authority_name} issued no document with id {document_id}; "
                      "treat the paper as not genuine and contact the bureau")
    view = VerificationView(
        document_id=row.id, genuine=True, kind=row.kind, title=row.title, number=row.number,
        case_number=row.case_number, authority=settings.authority_name,
        issued_on=row.issued_at.astimezone(BUREAU_TZ).date(), issued_at=row.issued_at,
        sha256=row.sha256, served_at=row.served_at)
    if presented is not None:
        view.presented_sha256 = presented.lower()
        view.matches = rules.hash_matches(row.sha256, presented)
    return view


async def staff_document(conn: AsyncConnection, document_id: str,
                         district: str | None) -> sa.Row[Any]:
    """A document as staff of `district` (None: the whole city) may read it: its stored bytes and
    number; 404 when there is none or it belongs to another district's case (finding 8)."""
    row = await queries.document_with_district(conn, document_id)
    if row is None or (district is not None and row.district != district):
        raise Problem(404, "not-found", "No such document", f"no document with id {document_id}")
    return row


async def pdf_bytes(runtime: CasesRuntime, document_id: str, district: str | None) -> tuple[bytes, str]:
    """The stored bytes, exactly as issued, and the document number (for the file name)."""
    async with runtime.engine.connect() as conn:
        row = await staff_document(conn, document_id, district)
    return bytes(row.content), row.number
