"""API shapes of partners: what operations send and read. Secrets appear once, at creation."""

from __future__ import annotations

from datetime import datetime

from labor_runtime.inputs import Text
from pydantic import BaseModel, ConfigDict, Field

from publish.disclosures.rules import Category
from publish.partners.rules import MAX_URL_LENGTH, Agency


class PartnerCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "市住房和城乡建设局", "agency": "housing_construction",
        "webhook_url": "https://zjj.example.gov.cn/hooks/labor-disclosures",
        "categories": ["penalty_decision"],
    }]})

    name: Text = Field(max_length=100)
    agency: Agency
    webhook_url: str | None = Field(default=None, max_length=MAX_URL_LENGTH,
                                    description="HTTPS endpoint for pushes; none = pull only")
    categories: list[Category] = Field(default_factory=list, max_length=len(Category))


class PartnerView(BaseModel):
    id: str
    name: str
    agency: str
    webhook_url: str | None
    webhook_enabled: bool
    webhook_disabled_reason: str
    categories: list[str]
    created_at: datetime


class PartnerCreated(PartnerView):
    api_key: str = Field(description="the partner's X-API-Key for the feed; shown only now")
    webhook_secret: str | None = Field(
        description="whsec_… signing secret of the endpoint; shown only now")


class SubscriptionsUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"categories": ["penalty_decision", "major_violation", "blacklist"]}]})

    categories: list[Category] = Field(max_length=len(Category),
                                       description="the complete new set; [] ends every push")


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://zjj.example.gov.cn/hooks/labor-disclosures"}]})

    url: str = Field(max_length=MAX_URL_LENGTH)


class WebhookSet(BaseModel):
    webhook_url: str
    webhook_enabled: bool
    webhook_secret: str | None = Field(
        description="a new secret when the partner had none; null when the old one stays")
