"""HTTP API of disclosures: public pages (no account), the partner feed, platform receipts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, api_client, staff
from labor_runtime.security import Principal, Role

from publish.disclosures import flows
from publish.disclosures.rules import Category
from publish.disclosures.schemas import (
    DisclosurePage,
    DisclosureView,
    FeedPage,
    SubmissionRecorded,
    SubmissionView,
)

Partner = Annotated[Principal, Depends(api_client("partner", scope="disclosures:read"))]
Operator = Annotated[Principal, Depends(staff(Role.OPS))]

public_router = APIRouter(prefix="/v1/disclosures", tags=["disclosures (public)"])
feed_router = APIRouter(prefix="/v1/feed", tags=["partner feed"])
platforms_router = APIRouter(prefix="/v1/platform-submissions", tags=["national platforms"])


@public_router.get("", response_model=DisclosurePage,
                   summary="Disclosures in their publicity term, newest first (R-PUB-1, R-PUB-3)")
async def list_disclosures(
    runtime: RuntimeDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    credit_code: Annotated[str | None, Query(max_length=18, description="统一社会信用代码")] = None,
    category: Category | None = None,
) -> DisclosurePage:
    return await flows.public_page(runtime, page=page, page_size=page_size,
                                   credit_code=credit_code, category=category)


@public_router.get("/{disclosure_id}", response_model=DisclosureView,
                   summary="One disclosure (410 once its publicity term has ended)",
                   responses={404: {"description": "unknown"}, 410: {"description": "ended"}})
async def get_disclosure(runtime: RuntimeDep,
                         disclosure_id: Annotated[str, Path(max_length=64)]) -> DisclosureView:
    return await flows.public_one(runtime, disclosure_id)


@feed_router.get("", response_model=FeedPage,
                 summary="The partner's subscribed disclosures after a cursor (pull, replayable)")
async def partner_feed(
    runtime: RuntimeDep, partner: Partner,
    cursor: Annotated[str | None, Query(max_length=64, description="from the last page")] = None,
    limit: Annotated[int | None, Query(ge=1, description=(
        "entries per page: FEED_PAGE_SIZE when not given; more than FEED_MAX_PAGE_SIZE (500 by "
        "default) is refused with 422"))] = None,
) -> FeedPage:
    return await flows.feed(runtime, partner, cursor=cursor, limit=limit)


@platforms_router.get("", response_model=list[SubmissionView],
                      summary="Submissions owed to Credit China and GSXT (operations)")
async def list_submissions(
    runtime: RuntimeDep, who: Operator,
    status: Annotated[str | None, Query(pattern="^(pending|submitted)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SubmissionView]:
    return await flows.submissions(runtime, status=status, limit=limit)


@platforms_router.post("/{submission_id}/submitted", response_model=SubmissionView,
                       summary="Record the platform's receipt of a hand-made upload (R-PUB-1)",
                       responses={404: {"description": "unknown"},
                                  409: {"description": "already recorded"}})
async def record_submission(runtime: RuntimeDep, who: Operator,
                            submission_id: Annotated[str, Path(max_length=64)],
                            body: SubmissionRecorded) -> SubmissionView:
    return await flows.record_submission(runtime, who, submission_id, body)
