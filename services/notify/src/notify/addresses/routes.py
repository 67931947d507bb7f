"""HTTP API of delivery-address confirmations: the inspector records the party's signed
confirmation (mobile form or scan); staff read it, audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from labor_runtime.app import RuntimeDep, link, staff
from labor_runtime.security import Principal, Role

from notify.addresses import flows
from notify.addresses.schemas import CREDIT_CODE, ConfirmationIn, ConfirmationView, WithdrawalIn
from notify.delivery.routes import READERS

RECORDERS = (Role.OFFICER_A, Role.EXECUTOR_C, Role.GRID_WORKER, Role.BRIGADE_CHIEF,
             Role.DETACHMENT_CHIEF)

router = APIRouter(prefix="/v1/address-confirmations", tags=["address confirmations"])

Recorder = Annotated[Principal, Depends(staff(*RECORDERS))]
Reader = Annotated[Principal, Depends(staff(*READERS, Role.GRID_WORKER))]
ConfirmationId = Annotated[str, Path(max_length=200)]


CONFIRMATION_ID = "$response.body#/id"
CONFIRMATION_LINKS = {name: link(f"/v1/address-confirmations/{{confirmation_id}}{tail}", method,
                                 confirmation_id=CONFIRMATION_ID)
                      for name, tail, method in (("ReadConfirmation", "", "get"),
                                                 ("Artefact", "/artefact", "get"),
                                                 ("Withdraw", "/withdraw", "post"))}
# The party's confirmation in force (listed first) leads to its own routes.
IN_FORCE_LINKS = {name: {**target, "parameters": {"confirmation_id": "$response.body#/0/id"}}
                  for name, target in CONFIRMATION_LINKS.items()}


@router.post("", status_code=201,
             summary="Record a party's delivery-address confirmation (送达地址确认书)",
             responses={201: {"description": "recorded, now in force",
                              "links": CONFIRMATION_LINKS}})
async def record_confirmation(request: Request, runtime: RuntimeDep, who: Recorder,
                              body: ConfirmationIn) -> ConfirmationView:
    """Electronic service needs the party's consent: the channels and addresses it names, signed
    on the mobile form (PNG signature) or on paper (scan). It replaces the party's confirmation in
    force; deliveries opened from now on are planned on it."""
    return await flows.record(runtime, request.app.state.channels, who, body)


@router.get("", summary="A party's confirmations, the one in force first",
            responses={200: {"description": "newest first", "links": IN_FORCE_LINKS}})
async def party_confirmations(
        runtime: RuntimeDep, who: Reader,
        credit_code: Annotated[str, Query(pattern=CREDIT_CODE)]) -> list[ConfirmationView]:
    return await flows.of_party(runtime, who, credit_code)


@router.get("/{confirmation_id}", summary="One confirmation")
async def get_confirmation(runtime: RuntimeDep, who: Reader,
                           confirmation_id: ConfirmationId) -> ConfirmationView:
    return await flows.read(runtime, who, confirmation_id)


@router.get("/{confirmation_id}/artefact", summary="The signed artefact exactly as recorded",
            response_class=Response)
async def confirmation_artefact(runtime: RuntimeDep, who: Reader,
                                confirmation_id: ConfirmationId) -> Response:
    content, content_type = await flows.artefact(runtime, who, confirmation_id)
    return Response(content, media_type=content_type)


@router.post("/{confirmation_id}/withdraw", summary="The party withdrew its consent")
async def withdraw_confirmation(runtime: RuntimeDep, who: Recorder,
                                confirmation_id: ConfirmationId,
                                body: WithdrawalIn) -> ConfirmationView:
    return await flows.withdraw(runtime, who, confirmation_id, body.reason)
