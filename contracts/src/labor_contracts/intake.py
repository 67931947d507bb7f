"""Events produced by intake (投诉云)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from labor_contracts.common import EmployerRef
from labor_contracts.events import EventData


class ComplaintAccepted(EventData):
    """A complaint was accepted with complete materials. Carries no complainant identity (R-INT-7)."""

    event_type = "intake.complaint.accepted.v1"

    complaint_id: str
    channel: str = Field(description="window, hotline_12333, sunshine_wage_platform, ...")
    received_at: datetime
    employer: EmployerRef
    district: str | None = Field(default=None, description="district brigade (区大队) code")
    worker_count: int = Field(ge=1, description="workers owed wages in this complaint")
    arrears_amount: Decimal = Field(ge=0, description="wages owed, yuan")
    suspected_crime: bool = Field(default=False, description="拒不支付劳动报酬罪 suspected")
    mass_incident: bool = Field(default=False, description="群体性事件")
    summary: str = Field(default="", description="the facts complained of, without personal data")
