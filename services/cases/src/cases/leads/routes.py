"""HTTP API of inspection leads: the district's staff list them; A-post officers and brigade
chiefs take them up or dismiss them, with a reason (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from cases.access import Staff
from cases.leads import flows
from cases.leads.schemas import LeadDecision, LeadRead, LeadState

router = APIRouter(tags=["inspection leads"])

Deciders = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.BRIGADE_CHIEF))]
LeadId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
_DECIDE: dict[int | str, dict[str, Any]] = {404: {"description": "unknown, or another district's lead"},
           409: {"description": "the lead is no longer open"}}


@router.get("/v1/leads", response_model=list[LeadRead],
            summary="Inspection leads from warnings and deposit findings, newest first "
            "(own district below the city detachment; R-CRD-3, R-CRD-6)")
async def leads(runtime: RuntimeDep, who: Staff,
                state: Annotated[LeadState | None, Query()] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[LeadRead]:
    return await flows.listed(runtime, who, state=state, limit=limit)


@router.post("/v1/leads/{lead_id}/take", response_model=LeadRead, responses=_DECIDE,
             summary="Take up an open lead for inspection")
async def take(runtime: RuntimeDep, who: Deciders, lead_id: LeadId,
               body: LeadDecision) -> LeadRead:
    return await flows.decide(runtime, who, lead_id, take=True, reason=body.reason)


@router.post("/v1/leads/{lead_id}/dismiss", response_model=LeadRead, responses=_DECIDE,
             summary="Dismiss an open lead")
async def dismiss(runtime: RuntimeDep, who: Deciders, lead_id: LeadId,
                  body: LeadDecision) -> LeadRead:
    return await flows.decide(runtime, who, lead_id, take=False, reason=body.reason)
