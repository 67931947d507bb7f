"""HTTP API of the register: staff read an employer's file, officers and grid workers keep it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from credit.employers import flows
from credit.employers.schemas import EmployerFile, EmployerPut, EmployerRead

router = APIRouter(prefix="/v1/employers", tags=["employers"])

Staff = Annotated[Principal, Depends(staff(
    Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
    Role.DETACHMENT_CHIEF))]
Registrar = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.GRID_WORKER))]
CreditCode = Annotated[str, Path(min_length=1, max_length=64,
                                 description="unified social credit code (统一社会信用代码)")]


@router.get("/{credit_code}", response_model=EmployerRead,
            summary="The employer's file: basic data, cases and grades (R-CRD-1)",
            responses={404: {"description": "not in the register"},
                       422: {"description": "invalid credit code, with the reason"}})
async def employer_file(runtime: RuntimeDep, who: Staff, credit_code: CreditCode) -> EmployerRead:
    return await flows.read_file(runtime, who, credit_code)


@router.get("/{credit_code}/file", response_model=EmployerFile,
            summary="The one file per employer (一户一档): register entry, grid, contacts and "
            "history, newest first (R-CRD-1, R-ORG-1)",
            description="The legal representative's phone and ID number are shown in full to "
            "officer_a, executor_c and detachment_chief when `reason` says why (audited); masked "
            "otherwise.",
            responses={404: {"description": "not in the register, or another district's"},
                       422: {"description": "invalid credit code or cursor, with the reason"}})
async def one_file(runtime: RuntimeDep, who: Staff, credit_code: CreditCode,
                   reason: Annotated[str | None, Query(
                       min_length=3, max_length=500,
                       description="why the contacts are read in full (audit)")] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   cursor: Annotated[str | None, Query(max_length=200)] = None) -> EmployerFile:
    return await flows.employer_file(runtime, who, credit_code, reason=reason, limit=limit,
                                     cursor=cursor)


@router.put("/{credit_code}", response_model=EmployerRead, status_code=200,
            summary="Register an employer or replace its basic data (R-CRD-1, R-ORG-1)",
            responses={201: {"description": "registered"},
                       403: {"description": "another district's employer"},
                       422: {"description": "invalid credit code or body, with the reason"}})
async def put_employer(runtime: RuntimeDep, who: Registrar, credit_code: CreditCode,
                       body: EmployerPut, response: Response) -> EmployerRead:
    record, created = await flows.register(runtime, who, credit_code, body)
    if created:
        response.status_code = 201
    return record
