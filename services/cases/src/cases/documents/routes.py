"""HTTP API of documents: public verification by QR code, the stored PDF for staff."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response
from labor_runtime.app import RuntimeDep

from cases.access import Staff
from cases.documents import flows
from cases.documents.schemas import VerificationView

router = APIRouter(prefix="/v1/documents", tags=["documents"])

DocumentId = Annotated[str, Path(max_length=64)]


@router.get("/{document_id}/verify", response_model=VerificationView,
            summary="Is this document genuine? Public, no login: where the QR code leads (R-DLV-4)",
            responses={404: {"description": "no such document: not genuine"}})
async def verify(runtime: RuntimeDep, document_id: DocumentId,
                 sha256: Annotated[str | None, Query(
                     pattern=r"^[0-9a-fA-F]{64}$",
                     description="SHA-256 of your copy; the answer says whether it matches")] = None,
                 ) -> VerificationView:
    return await flows.verify(runtime, document_id, sha256)


@router.get("/{document_id}/pdf", response_class=Response,
            summary="The issued PDF, byte for byte as stored and served",
            responses={200: {"content": {"application/pdf": {}}}})
async def pdf(runtime: RuntimeDep, who: Staff, document_id: DocumentId) -> Response:
    content, number = await flows.pdf_bytes(runtime, document_id, who.district)
    filename = quote(f"{number}.pdf")
    return Response(content, media_type=flows.PDF, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{filename}",
        "Cache-Control": "private, max-age=0"})
