"""HTTP API of complaints: channels file, workers follow, handlers read the complainant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from labor_runtime.app import RuntimeDep, link, staff
from labor_runtime.inputs import Text
from labor_runtime.problems import Problem
from labor_runtime.security import Principal, Role

from intake.channels.guard import ChannelClient, IntakeRuntimeDep, QuotaBookDep, channel, charge
from intake.complaints import flows
from intake.complaints.rules import ComplaintStatus
from intake.complaints.schemas import (
    BatchRequest,
    BatchResult,
    ComplainantView,
    ComplaintCreate,
    ComplaintReceipt,
    ComplaintStatusView,
    ComplaintTextView,
)
from intake.privacy.flows import masked_text

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

Channel = Annotated[ChannelClient, Depends(channel("complaints:write"))]
BatchChannel = Annotated[ChannelClient, Depends(channel("complaints:write", cost=0))]
CaseHandler = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.REVIEWER_B,
                                                 Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=128,
                                       description="the channel's unique id for this request")]


@router.post("", status_code=201, response_model=ComplaintReceipt,
             summary="File a complaint (R-INT-1, R-INT-2, R-INT-5)",
             responses={201: {"description": "filed", "links": {
                 "FollowComplaint": link("/v1/complaints/{tracking_code}",
                                         tracking_code="$response.body#/tracking_code"),
                 "UploadMaterials": link("/v1/complaints/{tracking_code}/materials", "post",
                                         tracking_code="$response.body#/tracking_code"),
                 "ReadComplainant": link("/v1/complaints/by-id/{complaint_id}/complainant",
                                         complaint_id="$response.body#/complaint_id")}},
                        200: {"description": "replay of an earlier request with the same key"},
                        202: {"description": "stored awaiting materials: the receipt carries the "
                              "one-time correction notice; upload by tracking code completes it"},
                        403: {"description": "the key's client is not a known channel"},
                        409: {"description": "key reused with a different body"},
                        422: {"description": "invalid input"},
                        429: {"description": "the channel's rate limit; see Retry-After"}})
async def file_complaint(body: ComplaintCreate, runtime: RuntimeDep, client: Channel,
                         idempotency_key: IdempotencyKey, response: Response) -> ComplaintReceipt:
    receipt, replayed = await flows.accept(runtime, client, idempotency_key, body)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    elif receipt.status == ComplaintStatus.AWAITING_MATERIALS:
        response.status_code = 202
    return receipt


@router.post("/batch", response_model=BatchResult,
             summary="Re-send an offline queue: each item once by its own key (R-INT-5)",
             responses={413: {"description": "more items than BATCH_MAX_ITEMS"},
                        429: {"description": "the items exceed the channel's rate limit"}})
async def file_batch(body: BatchRequest, runtime: IntakeRuntimeDep, client: BatchChannel,
                     book: QuotaBookDep) -> BatchResult:
    """Answers 200 with one result per item in order: `accepted` (receipt), `duplicate` (the
    original receipt) or `rejected` (its problem); each item counts once against the quota."""
    settings = runtime.settings
    if len(body.items) > settings.batch_max_items:
        raise Problem(413, "batch-too-large", "Too many items in one batch",
                      f"send at most {settings.batch_max_items} items per batch",
                      max_items=settings.batch_max_items)
    await charge(book, runtime, client, len(body.items))
    items = await flows.accept_batch(runtime, client, body.items)
    counts = {o: sum(1 for i in items if i.outcome == o) for o in ("accepted", "duplicate", "rejected")}
    return BatchResult(**counts, items=items)


@router.get("/{tracking_code}", response_model=ComplaintStatusView,
            summary="Follow a complaint by its tracking code, without an account (R-INT-8)")
async def follow(runtime: RuntimeDep,
                 tracking_code: Annotated[str, Path(max_length=64)]) -> ComplaintStatusView:
    row = await flows.status_by_tracking_code(runtime, tracking_code)
    return ComplaintStatusView(tracking_code=row.tracking_code, status=row.status,
                               status_reason=masked_text(runtime.cipher, row, row.status_reason)
                               or "", channel=row.channel,
                               received_at=row.received_at, updated_at=row.updated_at)


@router.get("/by-id/{complaint_id}/complainant", response_model=ComplainantView,
            summary="Read the complainant's identity (audited; case handlers only, R-INT-7)")
async def complainant(runtime: RuntimeDep, who: CaseHandler,
                      complaint_id: Annotated[str, Path(max_length=64)],
                      reason: Annotated[Text, Query(min_length=3, max_length=500,
                                                   description="why you need it (audited)")],
                      ) -> ComplainantView:
    return await flows.read_complainant(runtime, who, complaint_id, reason)


@router.get("/by-id/{complaint_id}/text", response_model=ComplaintTextView,
            summary="Read the complaint's free text unmasked (audited; case handlers only, R-INT-7)")
async def complaint_text(runtime: RuntimeDep, who: CaseHandler,
                         complaint_id: Annotated[str, Path(max_length=64)],
                         reason: Annotated[Text, Query(min_length=3, max_length=500,
                                                       description="why you need it (audited)")],
                         ) -> ComplaintTextView:
    """Everywhere else (events, lists, the tracking-code lookup) identity numbers, phones, e-mail
    addresses and the complainant's name are masked in these fields."""
    return await flows.read_text(runtime, who, complaint_id, reason)
