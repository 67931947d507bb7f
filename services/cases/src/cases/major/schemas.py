"""API shapes of major cases: incident reports, the task force, milestones, sanctions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from labor_contracts.identifiers import CreditCode
from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from cases.major.rules import Agency, IncidentKind, Milestone


class IncidentReport(BaseModel):
    """Something that happened around a case that may make it major (R-MAJ-1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"kind": "road_blocking", "note": "约40名工人在项目门口围堵道路"},
        {"kind": "online_attention", "views": 150000, "note": "微博话题阅读量15万"},
    ]})

    kind: IncidentKind
    views: StrictInt | None = Field(default=None, ge=0, le=10**12,
                              description="online_attention: how many views the topic has")
    worker_count: StrictInt | None = Field(default=None, ge=1, le=10**6,
                                     description="workers_affected: workers found affected")
    amount: Money | None = Field(default=None,
                                 description="amount_verified: arrears verified, yuan")
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _figure_for_kind(self) -> IncidentReport:
        needs = {IncidentKind.ONLINE_ATTENTION: ("views", self.views),
                 IncidentKind.WORKERS_AFFECTED: ("worker_count", self.worker_count),
                 IncidentKind.AMOUNT_VERIFIED: ("amount", self.amount)}
        if self.kind in needs and needs[self.kind][1] is None:
            raise ValueError(f"a {self.kind} report needs {needs[self.kind][0]}")
        return self


class TaskForceMember(BaseModel):
    agency: Agency
    name: Text = Field(max_length=100, description="who represents the agency")
    unit: str = Field(default="", max_length=200, description="their unit, e.g. 某区公安分局")


class TaskForce(BaseModel):
    """The "1+6" task force (1+6 工作专班) of a major case (R-MAJ-2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"members": [
        {"agency": "lead", "name": "王副区长", "unit": "某区人民政府"},
        {"agency": "human_resources", "name": "赵支队长", "unit": "某市劳动保障监察支队"},
        {"agency": "police", "name": "钱警官", "unit": "某区公安分局"},
    ]}]})

    members: list[TaskForceMember] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _one_lead(self) -> TaskForce:
        if sum(1 for m in self.members if m.agency == Agency.LEAD) != 1:
            raise ValueError("the task force has exactly one lead")
        return self


class MilestoneDone(BaseModel):
    """A milestone reached, with what proves it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"evidence_note": "大队3人14:20到场，派出所民警维持秩序；现场照片已上传"}]})

    evidence_note: Text = Field(min_length=2, max_length=4000)


class Organisation(BaseModel):
    name: Text = Field(max_length=200)
    credit_code: CreditCode | None = Field(default=None, description="统一社会信用代码; validated")


class Individual(BaseModel):
    name: Text = Field(max_length=100)
    role: Literal["team_leader", "foreman"] = Field(description="班组长 or 包工头")


class SanctionsRequest(BaseModel):
    """R-MAJ-3 follow-up: who is sanctioned; terms are computed from the settings."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "developer": {"name": "某某房地产开发有限公司", "credit_code": "91350100M000100Y43"},
        "general_contractor": {"name": "某某建筑工程有限公司"},
        "individuals": [{"name": "张三", "role": "foreman"}],
    }]})

    developer: Organisation
    general_contractor: Organisation
    individuals: list[Individual] = Field(default_factory=list, max_length=100)
    starts_on: date | None = Field(default=None, description="default: today (bureau time)")


class MilestoneView(BaseModel):
    milestone: Milestone
    description: str
    due_at: datetime
    status: Literal["open", "done", "done_late", "missed"]
    done_at: datetime | None
    done_by: str | None
    evidence_note: str | None
    missed_at: datetime | None = Field(description="when the alert was raised")


class IncidentView(BaseModel):
    incident_id: str
    kind: str
    views: int | None
    worker_count: int | None
    amount: Decimal | None
    note: str
    reported_by: str
    reported_at: datetime


class SanctionView(BaseModel):
    party_role: str
    name: str
    credit_code: str | None
    measures: list[str]
    starts_on: date
    ends_on: date


class MajorCaseView(BaseModel):
    major_case_id: str
    case_id: str
    case_number: str | None
    district: str | None
    employer_name: str
    grounds: list[str] = Field(description="the R-MAJ-1 triggers that held")
    triggered_at: datetime
    triggered_by: str
    task_force: list[TaskForceMember]
    missing_agencies: list[Agency] = Field(description="task force agencies nobody is named for")
    milestones: list[MilestoneView]
    incidents: list[IncidentView]
    sanctions: list[SanctionView]
    sanctions_at: datetime | None


class IncidentOutcome(BaseModel):
    incident: IncidentView
    grounds: list[str] = Field(description="R-MAJ-1 triggers that hold for the case now")
    major_case: MajorCaseView | None = Field(description="the case's emergency response, if major")
    newly_triggered: bool
