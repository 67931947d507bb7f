"""API shapes of the employer read model: totals, never personal data."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class ProjectTotals(BaseModel):
    project: str | None = Field(description="construction project; null: none named")
    complaints: int = 0
    open_complaints: int = 0
    worker_count: int = 0
    arrears_amount: Decimal = Decimal("0.00")


class EmployerView(BaseModel):
    employer_id: str
    credit_code: str | None
    name: str
    address: str | None
    grid: str | None = Field(description="R-ORG-1 the one grid it belongs to; null until known")
    grid_name: str | None = Field(default=None, description="the grid's name, once credit's "
                                  "tree has reached intake (credit.grid.changed.v1)")
    grid_workers: list[str] = Field(default_factory=list,
                                    description="staff subjects of the grid's workers (网格员)")
    district: str | None = Field(default=None, description="the register's district once registered; "
                                 "before, the first complaint's")
    register_version: int | None = Field(
        default=None, description="version of credit's register applied (credit.employer.changed.v1); "
        "null: not in the register yet")
    complaint_count: int = Field(description="complaints ever linked to it")
    open_complaints: int = Field(description="R-INT-6 linked complaints not yet answered")
    open_worker_count: int
    open_arrears_amount: Decimal
    complaint_ids: list[str] = Field(description="linked complaints of the caller's district")
    projects: list[ProjectTotals] = Field(description="the caller's district's complaints by project")


class EmployerMatches(BaseModel):
    employer_ids: list[str]
