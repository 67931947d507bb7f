"""API shapes of grids (网格, R-ORG-1): the tree, its workers, loading and coverage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field


class GridRef(BaseModel):
    code: str
    name: str
    level: str


class GridRead(BaseModel):
    """A grid with the path to the city (city first) and its grid workers."""

    code: str = Field(description="statistical division code (统计用区划代码), 12 digits")
    name: str
    level: str = Field(description="city, district, township or village")
    parent_code: str | None
    district: str | None = Field(description="the district brigade (区大队) code, e.g. d01")
    active: bool
    version: int
    updated_at: datetime
    path: list[GridRef] = Field(description="from the city down to this grid's parent")
    workers: list[str] = Field(description="staff subjects of its grid workers (网格员)")


class GridLineError(BaseModel):
    line: int
    reason: str


class LoadReport(BaseModel):
    """What loading a grids file did; loading the same file again changes nothing."""

    lines: int
    created: list[str]
    changed: list[str]
    unchanged: int


Subject = Annotated[str, Field(pattern=r"^[A-Za-z0-9._@:-]{1,128}$")]


class WorkersPut(BaseModel):
    workers: list[Subject] = Field(max_length=200, description="staff subjects; replaces the list")
    reason: Text = Field(min_length=3, max_length=500,
                        description="why, for the audit trail")


class Unplaced(BaseModel):
    """An employer without a grid, and why."""

    credit_code: str
    name: str
    district: str | None
    why: str


class Coverage(BaseModel):
    """R-ORG-1 every employer in exactly one grid: who is not yet, and grids nobody looks after."""

    employers_total: int
    with_grid: int
    without_grid: int
    unplaced: list[Unplaced] = Field(description="employers without a grid, with why")
    grids_without_workers: list[GridRef] = Field(description="active village grids")
