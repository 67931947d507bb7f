"""HTTP API of hearings and execution."""

from __future__ import annotations

from fastapi import APIRouter
from labor_runtime.app import RuntimeDep

from cases.access import BrigadeChief, CaseId, Executor, Officer, Staff
from cases.execution import flows
from cases.execution.schemas import (
    CloseRequest,
    ExecutionView,
    HearingRecordCreate,
    HearingRequest,
    HearingView,
    PaymentFeed,
    PaymentResult,
)

router = APIRouter(tags=["execution"])


@router.post("/v1/cases/{case_id}/hearing", status_code=201, response_model=HearingView,
             summary="Record the party's request for a hearing after the notice (R-CASE-5); it is "
                     "held within 7 days",
             responses={409: {"description": "no notice served, or the notice period is over"}})
async def request_hearing(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                          body: HearingRequest) -> HearingView:
    return await flows.request_hearing(runtime, who, case_id, body)


@router.get("/v1/cases/{case_id}/hearing", response_model=HearingView,
            summary="The case's hearing: request, deadline, record")
async def read_hearing(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> HearingView:
    return await flows.hearing_view(runtime, who, case_id)


@router.post("/v1/cases/{case_id}/hearing/record", response_model=HearingView,
             summary="Store the signed hearing record (听证笔录), a basis of the decision")
async def record_hearing(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                         body: HearingRecordCreate) -> HearingView:
    return await flows.record_hearing(runtime, who, case_id, body)


@router.post("/v1/payments", response_model=list[PaymentResult],
             summary="Import payments from the fiscal account feed (C post, R-CASE-6); idempotent "
                     "per bank reference")
async def import_payments(runtime: RuntimeDep, who: Executor, body: PaymentFeed) -> list[PaymentResult]:
    return await flows.import_payments(runtime, who, body)


@router.get("/v1/cases/{case_id}/execution", response_model=ExecutionView,
            summary="Fine, surcharge (3%/day, capped at the fine), payments, reminder, court")
async def read_execution(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> ExecutionView:
    return await flows.execution_view(runtime, who, case_id)


@router.post("/v1/cases/{case_id}/court-enforcement", response_model=ExecutionView,
             summary="Apply for court enforcement after the reminder, still unpaid (R-CASE-7)",
             responses={409: {"description": "paid, no reminder yet, or wrong state"}})
async def court_enforcement(runtime: RuntimeDep, who: Executor, case_id: CaseId) -> ExecutionView:
    return await flows.apply_for_court_enforcement(runtime, who, case_id)


@router.post("/v1/cases/{case_id}/close", status_code=204,
             summary="Close the case (brigade chief): published, and a fine paid in full",
             responses={409: {"description": "wrong state, or the fine is not paid in full"}})
async def close(runtime: RuntimeDep, who: BrigadeChief, case_id: CaseId,
                body: CloseRequest) -> None:
    await flows.close(runtime, who, case_id, body.reason)
