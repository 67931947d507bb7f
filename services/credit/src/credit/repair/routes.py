"""HTTP API of credit repair (R-CRD-5, R-PUB-5): application, reviews, objections, reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from credit.blacklist.routes import EntryId
from credit.employers.routes import Staff
from credit.repair import flows
from credit.repair.schemas import Application, ObjectionDecision, RepairRead, RepairReview

router = APIRouter(tags=["credit repair"])

Recorder = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.EXECUTOR_C))]
BrigadeChief = Annotated[Principal, Depends(staff(Role.BRIGADE_CHIEF))]
DetachmentChief = Annotated[Principal, Depends(staff(Role.DETACHMENT_CHIEF))]
RepairId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "role not allowed, or separation of duties (R-ORG-2)"},
    404: {"description": "no such repair in your district"},
    409: {"description": "not possible in the repair's state"},
}


@router.post("/v1/blacklist/{entry_id}/repair", response_model=RepairRead, status_code=201,
             responses=_ERRORS | {422: {"description": "every unmet condition, at once"}},
             summary="Record the employer's application for credit repair (R-CRD-5)")
async def apply(runtime: RuntimeDep, who: Recorder, entry_id: EntryId,
                body: Application) -> RepairRead:
    repair_id = await flows.apply(runtime, who, entry_id, body)
    return await flows.read(runtime, who, repair_id)


@router.get("/v1/repairs/{repair_id}", response_model=RepairRead, responses=_ERRORS,
            summary="A repair with its objections, documents and timeline")
async def repair(runtime: RuntimeDep, who: Staff, repair_id: RepairId) -> RepairRead:
    return await flows.read(runtime, who, repair_id)


@router.post("/v1/repairs/{repair_id}/first-review", response_model=RepairRead,
             responses=_ERRORS, summary="The brigade's first review (大队初审)")
async def first_review(runtime: RuntimeDep, who: BrigadeChief, repair_id: RepairId,
                       body: RepairReview) -> RepairRead:
    await flows.first_review(runtime, who, repair_id, body)
    return await flows.read(runtime, who, repair_id)


@router.post("/v1/repairs/{repair_id}/second-review", response_model=RepairRead,
             responses=_ERRORS,
             summary="The detachment's review (支队复审); approval starts the public notice")
async def second_review(runtime: RuntimeDep, who: DetachmentChief, repair_id: RepairId,
                        body: RepairReview) -> RepairRead:
    await flows.second_review(runtime, who, repair_id, body)
    return await flows.read(runtime, who, repair_id)


@router.post("/v1/repairs/{repair_id}/objections/{objection_id}/decision",
             response_model=RepairRead, responses=_ERRORS,
             summary="Uphold an objection (repair refused) or dismiss it (the notice restarts "
             "for its full period) (R-PUB-5)")
async def objection_decision(runtime: RuntimeDep, who: DetachmentChief, repair_id: RepairId,
                             objection_id: Annotated[str, Path(min_length=1, max_length=64)],
                             body: ObjectionDecision) -> RepairRead:
    await flows.decide_objection(runtime, who, repair_id, objection_id, body)
    return await flows.read(runtime, who, repair_id)
