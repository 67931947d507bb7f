"""HTTP API of evidence: collect (A post), list, verify. Nothing deletes or changes an item."""

from __future__ import annotations

from fastapi import APIRouter
from labor_runtime.app import RuntimeDep

from cases.access import CaseId, Officer, Staff
from cases.evidence import flows
from cases.evidence.schemas import EvidenceCreate, EvidenceVerification, EvidenceView

router = APIRouter(prefix="/v1/cases/{case_id}/evidence", tags=["evidence"])


@router.post("", status_code=201, response_model=EvidenceView,
             summary="Fix an evidence item when collected (R-CASE-4): content hash, hash chain")
async def add(runtime: RuntimeDep, who: Officer, case_id: CaseId,
              body: EvidenceCreate) -> EvidenceView:
    return await flows.add(runtime, who, case_id, body)


@router.get("", response_model=list[EvidenceView], summary="The case's evidence list, in order")
async def list_items(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> list[EvidenceView]:
    return await flows.list_items(runtime, who, case_id)


@router.get("/verify", response_model=EvidenceVerification,
            summary="Detect any altered or deleted evidence item (R-OVS-1)")
async def verify(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> EvidenceVerification:
    return await flows.verify(runtime, who, case_id)
