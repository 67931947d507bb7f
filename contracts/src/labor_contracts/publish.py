"""Events produced by publish (公示)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from labor_contracts.events import EventData


class DisclosurePublished(EventData):
    """A penalty result is public (R-PUB-1); cases marks the case published (R-CASE-8)."""

    event_type = "publish.disclosure.published.v1"

    disclosure_id: str
    case_id: str
    category: str
    published_at: datetime
    publicity_ends_on: date


class ObjectionFiled(EventData):
    """Someone objected to a credit repair during its public notice (R-PUB-5): the repair stops
    until a reviewer handles it. The objector's contact stays in publish."""

    event_type = "publish.objection.filed.v1"

    objection_id: str
    repair_id: str
    credit_code: str
    grounds: str = Field(description="what the objector says, as filed")
    filed_at: datetime
