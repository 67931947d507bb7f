"""HTTP API of signatures: verify every signature of a document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from labor_runtime.app import RuntimeDep

from cases.access import Staff
from cases.signatures import flows
from cases.signatures.schemas import SignaturesView

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.get("/{document_id}/signatures", response_model=SignaturesView,
            summary="Every electronic signature of the document, verified against its stored bytes")
async def signatures(runtime: RuntimeDep, who: Staff,
                     document_id: Annotated[str, Path(max_length=64)]) -> SignaturesView:
    return await flows.verify_all(runtime, document_id, who.district)
