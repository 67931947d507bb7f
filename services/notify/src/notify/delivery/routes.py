"""HTTP API of deliveries: staff follow a case's service, its attempts and its proof."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from notify.delivery import flows
from notify.delivery.rules import DeliveryStatus
from notify.delivery.schemas import DeliveryView

READERS = (Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
           Role.DETACHMENT_CHIEF, Role.OPS)

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

Reader = Annotated[Principal, Depends(staff(*READERS))]


@router.get("", summary="Deliveries, newest first, by case and status")
async def list_deliveries(
    runtime: RuntimeDep, who: Reader,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryView]:
    return await flows.list_deliveries(runtime, case_id=case_id, status=status, limit=limit)


@router.get("/{delivery_id}", summary="One delivery with its attempts and proof of service")
async def get_delivery(runtime: RuntimeDep, who: Reader,
                       delivery_id: Annotated[str, Path(max_length=200)]) -> DeliveryView:
    return await flows.get_delivery(runtime, delivery_id)
