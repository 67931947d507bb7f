"""HTTP API of the rectified path (R-CASE-1): the order to rectify and the employer's compliance."""

from __future__ import annotations

from fastapi import APIRouter
from labor_runtime.app import RuntimeDep

from cases.access import CaseId, Officer, Staff
from cases.rectification import flows
from cases.rectification.schemas import ComplianceRecord, RectificationOrderCreate, RectificationView

router = APIRouter(prefix="/v1/cases", tags=["rectification"])


@router.post("/{case_id}/rectification-order", status_code=201, response_model=RectificationView,
             summary="Order the employer to rectify within a term (限期整改指令书, A post); the "
                     "term is a stored deadline",
             responses={409: {"description": "not investigating, an order runs, or a penalty "
                                             "proposal is under way"}})
async def give_order(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                     body: RectificationOrderCreate) -> RectificationView:
    return await flows.give_order(runtime, who, case_id, body)


@router.post("/{case_id}/rectification", response_model=RectificationView,
             summary="Record that the employer rectified, proven by the case's evidence: the "
                     "case is rectified and closes without a penalty (R-CASE-1)",
             responses={409: {"description": "no order, already recorded, or unknown evidence"}})
async def record_compliance(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                            body: ComplianceRecord) -> RectificationView:
    return await flows.record_compliance(runtime, who, case_id, body)


@router.get("/{case_id}/rectification", response_model=RectificationView,
            summary="The case's latest order to rectify and its outcome")
async def read(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> RectificationView:
    return await flows.view(runtime, who, case_id)
