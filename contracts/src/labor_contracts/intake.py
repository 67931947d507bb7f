"""Events produced by intake (投诉云)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

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
    summary: str = Field(default="", description="the facts complained of; identity numbers, phone "
                         "numbers, e-mail addresses and the complainant's name masked by intake "
                         "(R-INT-7), e.g. 张**, 138****5678, [身份证号], [邮箱]")
    project: str | None = Field(default=None, description="construction project (工程项目) named, if "
                                "any; personal data masked like the summary's")
    employer_id: str | None = Field(
        default=None, description="R-INT-6 intake's key of the matched employer; same key, same employer")
    linked_complaints: int | None = Field(
        default=None, ge=1,
        description="R-INT-6 open complaints against the same employer, this one included")
    total_worker_count: int | None = Field(
        default=None, ge=1, description="R-INT-6 workers of those linked complaints together (R-CASE-3)")
    total_arrears_amount: Decimal | None = Field(
        default=None, ge=0, description="R-INT-6 wages owed in those linked complaints together, yuan")
    grid: str | None = Field(
        default=None, description="R-ORG-1 the employer's one grid (网格) as intake knows it: the "
        "register's (credit.employer.changed.v1) for a registered employer; null while unknown")


class MediationEscalated(EventData):
    """Grid mediation (网格调解) failed and the matter is reported to the district brigade (R-INT-4).

    Carries no complainant identity (R-INT-7)."""

    event_type = "intake.mediation.escalated.v1"

    complaint_id: str
    district: str | None = Field(default=None, description="district brigade (区大队) it goes to")
    grid: str = Field(description="R-ORG-1 the grid (网格) that mediated")
    employer: EmployerRef
    employer_id: str | None = Field(default=None, description="R-INT-6 intake's employer key")
    worker_count: int = Field(ge=1)
    arrears_amount: Decimal = Field(ge=0, description="wages owed, yuan")
    mediation_failed_at: datetime
    escalated_at: datetime
    on_time: bool = Field(description="reported within the deadline of R-INT-4 (2 hours by default)")


class CorrectionNoticeIssued(EventData):
    """R-INT-2: a complaint lacks materials; the one-time correction notice (一次性补正告知书) lists
    every missing item and goes to the worker through the channel they filed on. Carries no
    complainant identity or contact (R-INT-7): the channel reaches the worker by the tracking code."""

    event_type = "intake.correction_notice.issued.v1"

    complaint_id: str
    tracking_code: str = Field(description="the code the worker follows the complaint and uploads "
                               "the missing materials with (no personal data)")
    channel: str = Field(description="the channel that filed it and delivers the notice")
    missing: list[str] = Field(description="every missing item, e.g. identity_proof")
    items: list[str] = Field(description="the same items as the notice words them")
    issued_at: datetime
    district: str | None = Field(default=None, description="district brigade (区大队) of the "
                                 "complaint: whose staff may see the notice")


class RegistrationAnswerIssued(EventData):
    """R-INT-3: the worker is told whether a case was registered (立案) for their complaint, through
    the channel they filed on. Carries no complainant identity or contact (R-INT-7): the channel
    reaches the worker by the tracking code."""

    event_type = "intake.registration_answer.issued.v1"

    complaint_id: str
    tracking_code: str = Field(description="the code the worker follows the complaint with "
                               "(no personal data)")
    channel: str = Field(description="the channel that filed it and delivers the answer")
    outcome: Literal["registered", "not_registered"]
    reason: str = Field(default="", description="why not registered (R-CASE-1); may be empty "
                        "when registered; personal data masked (R-INT-7)")
    case_id: str
    case_number: str | None = Field(default=None, description="立案编号, when registered")
    answered_at: datetime = Field(description="when intake recorded the decision for the worker")
    district: str | None = Field(default=None, description="district brigade (区大队) of the "
                                 "complaint: whose staff may see the answer")
