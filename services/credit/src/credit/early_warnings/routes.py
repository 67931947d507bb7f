"""HTTP API of early warnings (R-CRD-3): staff read them, district-scoped."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from credit.early_warnings import flows
from credit.early_warnings.rules import Level
from credit.early_warnings.schemas import WarningRead
from credit.employers.routes import CreditCode

router = APIRouter(tags=["early warnings"])

DISTRICT = r"^[A-Za-z0-9._-]+$"  # a district code; anything else (a NUL) is a 422

Staff = Annotated[Principal, Depends(staff(
    Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
    Role.DETACHMENT_CHIEF))]


@router.get("/v1/warnings", response_model=list[WarningRead],
            summary="Wage early warnings, newest first (R-CRD-3)",
            responses={403: {"description": "another district asked for"}})
async def warnings(runtime: RuntimeDep, who: Staff,
                   level: Annotated[Level | None, Query()] = None,
                   active: Annotated[bool | None, Query(
                       description="true: not cleared; false: cleared")] = None,
                   district: Annotated[str | None, Query(max_length=32, pattern=DISTRICT)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[WarningRead]:
    return await flows.listed(runtime, who, level=level.value if level else None, active=active,
                              district=district, limit=limit)


@router.get("/v1/employers/{credit_code}/warnings", response_model=list[WarningRead],
            summary="One employer's wage early warnings, newest first (R-CRD-3)",
            responses={404: {"description": "another district's employer"},
                       422: {"description": "invalid credit code, with the reason"}})
async def employer_warnings(runtime: RuntimeDep, who: Staff,
                            credit_code: CreditCode) -> list[WarningRead]:
    return await flows.of_employer(runtime, who, credit_code)
