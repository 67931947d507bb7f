"""How a case shows its employer's grid (R-ORG-1)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CaseGrid(BaseModel):
    code: str = Field(description="statistical division code of the employer's grid (网格)")
    name: str | None = Field(description="null until credit's tree reached cases")
    district: str | None
    workers: list[str] = Field(description="staff subjects of the grid's workers (网格员)")
