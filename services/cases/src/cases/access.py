"""Who may call a case route: the posts of R-ORG-2 as FastAPI dependencies (the district check on
the case itself is the flows' `staff_case` / `readable_case`), and the case path parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from labor_runtime.app import staff
from labor_runtime.security import Principal, Role

Officer = Annotated[Principal, Depends(staff(Role.OFFICER_A))]
Reviewer = Annotated[Principal, Depends(staff(Role.REVIEWER_B))]
Executor = Annotated[Principal, Depends(staff(Role.EXECUTOR_C))]
BrigadeChief = Annotated[Principal, Depends(staff(Role.BRIGADE_CHIEF))]
DetachmentChief = Annotated[Principal, Depends(staff(Role.DETACHMENT_CHIEF))]
Staff = Annotated[Principal, Depends(staff(
    Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF))]
CaseId = Annotated[str, Path(max_length=64)]
