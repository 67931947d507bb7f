"""HTTP API of stored documents: staff read the metadata and hash of what was served; anyone
holding a document notify rendered checks it through its QR code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal

from notify.delivery.routes import READERS
from notify.documents import flows
from notify.documents.schemas import DocumentView, VerificationView

router = APIRouter(prefix="/v1/documents", tags=["documents"])

Reader = Annotated[Principal, Depends(staff(*READERS))]
DocumentId = Annotated[str, Path(max_length=200)]


@router.get("/{document_id}", summary="A stored document's metadata and SHA-256 (R-DLV-4)")
async def get_document(runtime: RuntimeDep, who: Reader,
                       document_id: DocumentId) -> DocumentView:
    return await flows.metadata(runtime, who, document_id)


@router.get("/{document_id}/verify", response_model=VerificationView,
            summary="Is this document genuine? Public, no login: where the QR code leads (R-DLV-4)",
            responses={404: {"description": "no such document: not genuine"}})
async def verify(runtime: RuntimeDep, document_id: DocumentId,
                 sha256: Annotated[str | None, Query(
                     pattern=r"^[0-9a-fA-F]{64}$",
                     description="SHA-256 of your copy; the answer says whether it matches")] = None,
                 ) -> VerificationView:
    return await flows.verify(runtime, document_id, sha256)
