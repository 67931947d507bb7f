"""HTTP API of partners: operations register partners, their categories and their endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, link, staff
from labor_runtime.security import Principal, Role

from publish.partners import flows
from publish.partners.schemas import (
    PartnerCreate,
    PartnerCreated,
    PartnerView,
    SubscriptionsUpdate,
    WebhookSet,
    WebhookUpdate,
)
from publish.webhooks.flows import deliveries_of
from publish.webhooks.schemas import DeliveryView

router = APIRouter(prefix="/v1/partners", tags=["partners (operations)"])

Operator = Annotated[Principal, Depends(staff(Role.OPS))]
PartnerId = Annotated[str, Path(max_length=64)]
PARTNER_ID = "$response.body#/id"


@router.post("", status_code=201, response_model=PartnerCreated,
             summary="Register a partner: API key and webhook secret are returned once (R-PUB-1)",
             responses={201: {"description": "the partner, with its key and secret", "links": {
                 "GetPartner": link("/v1/partners/{partner_id}", partner_id=PARTNER_ID),
                 "SetSubscriptions": link("/v1/partners/{partner_id}/subscriptions", "put",
                                          partner_id=PARTNER_ID),
                 "SetWebhook": link("/v1/partners/{partner_id}/webhook", "put",
                                    partner_id=PARTNER_ID),
                 "Deliveries": link("/v1/partners/{partner_id}/deliveries",
                                    partner_id=PARTNER_ID)}},
                        409: {"description": "name taken"},
                        422: {"description": "invalid input or a refused webhook URL"}})
async def create_partner(runtime: RuntimeDep, who: Operator, body: PartnerCreate) -> PartnerCreated:
    return await flows.create(runtime, who, body)


@router.get("", response_model=list[PartnerView], summary="Every partner (no secrets)")
async def list_partners(runtime: RuntimeDep, who: Operator) -> list[PartnerView]:
    return await flows.list_all(runtime)


@router.get("/{partner_id}", response_model=PartnerView, summary="One partner (no secrets)")
async def get_partner(runtime: RuntimeDep, who: Operator, partner_id: PartnerId) -> PartnerView:
    return await flows.get(runtime, partner_id)


@router.put("/{partner_id}/subscriptions", response_model=PartnerView,
            summary="Replace the categories the partner receives")
async def set_subscriptions(runtime: RuntimeDep, who: Operator, partner_id: PartnerId,
                            body: SubscriptionsUpdate) -> PartnerView:
    return await flows.set_subscriptions(runtime, who, partner_id, body)


@router.put("/{partner_id}/webhook", response_model=WebhookSet,
            summary="Set the push endpoint and enable it again (after 410 or failures)")
async def set_webhook(runtime: RuntimeDep, who: Operator, partner_id: PartnerId,
                      body: WebhookUpdate) -> WebhookSet:
    return await flows.set_webhook(runtime, who, partner_id, body)


@router.get("/{partner_id}/deliveries", response_model=list[DeliveryView],
            summary="The partner's latest webhook deliveries with every attempt")
async def deliveries(runtime: RuntimeDep, who: Operator, partner_id: PartnerId,
                     status: Annotated[str | None,
                                       Query(pattern="^(pending|delivered|failed)$")] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[DeliveryView]:
    return await deliveries_of(runtime, partner_id, status=status, limit=limit)
