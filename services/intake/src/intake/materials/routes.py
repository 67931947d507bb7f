"""HTTP API of evidence: the worker (or the channel for them) uploads by tracking code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from labor_runtime.app import RuntimeDep

from intake.materials import flows
from intake.materials.schemas import MaterialReceipt, MaterialUpload
from intake.materials.storage import MaterialStore

router = APIRouter(prefix="/v1/complaints", tags=["materials"])


async def get_store(request: Request) -> MaterialStore:
    store: MaterialStore = request.app.state.material_store
    return store


Store = Annotated[MaterialStore, Depends(get_store)]


@router.post("/{tracking_code}/materials", status_code=201, response_model=MaterialReceipt,
             summary="Upload evidence; the last missing item accepts the complaint (R-INT-2)",
             responses={200: {"description": "the same file of the same kind was uploaded before"},
                        404: {"description": "no complaint with this tracking code"},
                        409: {"description": "the complaint is closed"},
                        413: {"description": "larger than MATERIAL_MAX_BYTES"},
                        415: {"description": "content type not accepted, or the bytes differ"}})
async def upload_material(body: MaterialUpload, runtime: RuntimeDep, store: Store,
                          tracking_code: Annotated[str, Path(max_length=64)],
                          response: Response) -> MaterialReceipt:
    receipt, created = await flows.upload(runtime, store, tracking_code, body)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return receipt
