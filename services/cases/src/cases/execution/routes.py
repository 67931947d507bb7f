"""HTTP API of execution: payments, what is owed, court enforcement."""

from __future__ import annotations

from fastapi import APIRouter
from labor_runtime.app import RuntimeDep

from cases.access import CaseId, Executor, Staff
from cases.execution import flows
from cases.execution.schemas import ExecutionView, PaymentFeed, PaymentResult

router = APIRouter(tags=["execution"])


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
