"""HTTP API of grids (网格, R-ORG-1): the tree, loading it, its workers and the coverage report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.problems import Problem
from labor_runtime.security import STAFF_ROLES, Principal, Role

from credit.grids import flows
from credit.grids.schemas import Coverage, GridRead, GridRef, LoadReport, WorkersPut

router = APIRouter(prefix="/v1/grids", tags=["grids"])

Staff = Annotated[Principal, Depends(staff(*STAFF_ROLES))]
Loader = Annotated[Principal, Depends(staff(Role.DETACHMENT_CHIEF, Role.OPS))]
Assigner = Annotated[Principal, Depends(staff(Role.DETACHMENT_CHIEF, Role.BRIGADE_CHIEF,
                                              Role.OPS))]
GridCode = Annotated[str, Path(pattern=r"^\d{12}$", description="statistical division code")]
Reason = Annotated[str, Query(min_length=3, max_length=500,
                              description="why, for the audit")]


@router.post("/load", response_model=LoadReport,
             summary="Load a grids file (CSV or JSON Lines) into the tree (R-ORG-1)",
             description="CSV with the header `code,name,level,parent_code,district[,active]`, or "
             "JSON Lines with those keys, as the request body. All or nothing; the same file "
             "again changes nothing.",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/x-ndjson": {"schema": {"type": "string"}}}}},
             responses={413: {"description": "file larger than GRIDS_FILE_MAX_BYTES"},
                        422: {"description": "every bad line with its number and reason"}})
async def load(runtime: RuntimeDep, who: Loader, request: Request, reason: Reason) -> LoadReport:
    body = await request.body()
    limit = runtime.settings.grids_file_max_bytes
    if len(body) > limit:
        raise Problem(413, "payload-too-large", "Grids file too large", f"at most {limit} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(422, "invalid-grid-file", "Invalid grids file",
                      f"not UTF-8 (byte {exc.start})") from exc
    return await flows.upload(runtime, who, text, reason)


@router.get("/coverage", response_model=Coverage,
            summary="Employers without a grid (with why) and grids without workers (R-ORG-1)")
async def coverage(runtime: RuntimeDep, who: Staff,
                   limit: Annotated[int | None, Query(ge=1, le=1000, description="how many "
                                                      "to list of each kind")] = None) -> Coverage:
    return await flows.coverage(runtime, who, limit or runtime.settings.grids_coverage_list)


@router.get("", response_model=list[GridRef], summary="The grids under a parent (R-ORG-1)")
async def children(runtime: RuntimeDep, who: Staff,
                   parent: Annotated[str | None, Query(pattern=r"^\d{12}$",
                                                       description="none: the city")] = None,
                   ) -> list[GridRef]:
    return await flows.children(runtime, who, parent)


@router.get("/{code}", response_model=GridRead, responses={404: {"description": "no such grid"}},
            summary="A grid with its path to the city and its workers (R-ORG-1)")
async def grid(runtime: RuntimeDep, who: Staff, code: GridCode) -> GridRead:
    return await flows.read(runtime, who, code)


@router.put("/{code}/workers", response_model=GridRead,
            responses={404: {"description": "no such grid"}},
            summary="Assign the grid's workers (网格员), replacing the list (R-ORG-1)")
async def workers(runtime: RuntimeDep, who: Assigner, code: GridCode,
                  body: WorkersPut) -> GridRead:
    return await flows.set_workers(runtime, who, code, body.workers, body.reason)
