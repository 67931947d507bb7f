"""API models of the blacklist (R-CRD-4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field, StrictBool

Reason = Field(max_length=2000, description="why: kept with the step and audited")


class Proposal(BaseModel):
    """The C post's proposal (R-CRD-4)."""

    credit_code: Text = Field(max_length=64)
    grounds: list[str] = Field(min_length=1, max_length=200,
                               description="ids of the employer's conduct records")
    facts: Text = Field(max_length=4000, description="the grounds in words")


class Review(BaseModel):
    """B's legal review of a proposal; never by the proposer (R-ORG-2)."""

    approve: StrictBool
    reason: Text = Reason


class DefenceIn(BaseModel):
    """What the employer stated in its defence (陈述申辩), as staff recorded it."""

    statement: Text = Field(max_length=8000)
    reason: Text = Reason


class DefenceDecision(BaseModel):
    outcome: Literal["upheld", "accepted"] = Field(
        description="upheld: the listing goes ahead; accepted: the entry is dropped")
    reason: Text = Reason


class GroundRead(BaseModel):
    record_id: str
    ground: str
    case_id: str | None = None


class CandidateGround(BaseModel):
    record_id: str
    kind: str
    ground: str
    case_id: str | None = None
    amount: Decimal | None = None
    occurred_at: datetime


class CandidateRead(BaseModel):
    """An employer with grounds (R-CRD-4) and no live entry."""

    credit_code: str
    name: str | None = None
    district: str | None = None
    grounds: list[CandidateGround]


class PunishmentRead(BaseModel):
    measure: str
    agencies: list[str]
    starts_on: date
    ends_on: date


class StepRead(BaseModel):
    at: datetime
    actor: str
    action: str
    reason: str
    repair_id: str | None = None


class DocumentRead(BaseModel):
    document_id: str
    kind: str
    title: str
    sha256: str
    issued_at: datetime
    verify_url: str


class EntrySummary(BaseModel):
    id: str
    credit_code: str
    district: str | None = None
    state: str
    proposed_by: str
    proposed_at: datetime
    decision_number: str | None = None
    listed_on: date | None = None
    ends_on: date | None = None


class RepairRef(BaseModel):
    id: str
    state: str


class EntryRead(EntrySummary):
    """An entry with its grounds, punishments, documents and timeline."""

    facts: str
    reviewed_by: str | None = None
    defence_due_at: datetime | None = None
    defence: str | None = None
    removed_at: datetime | None = None
    removal_reason: str | None = None
    grounds: list[GroundRead]
    punishments: list[PunishmentRead]
    documents: list[DocumentRead]
    repairs: list[RepairRef]
    timeline: list[StepRead]


class DocumentVerification(BaseModel):
    """What the QR code of a credit document shows (R-DLV-4)."""

    document_id: str
    kind: str
    title: str
    sha256: str
    issued_at: datetime
