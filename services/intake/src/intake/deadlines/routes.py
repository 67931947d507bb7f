"""HTTP API of handling deadlines (R-INT-3, R-INT-4): staff act, dashboards read; district-scoped."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from intake.deadlines import flows
from intake.deadlines.rules import Kind
from intake.deadlines.schemas import (
    Assignment,
    Escalation,
    Handling,
    MediationRecord,
    OnTimeReport,
    OverdueList,
    PhoneConfirmation,
    WorkerTold,
)

router = APIRouter(tags=["deadlines"])

Dispatcher = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.BRIGADE_CHIEF,
                                                Role.DETACHMENT_CHIEF))]
GridWorker = Annotated[Principal, Depends(staff(Role.GRID_WORKER))]
Escalator = Annotated[Principal, Depends(staff(Role.GRID_WORKER, Role.OFFICER_A,
                                               Role.BRIGADE_CHIEF))]
Reader = Annotated[Principal, Depends(staff(Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B,
                                            Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
ComplaintId = Annotated[str, Path(max_length=64)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "role not allowed, or another district's complaint"},
    404: {"description": "no such complaint"},
    409: {"description": "not possible in the complaint's state"}}


@router.get("/v1/complaints/by-id/{complaint_id}/handling", response_model=Handling,
            summary="Where a complaint's handling and its deadlines stand (R-INT-3)", responses=_ERRORS)
async def get_handling(runtime: RuntimeDep, who: Reader, complaint_id: ComplaintId) -> Handling:
    return await flows.handling(runtime, who, complaint_id)


@router.post("/v1/complaints/by-id/{complaint_id}/assignment", response_model=Handling,
             summary="Assign a handler: meets the 1-hour deadline (R-INT-3)", responses=_ERRORS)
async def assign(runtime: RuntimeDep, who: Dispatcher, complaint_id: ComplaintId,
                 body: Assignment) -> Handling:
    return await flows.assign(runtime, who, complaint_id, body)


@router.post("/v1/complaints/by-id/{complaint_id}/phone-confirmation", response_model=Handling,
             summary="Record the phone confirmation: meets the 24-hour deadline (R-INT-3)",
             responses=_ERRORS)
async def confirm_phone(runtime: RuntimeDep, who: Dispatcher, complaint_id: ComplaintId,
                        body: PhoneConfirmation) -> Handling:
    return await flows.confirm_phone(runtime, who, complaint_id, body)


@router.post("/v1/complaints/by-id/{complaint_id}/registration-answer/told",
             response_model=Handling,
             summary="Record that staff told the worker the registration decision (e.g. their "
             "channel's notice failed): meets the 7-day deadline (R-INT-3)",
             responses={**_ERRORS, 409: {"description": "no registration decision yet"}})
async def registration_answer_told(runtime: RuntimeDep, who: Dispatcher, complaint_id: ComplaintId,
                                   body: WorkerTold) -> Handling:
    return await flows.tell_registration_answer(runtime, who, complaint_id, body)


@router.post("/v1/complaints/by-id/{complaint_id}/correction-notice/told",
             response_model=Handling,
             summary="Record that staff told the worker what materials to bring (e.g. their "
             "channel could not deliver the correction notice): ends the follow-up (R-INT-2)",
             responses={**_ERRORS, 409: {"description": "no materials are missing"}})
async def correction_notice_told(runtime: RuntimeDep, who: Dispatcher, complaint_id: ComplaintId,
                                 body: WorkerTold) -> Handling:
    return await flows.tell_correction_notice(runtime, who, complaint_id, body)


@router.post("/v1/complaints/by-id/{complaint_id}/mediation", response_model=Handling,
             summary="Record the grid's mediation result; failed starts the 2-hour escalation "
             "deadline (R-INT-4, R-ORG-1)", responses=_ERRORS)
async def mediation(runtime: RuntimeDep, who: GridWorker, complaint_id: ComplaintId,
                    body: MediationRecord) -> Handling:
    return await flows.record_mediation(runtime, who, complaint_id, body)


@router.post("/v1/complaints/by-id/{complaint_id}/escalation", response_model=Handling,
             summary="Report a failed mediation to the district brigade (R-INT-4)", responses=_ERRORS)
async def escalation(runtime: RuntimeDep, who: Escalator, complaint_id: ComplaintId,
                     body: Escalation) -> Handling:
    return await flows.escalate(runtime, who, complaint_id, body)


@router.get("/v1/deadlines/overdue", response_model=OverdueList,
            summary="Deadlines past due without their action, by kind, and workers their channel "
            "could not reach, of your district (R-INT-3)")
async def overdue(runtime: RuntimeDep, who: Reader,
                  kind: Annotated[Kind | None, Query()] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> OverdueList:
    return await flows.overdue(runtime, who, kind=kind, limit=limit)


@router.get("/v1/deadlines/on-time-rate", response_model=OnTimeReport,
            summary="Share of deadlines met on time, by kind, of your district (R-INT-3)")
async def on_time_rate(runtime: RuntimeDep, who: Reader,
                       days: Annotated[int, Query(ge=1, le=3660)] = 30) -> OnTimeReport:
    return await flows.on_time_report(runtime, who, days=days)
