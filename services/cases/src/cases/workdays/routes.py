"""HTTP API of the working-day calendar: load and read a year's holiday table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from cases.workdays import flows
from cases.workdays.schemas import YearTable, YearView

router = APIRouter(prefix="/v1/ops/calendar", tags=["operations"])

Loader = Annotated[Principal, Depends(staff(Role.OPS, Role.DETACHMENT_CHIEF, city_wide=True))]
Staff = Annotated[Principal, Depends(staff(
    Role.OPS, Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
    Role.DETACHMENT_CHIEF))]
Year = Annotated[int, Path(ge=2000, le=2100)]


@router.put("/{year}", response_model=YearView,
            summary="Load a year's public holidays and make-up working days (调休); applied at once",
            responses={422: {"description": "days outside the year, duplicates, weekday 调休"}})
async def load_year(runtime: RuntimeDep, who: Loader, year: Year, body: YearTable) -> YearView:
    return await flows.load_year(runtime, who, year, body)


@router.get("/{year}", response_model=YearView, summary="A year's holiday table")
async def read_year(runtime: RuntimeDep, who: Staff, year: Year) -> YearView:
    return await flows.year_view(runtime, year)
