"""HTTP API of conduct: staff findings and the employer's conduct records (R-CRD-2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from credit.conduct import flows
from credit.conduct.schemas import ConductRead, EmployerConduct, FindingCreate
from credit.employers.routes import CreditCode, Staff

router = APIRouter(prefix="/v1/employers", tags=["conduct"])

FieldStaff = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.EXECUTOR_C))]


@router.post("/{credit_code}/findings", response_model=ConductRead, status_code=201,
             summary="Record a finding: obstruction, violent resistance or false rectification "
                     "(R-CRD-2); regrades the employer",
             responses={404: {"description": "not in the register, or another district's"},
                        422: {"description": "invalid credit code or body, with the reason"}})
async def add_finding(runtime: RuntimeDep, who: FieldStaff, credit_code: CreditCode,
                      body: FindingCreate) -> ConductRead:
    return await flows.add_finding(runtime, who, credit_code, body,
                                   runtime.settings.grading_policy())


@router.get("/{credit_code}/conduct", response_model=EmployerConduct,
            summary="The employer's conduct records the grade counts (R-CRD-2)",
            responses={404: {"description": "not in the register, or another district's"},
                       422: {"description": "invalid credit code, with the reason"}})
async def employer_conduct(runtime: RuntimeDep, who: Staff,
                           credit_code: CreditCode) -> EmployerConduct:
    return await flows.conduct(runtime, who, credit_code)
