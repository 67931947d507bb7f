"""HTTP API of stored documents: staff read the metadata and hash of what was served."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal

from notify.delivery.routes import READERS
from notify.documents import flows
from notify.documents.schemas import DocumentView

router = APIRouter(prefix="/v1/documents", tags=["documents"])

Reader = Annotated[Principal, Depends(staff(*READERS))]


@router.get("/{document_id}", summary="A stored document's metadata and SHA-256 (R-DLV-4)")
async def get_document(runtime: RuntimeDep, who: Reader,
                       document_id: Annotated[str, Path(max_length=200)]) -> DocumentView:
    return await flows.metadata(runtime, document_id)
