"""HTTP API of the register: staff read an employer's file, officers and grid workers keep it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from labor_contracts.identifiers import CREDIT_CODE_PATTERN
from labor_runtime.app import RuntimeDep, link, staff
from labor_runtime.inputs import Text
from labor_runtime.security import Principal, Role

from credit.employers import flows
from credit.employers.schemas import EmployerFile, EmployerPut, EmployerRead

router = APIRouter(prefix="/v1/employers", tags=["employers"])

Staff = Annotated[Principal, Depends(staff(
    Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
    Role.DETACHMENT_CHIEF))]
Registrar = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.GRID_WORKER))]
# The pattern is documented, not enforced by FastAPI: the flows refuse an invalid code with a 422
# naming what is wrong (its length, a letter never used, the check character).
CreditCode = Annotated[str, Path(min_length=1, max_length=64,
                                 json_schema_extra={"pattern": CREDIT_CODE_PATTERN},
                                 description="unified social credit code (统一社会信用代码); "
                                 "lower case is accepted, the check character is verified")]

# A registered employer leads to its file, warnings, conduct and grade.
EMPLOYER_LINKS = {name: link(f"/v1/employers/{{credit_code}}{tail}",
                             credit_code="$request.path.credit_code")
                  for name, tail in (("ReadEmployer", ""), ("OneFile", "/file"),
                                     ("Warnings", "/warnings"), ("Conduct", "/conduct"),
                                     ("Grade", "/grade"))}


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
                   reason: Annotated[Text | None, Query(
                       min_length=3, max_length=500,
                       description="why the contacts are read in full (audit)")] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   cursor: Annotated[str | None, Query(max_length=200)] = None) -> EmployerFile:
    return await flows.employer_file(runtime, who, credit_code, reason=reason, limit=limit,
                                     cursor=cursor)


@router.put("/{credit_code}", response_model=EmployerRead, status_code=200,
            summary="Register an employer or replace its basic data (R-CRD-1, R-ORG-1)",
            responses={200: {"description": "basic data replaced", "links": EMPLOYER_LINKS},
                       201: {"description": "registered", "links": EMPLOYER_LINKS},
                       403: {"description": "another district's employer"},
                       422: {"description": "invalid credit code or body, with the reason"}})
async def put_employer(runtime: RuntimeDep, who: Registrar, credit_code: CreditCode,
                       body: EmployerPut, response: Response) -> EmployerRead:
    record, created = await flows.register(runtime, who, credit_code, body)
    if created:
        response.status_code = 201
    return record
