"""API models of sanctions: staff see people masked; only the housing regulator reads them."""

from __future__ import annotations

from datetime import datetime

from labor_contracts.credit import Punishment
from labor_contracts.identifiers import identity_number_problem
from labor_runtime.inputs import Text
from pydantic import BaseModel, Field, field_validator


class SanctionView(BaseModel):
    """One party's R-MAJ-3 punishment as staff see it: a person only masked."""

    id: str
    major_case_id: str
    case_id: str
    case_number: str | None
    district: str | None
    party_role: str = Field(description="developer, general_contractor, team_leader or foreman")
    credit_code: str | None
    name: str = Field(description="the organisation's name, or the person's masked name")
    id_number_masked: str | None
    punishments: list[Punishment]
    status: str = Field(description="imposed (partners told) or awaiting_identity (a person "
                        "whose identity number staff have not entered yet)")
    imposed_at: datetime | None


class PersonPut(BaseModel):
    """The identity of a team leader or foreman (班组长、包工头), as staff established it."""

    name: Text = Field(max_length=64)
    id_number: str = Field(description="resident identity number (GB 11643), 18 characters")
    reason: Text = Field(default="identity established for the R-MAJ-3 market ban",
                         max_length=500, description="why, for the audit trail")

    @field_validator("id_number")
    @classmethod
    def _valid_id_number(cls, value: str) -> str:
        number = value.strip().upper()
        problem = identity_number_problem(number)
        if problem:
            raise ValueError(f"identity number invalid: {problem}")
        return number


class PersonRead(BaseModel):
    """The banned person in full, for the regulator that enforces the market ban only."""

    sanction_id: str
    party_role: str
    name: str
    id_number: str
    punishments: list[Punishment]
