"""Settings of grids: each with its default and the rule it serves."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GridsSettings(BaseModel):
    grids_file_max_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024,
        description="R-ORG-1 largest grids file the HTTP upload takes (a city's whole tree)")
    grids_coverage_list: int = Field(
        default=200, ge=1, le=1000,
        description="R-ORG-1 employers without a grid and grids without workers the coverage "
        "report lists by default (the counts are always whole)")
