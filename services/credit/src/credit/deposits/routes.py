"""HTTP API of projects and deposits (R-CRD-6): staff register projects, A-post officers record
deposits (audited), staff read coverage; district-scoped."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from credit.deposits import flows
from credit.deposits.schemas import DISTRICT, Coverage, DepositPut, ProjectPut, ProjectRead

router = APIRouter(tags=["deposits"])

Staff = Annotated[Principal, Depends(staff(
    Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
    Role.DETACHMENT_CHIEF))]
Registrar = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.GRID_WORKER,
                                               Role.BRIGADE_CHIEF))]
Officer = Annotated[Principal, Depends(staff(Role.OFFICER_A))]
ProjectId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                                description="the housing system's project code")]


@router.put("/v1/projects/{project_id}", response_model=ProjectRead,
            summary="Register a construction project or replace its data (R-CRD-6)",
            responses={201: {"description": "registered"},
                       403: {"description": "another district's project"},
                       422: {"description": "invalid credit code or body, with the reason"}})
async def put_project(runtime: RuntimeDep, who: Registrar, project_id: ProjectId,
                      body: ProjectPut, response: Response) -> ProjectRead:
    project, created = await flows.register_project(runtime, who, project_id, body)
    if created:
        response.status_code = 201
    return project


@router.get("/v1/projects/{project_id}", response_model=ProjectRead,
            summary="A project with its deposits, current first (R-CRD-6)",
            responses={404: {"description": "unknown, or another district's project"}})
async def get_project(runtime: RuntimeDep, who: Staff, project_id: ProjectId) -> ProjectRead:
    return await flows.read_project(runtime, who, project_id)


@router.put("/v1/projects/{project_id}/deposit", response_model=ProjectRead,
            summary="Record the project's wage guarantee deposit (农民工工资保障金, R-CRD-6); "
            "it replaces the current one, which stays on file",
            responses={404: {"description": "unknown, or another district's project"},
                       422: {"description": "invalid deposit, with the reason"}})
async def put_deposit(runtime: RuntimeDep, who: Officer, project_id: ProjectId,
                      body: DepositPut) -> ProjectRead:
    return await flows.record_deposit(runtime, who, project_id, body)


@router.get("/v1/deposits/coverage", response_model=Coverage,
            summary="Projects in progress covered by a valid deposit today (R-CRD-6, target "
            "100%), the uncovered listed",
            responses={403: {"description": "another district asked for"}})
async def deposit_coverage(
        runtime: RuntimeDep, who: Staff,
        district: Annotated[str | None, Query(max_length=32, pattern=DISTRICT)] = None,
) -> Coverage:
    return await flows.coverage(runtime, who, district)
