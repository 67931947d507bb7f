"""API shapes of evidence."""

from __future__ import annotations

from datetime import datetime

from labor_runtime.inputs import Text
from pydantic import BaseModel, ConfigDict, Field

from cases.evidence.rules import EvidenceKind


class EvidenceCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "payroll", "title": "2025年10-12月工资表", "description": "现场调取，加盖公章",
        "content_type": "application/pdf", "content_b64": "JVBERi0xLjQK"}]})

    kind: EvidenceKind
    title: Text = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    content_type: Text = Field(min_length=3, max_length=100)
    content_b64: str = Field(min_length=1, description="the item's bytes, base64")


class EvidenceView(BaseModel):
    evidence_id: str
    case_id: str
    position: int
    kind: EvidenceKind
    title: str
    description: str
    content_type: str
    content_sha256: str
    size: int
    collected_by: str
    collected_at: datetime
    prev_hash: str
    row_hash: str


class FindingView(BaseModel):
    position: int
    evidence_id: str | None
    problem: str


class EvidenceVerification(BaseModel):
    case_id: str
    intact: bool
    items: int
    findings: list[FindingView]
