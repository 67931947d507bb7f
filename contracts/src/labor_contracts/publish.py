"""Events produced by publish (公示)."""

from __future__ import annotations

from datetime import date, datetime

from labor_contracts.events import EventData


class DisclosurePublished(EventData):
    """A penalty result is public (R-PUB-1); cases marks the case published (R-CASE-8)."""

    event_type = "publish.disclosure.published.v1"

    disclosure_id: str
    case_id: str
    category: str
    published_at: datetime
    publicity_ends_on: date
