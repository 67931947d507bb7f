"""API shapes of evidence uploads (R-INT-2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MaterialUpload(BaseModel):
    """One evidence file, base64 in JSON (the mini-program's offline queue stores JSON)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "payslip", "content_type": "image/png", "filename": "payslip-2026-09.png",
        "content_base64": "iVBORw0KGgo=", "description": "九月工资条"}]})

    kind: str = Field(description="identity_proof, payslip, chat_record, attendance_record, "
                      "labor_contract, bank_statement or other")
    content_type: str = Field(max_length=100, description="e.g. image/jpeg, image/png, application/pdf")
    filename: str = Field(default="", max_length=200)
    content_base64: str = Field(min_length=1, description="the file, base64 (RFC 4648)")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                               description="optional: the client's hash, checked against the bytes")
    description: str = Field(default="", max_length=500)


class MaterialReceipt(BaseModel):
    material_id: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the stored bytes")
    uploaded_at: datetime
    complaint_status: str = Field(description="received once nothing is missing any more")
    missing: list[str] = Field(description="R-INT-2 what the complaint still lacks")
