"""HTTP API of complaints: channels file, workers follow, handlers read the complainant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from labor_runtime.app import RuntimeDep, api_client, staff
from labor_runtime.security import Principal, Role

from intake.complaints import flows
from intake.complaints.schemas import (
    ComplainantView,
    ComplaintCreate,
    ComplaintReceipt,
    ComplaintStatusView,
)

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

Channel = Annotated[Principal, Depends(api_client("channel", scope="complaints:write"))]
CaseHandler = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.REVIEWER_B,
                                                 Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=128,
                                       description="the channel's unique id for this request")]


@router.post("", status_code=201, response_model=ComplaintReceipt,
             summary="File a complaint (R-INT-1, R-INT-2, R-INT-5)",
             responses={200: {"description": "replay of an earlier request with the same key"},
                        409: {"description": "key reused with a different body"},
                        422: {"description": "invalid input or the one-time correction notice"}})
async def file_complaint(body: ComplaintCreate, runtime: RuntimeDep, client: Channel,
                         idempotency_key: IdempotencyKey, response: Response) -> ComplaintReceipt:
    receipt, replayed = await flows.accept(runtime, client, idempotency_key, body)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return receipt


@router.get("/{tracking_code}", response_model=ComplaintStatusView,
            summary="Follow a complaint by its tracking code, without an account (R-INT-8)")
async def follow(runtime: RuntimeDep,
                 tracking_code: Annotated[str, Path(max_length=64)]) -> ComplaintStatusView:
    row = await flows.status_by_tracking_code(runtime, tracking_code)
    return ComplaintStatusView(tracking_code=row.tracking_code, status=row.status,
                               status_reason=row.status_reason, channel=row.channel,
                               received_at=row.received_at, updated_at=row.updated_at)


@router.get("/by-id/{complaint_id}/complainant", response_model=ComplainantView,
            summary="Read the complainant's identity (audited; case handlers only, R-INT-7)")
async def complainant(runtime: RuntimeDep, who: CaseHandler,
                      complaint_id: Annotated[str, Path(max_length=64)],
                      reason: Annotated[str, Query(min_length=3, max_length=500,
                                                   description="why you need it (audited)")],
                      ) -> ComplainantView:
    return await flows.read_complainant(runtime, who, complaint_id, reason)
