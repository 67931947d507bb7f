"""HTTP API of repair notices: the public reads them and objects (no account); the reviewers
handling a repair read the objections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from publish.repair_notices import flows
from publish.repair_notices.schemas import (
    ObjectionCreate,
    ObjectionReceipt,
    ObjectionView,
    RepairNoticePage,
    RepairNoticeView,
)

Reviewer = Annotated[Principal, Depends(staff(Role.REVIEWER_B, Role.BRIGADE_CHIEF,
                                              Role.DETACHMENT_CHIEF))]
RepairId = Annotated[str, Path(max_length=64)]

public_router = APIRouter(prefix="/v1/repair-notices", tags=["repair notices (public)"])


@public_router.get("", response_model=RepairNoticePage,
                   summary="Credit repairs in (or after) their public notice, newest first "
                           "(R-CRD-5)")
async def list_notices(
    runtime: RuntimeDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    credit_code: Annotated[str | None, Query(max_length=18, description="统一社会信用代码")] = None,
) -> RepairNoticePage:
    return await flows.public_page(runtime, page=page, page_size=page_size,
                                   credit_code=credit_code)


@public_router.get("/{repair_id}", response_model=RepairNoticeView,
                   summary="One repair notice, with its outcome once concluded",
                   responses={404: {"description": "unknown"}})
async def get_notice(runtime: RuntimeDep, repair_id: RepairId) -> RepairNoticeView:
    return await flows.public_one(runtime, repair_id)


@public_router.post("/{repair_id}/objections", response_model=ObjectionReceipt,
                    status_code=201,
                    summary="Object to a repair during its public notice (R-PUB-5); the repair "
                            "stops until a reviewer handles it",
                    responses={404: {"description": "unknown"},
                               409: {"description": "the notice is not open: not begun, over, "
                                     "or the repair concluded"},
                               422: {"description": "no grounds given"},
                               429: {"description": "too many objections from your address"}})
async def file_objection(runtime: RuntimeDep, repair_id: RepairId, body: ObjectionCreate,
                         request: Request) -> ObjectionReceipt:
    address = request.client.host if request.client else "unknown"
    return await flows.file_objection(runtime, repair_id, body, address)


@public_router.get("/{repair_id}/objections", response_model=list[ObjectionView],
                   summary="The objections with the objectors' contacts (reviewers; audited)",
                   responses={404: {"description": "unknown"}})
async def list_objections(runtime: RuntimeDep, who: Reviewer,
                          repair_id: RepairId) -> list[ObjectionView]:
    return await flows.objections_of(runtime, who, repair_id)
