"""HTTP API of the employer read model: staff see linked complaints and their totals (R-INT-6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_contracts.identifiers import CreditCode
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from intake.employers import flows
from intake.employers.schemas import EmployerMatches, EmployerView

router = APIRouter(prefix="/v1/employers", tags=["employers"])

Staff = Annotated[Principal, Depends(staff(
    Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]


@router.get("", response_model=EmployerMatches,
            summary="Find the employer a credit code or a name and address match (R-INT-6)")
async def find_employers(
        runtime: RuntimeDep, who: Staff,
        credit_code: Annotated[CreditCode | None, Query()] = None,
        name: Annotated[str | None, Query(max_length=200)] = None,
        address: Annotated[str | None, Query(max_length=300)] = None) -> EmployerMatches:
    return EmployerMatches(employer_ids=await flows.find(runtime, credit_code=credit_code, name=name,
                                                         address=address))


@router.get("/{employer_id}", response_model=EmployerView,
            summary="An employer's linked complaints and their totals (R-INT-6, R-ORG-1)",
            responses={404: {"description": "no such employer"}})
async def employer(runtime: RuntimeDep, who: Staff,
                   employer_id: Annotated[str, Path(max_length=64)]) -> EmployerView:
    return await flows.read(runtime, who, employer_id)
