"""HTTP API of oversight: the monthly review draw (R-CASE-9) and case metrics (R-CASE-10)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from cases.oversight import flows
from cases.oversight.schemas import (
    MONTH_PATTERN,
    CaseMetrics,
    DrawRequest,
    PublicDrawView,
    ReviewDrawView,
)

router = APIRouter(tags=["oversight"])

Reviewers = Annotated[Principal, Depends(staff(
    Role.DETACHMENT_CHIEF, Role.BRIGADE_CHIEF, Role.REVIEWER_B))]
# The monthly draw covers every district: a chief scoped to one district may not run it.
CityChief = Annotated[Principal, Depends(staff(Role.DETACHMENT_CHIEF, city_wide=True))]
MetricReaders = Annotated[Principal, Depends(staff(
    Role.DETACHMENT_CHIEF, Role.BRIGADE_CHIEF, Role.OPS))]
Month = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM")]


@router.post("/v1/oversight/review-draws", status_code=201, response_model=ReviewDrawView,
             summary="Draw the month's cases for quality review (R-CASE-9), once, with a recorded seed",
             responses={409: {"description": "the month is not over or was already drawn"}})
async def run_draw(runtime: RuntimeDep, who: CityChief, body: DrawRequest) -> ReviewDrawView:
    return await flows.run_draw(runtime, who, body)


@router.get("/v1/oversight/review-draws/{month}", response_model=ReviewDrawView,
            summary="A month's draw with its seed and population, re-drawn to show it reproduces")
async def read_draw(runtime: RuntimeDep, who: Reviewers, month: Month) -> ReviewDrawView:
    return await flows.draw_view(runtime, who, month)


@router.get("/v1/public/review-draws/{month}", response_model=PublicDrawView,
            summary="The published seed of a month's draw (public, no case data)")
async def public_draw(runtime: RuntimeDep, month: Month) -> PublicDrawView:
    return await flows.public_draw(runtime, month)


@router.get("/v1/metrics/cases", response_model=CaseMetrics, response_model_by_alias=True,
            summary="R-CASE-10: on-time closure, handling time, publication, fines year on year")
async def case_metrics(
    runtime: RuntimeDep, who: MetricReaders,
    first: Annotated[date, Query(alias="from", description="first local date, inclusive")],
    last: Annotated[date, Query(alias="to", description="last local date, inclusive")],
    district: Annotated[str | None, Query(max_length=32)] = None,
) -> CaseMetrics:
    return await flows.metrics(runtime, who, first=first, last=last, district=district)
