"""HTTP API of major cases: report incidents, the task force, milestones, follow-up sanctions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from cases.access import CaseId, DetachmentChief, Staff
from cases.major import flows
from cases.major.rules import Milestone
from cases.major.schemas import (
    IncidentOutcome,
    IncidentReport,
    MajorCaseView,
    MilestoneDone,
    SanctionsRequest,
    TaskForce,
)

router = APIRouter(tags=["major cases"])

Reporter = Annotated[Principal, Depends(staff(
    Role.GRID_WORKER, Role.OFFICER_A, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
Responder = Annotated[Principal, Depends(staff(
    Role.OFFICER_A, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
Chiefs = Annotated[Principal, Depends(staff(Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
MajorCaseId = Annotated[str, Path(max_length=64)]


@router.post("/v1/cases/{case_id}/incidents", status_code=201, response_model=IncidentOutcome,
             summary="Report an incident (road blocking, suicide threat, mass petition, online "
                     "attention, ...); opens the emergency response when R-MAJ-1 holds")
async def report_incident(runtime: RuntimeDep, who: Reporter, case_id: CaseId,
                          body: IncidentReport) -> IncidentOutcome:
    return await flows.report_incident(runtime, who, case_id, body)


@router.get("/v1/cases/{case_id}/major-case", response_model=MajorCaseView,
            summary="The case's emergency response (R-MAJ-2)",
            responses={404: {"description": "the case is not major"}})
async def read_for_case(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> MajorCaseView:
    return await flows.major_case_of_case(runtime, who, case_id)


@router.get("/v1/major-cases", response_model=list[MajorCaseView],
            summary="Major cases, newest first (own district below the city detachment)")
async def find(runtime: RuntimeDep, who: Staff,
               open_only: Annotated[bool, Query(description="only those with milestones to do")] = False,
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[MajorCaseView]:
    return await flows.find(runtime, who, open_only=open_only, limit=limit)


@router.get("/v1/major-cases/{major_case_id}", response_model=MajorCaseView,
            summary="A major case: grounds, task force, milestones, incidents, sanctions")
async def read(runtime: RuntimeDep, who: Staff, major_case_id: MajorCaseId) -> MajorCaseView:
    return await flows.major_case_view(runtime, who, major_case_id)


@router.put("/v1/major-cases/{major_case_id}/task-force", response_model=MajorCaseView,
            summary='Record the "1+6" task force members (R-MAJ-2)')
async def set_task_force(runtime: RuntimeDep, who: Chiefs, major_case_id: MajorCaseId,
                         body: TaskForce) -> MajorCaseView:
    return await flows.set_task_force(runtime, who, major_case_id, body)


@router.post("/v1/major-cases/{major_case_id}/milestones/{milestone}", response_model=MajorCaseView,
             summary="Record a milestone reached, with who and the evidence (R-MAJ-2)",
             responses={409: {"description": "the milestone is already recorded"}})
async def record_milestone(runtime: RuntimeDep, who: Responder, major_case_id: MajorCaseId,
                           milestone: Milestone, body: MilestoneDone) -> MajorCaseView:
    return await flows.record_milestone(runtime, who, major_case_id, milestone, body)


@router.post("/v1/major-cases/{major_case_id}/sanctions", status_code=201,
             response_model=MajorCaseView,
             summary="Follow-up sanctions (R-MAJ-3): bid ban and downgrade, construction market ban",
             responses={409: {"description": "sanctions were already imposed"}})
async def impose_sanctions(runtime: RuntimeDep, who: DetachmentChief, major_case_id: MajorCaseId,
                           body: SanctionsRequest) -> MajorCaseView:
    return await flows.impose_sanctions(runtime, who, major_case_id, body)
