"""HTTP API of the case lifecycle: find a case, read it and its timeline, answer registration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from cases.lifecycle import flows
from cases.lifecycle.rules import CaseState
from cases.lifecycle.schemas import CaseSummary, CaseView, RegistrationDecision, TimelineView

router = APIRouter(prefix="/v1/cases", tags=["cases"])

Staff = Annotated[Principal, Depends(staff(
    Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
BrigadeChief = Annotated[Principal, Depends(staff(Role.BRIGADE_CHIEF))]
CaseId = Annotated[str, Path(max_length=64)]


@router.get("", response_model=list[CaseSummary], summary="Find cases (e.g. the case of a complaint)")
async def find_cases(
    runtime: RuntimeDep, who: Staff,
    complaint_id: Annotated[str | None, Query(max_length=64,
                                              description="the case opened for this complaint")] = None,
    state: Annotated[CaseState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CaseSummary]:
    return await flows.find(runtime, who, complaint_id=complaint_id,
                            state=str(state) if state else None, limit=limit)


@router.get("/{case_id}", response_model=CaseView, summary="Read a case (R-CASE-1)")
async def read_case(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> CaseView:
    return await flows.case_view(runtime, who, case_id)


@router.get("/{case_id}/timeline", response_model=list[TimelineView],
            summary="Every step of the case with actor, role, time and reason (R-CASE-1)")
async def read_timeline(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> list[TimelineView]:
    return await flows.timeline(runtime, who, case_id)


@router.post("/{case_id}/registration", response_model=CaseView,
             summary="Register or refuse a pending case, e-signed by the brigade chief (R-CASE-2)",
             responses={409: {"description": "the case is not awaiting registration"}})
async def answer_registration(runtime: RuntimeDep, who: BrigadeChief, case_id: CaseId,
                              body: RegistrationDecision) -> CaseView:
    return await flows.decide_registration(runtime, who, case_id, body)
