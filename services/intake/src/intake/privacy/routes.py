"""HTTP API of the staff list: masked names and phones, district-scoped (R-INT-7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from intake.privacy import flows
from intake.privacy.schemas import ComplaintList

router = APIRouter(tags=["complaints"])

CaseHandler = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.REVIEWER_B,
                                                 Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]


@router.get("/v1/complaints", response_model=ComplaintList,
            summary="Complaints of your district, complainants masked (R-INT-7; audited)")
async def list_complaints(
        runtime: RuntimeDep, who: CaseHandler,
        status: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> ComplaintList:
    return await flows.list_complaints(runtime, who, status=status, limit=limit, offset=offset)
