"""Events produced by credit (信用)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from labor_contracts.common import EmployerRef
from labor_contracts.events import EventData


class IntegrityGradeChanged(EventData):
    """An employer's integrity grade (诚信等级) was recomputed to a different grade (R-CRD-2)."""

    event_type = "credit.grade.changed.v1"

    credit_code: str
    grade: str = Field(description="A, B, C or D")
    previous_grade: str | None = None
    score: int
    computed_at: datetime


class EmployerRegisterChanged(EventData):
    """An employer's basic data in the register (一户一档) was created or changed (R-CRD-1, R-ORG-1).

    Business data only: no legal representative, contact or other personal data. `version` grows
    by one with every change of one employer, so a consumer applies an update only when it is
    newer than the one it holds (an older one arriving late, or a redelivery, changes nothing).
    """

    event_type = "credit.employer.changed.v1"

    credit_code: str = Field(description="unified social credit code (统一社会信用代码), the key")
    name: str = Field(description="registered name")
    address: str | None = None
    grid: str | None = Field(default=None, description="R-ORG-1 the employer's one grid (网格); "
                             "null until a grid worker or officer assigns it")
    district: str | None = Field(default=None, description="district brigade (区大队) code")
    industry: str | None = Field(default=None, description="e.g. construction, catering")
    version: int = Field(ge=1, description="the register's version of this employer: 1 when "
                         "registered, one more with every change; a higher version is newer")
    changed_at: datetime


class GridChanged(EventData):
    """A grid (网格) of the four-level tree was created, changed or retired (R-ORG-1).

    Codes are the statistical division codes (统计用区划代码, 12 digits). `version` grows by one
    with every change of one grid: a consumer applies an update only when it is newer."""

    event_type = "credit.grid.changed.v1"

    code: str = Field(pattern=r"^\d{12}$", description="statistical division code, 12 digits")
    name: str
    level: str = Field(description="city, district (county/district), township (township/street) "
                       "or village (village/community)")
    parent_code: str | None = Field(default=None, description="null for the city")
    district: str | None = Field(default=None, description="the district brigade (区大队) code "
                                 "the grid belongs to, e.g. d01; null for the city")
    grid_workers: list[str] = Field(default_factory=list,
                                    description="staff subjects of the grid workers (网格员)")
    active: bool = Field(default=True, description="false once the grid is retired")
    version: int = Field(ge=1)
    changed_at: datetime


class WageWarningRaised(EventData):
    """An early warning of wage arrears (欠薪预警, R-CRD-3), once per cause and period; cases
    opens an inspection lead for it. Evidence names rows and months, never people."""

    event_type = "credit.warning.raised.v1"

    warning_id: str
    credit_code: str
    employer_name: str
    district: str | None = None
    grid: str | None = None
    level: str = Field(description="yellow, orange or red")
    cause: str = Field(description="special_account_short (yellow), uninsured_two_months "
                       "(orange) or judgment_debtor (red)")
    period: str = Field(description="what the warning is about: a month (2026-11) or a court case")
    evidence: list[str] = Field(description="the rows and months that raised it, in words")
    raised_at: datetime


class WageWarningCleared(EventData):
    """The cause of a warning ended (e.g. the special account was topped up)."""

    event_type = "credit.warning.cleared.v1"

    warning_id: str
    credit_code: str
    level: str
    cause: str
    period: str
    reason: str
    cleared_at: datetime


class DepositMissing(EventData):
    """A construction project has no valid wage guarantee deposit (农民工工资保障金, R-CRD-6): a
    finding; cases opens an inspection lead for it."""

    event_type = "credit.deposit.missing.v1"

    finding_id: str
    project_id: str
    project_name: str
    credit_code: str = Field(description="the general contractor")
    employer_name: str
    district: str | None = None
    grid: str | None = None
    reason: str = Field(description="none, expired or insufficient, in words")
    found_at: datetime


class Punishment(BaseModel):
    """One joint punishment (联合惩戒) measure and the agencies that enforce it."""

    measure: str = Field(description="no_government_funding, no_bidding, no_new_loans, "
                         "high_consumption_restricted or construction_market_ban")
    agencies: list[str] = Field(description="housing_construction, bidding, finance, other")
    starts_on: date
    ends_on: date = Field(description="last day in force")


class BlacklistListed(EventData):
    """An employer was put on the wage-arrears blacklist (拖欠农民工工资失信联合惩戒对象名单,
    R-CRD-4) after review and notice: publish discloses it and pushes the punishments."""

    event_type = "credit.blacklist.listed.v1"

    entry_id: str
    credit_code: str
    employer_name: str
    legal_representative: str | None = Field(default=None, description="法定代表人, public "
                                             "under R-PUB-3; the one whose consumption is "
                                             "restricted")
    district: str | None = None
    grounds: list[str] = Field(description="arrears_uncorrected, violent_resistance, "
                               "false_rectification or penalty_refused")
    facts: str = Field(description="the grounds in words, as the listing decision states them")
    decision_number: str
    legal_basis: str
    authority: str
    listed_on: date
    ends_on: date = Field(description="last day of the publicity term (3 years)")
    punishments: list[Punishment]
    listed_at: datetime


class BlacklistRemoved(EventData):
    """An employer left the blacklist: repaired (R-CRD-5) or the term ended; punishments are lifted
    and every partner told (R-PUB-4)."""

    event_type = "credit.blacklist.removed.v1"

    entry_id: str
    credit_code: str
    reason: str = Field(description="repaired or term_ended")
    removed_at: datetime


class PersonRef(BaseModel):
    """An individual under a punishment: masked for everyone; the housing regulator that enforces
    a market ban reads the full identity number from credit's API, audited (R-MAJ-3)."""

    person_id: str = Field(description="credit's key of the person; no personal data")
    name_masked: str
    id_number_masked: str


class SanctionImposed(EventData):
    """A joint punishment outside the blacklist (R-MAJ-3): a 12-month bid bar of a developer or
    general contractor, or a 3-year market ban of a foreman, pushed to the agencies that act."""

    event_type = "credit.sanction.imposed.v1"

    sanction_id: str
    major_case_id: str
    party_role: str = Field(description="developer, general_contractor, team_leader or foreman")
    credit_code: str | None = Field(default=None, description="an organisation's code")
    name: str = Field(description="the organisation's name; for a person the masked name")
    person: PersonRef | None = None
    punishments: list[Punishment]
    imposed_at: datetime


class RepairNoticeStarted(EventData):
    """A credit repair (信用修复, R-CRD-5) passed both reviews: publish shows it for the public
    notice period and takes objections (R-PUB-5)."""

    event_type = "credit.repair.notice_started.v1"

    repair_id: str
    entry_id: str
    credit_code: str
    employer_name: str
    summary: str = Field(description="what is repaired and why, as the public reads it")
    notice_starts_at: datetime
    notice_ends_at: datetime
    district: str | None = Field(default=None, description="the blacklist entry's district "
                                 "brigade (区大队) code: whose reviewers read the objections")


class RepairConcluded(EventData):
    """A credit repair ended: repaired (the blacklist entry is removed), refused or withdrawn."""

    event_type = "credit.repair.concluded.v1"

    repair_id: str
    entry_id: str
    credit_code: str
    outcome: str = Field(description="repaired, refused or withdrawn")
    reason: str
    concluded_at: datetime


class CreditDocumentIssued(EventData):
    """A signed credit document to serve on an employer (R-DLV-1): the notice before blacklisting
    (失信联合惩戒告知书) or the credit-repair notice (信用修复告知书)."""

    event_type = "credit.document.issued.v1"

    document_id: str
    matter_id: str = Field(description="the blacklist entry or repair it belongs to")
    kind: str = Field(description="blacklist_notice or credit_repair_notice")
    title: str
    recipient: EmployerRef
    content_type: str = "text/plain; charset=utf-8"
    content_b64: str
    sha256: str
    verify_url: str
