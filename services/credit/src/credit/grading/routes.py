"""HTTP API of the grade: the current grade, its score and what cost the points (R-CRD-2)."""

from __future__ import annotations

from fastapi import APIRouter
from labor_runtime.app import RuntimeDep

from credit.employers.routes import CreditCode, Staff
from credit.grading import flows
from credit.grading.schemas import GradeRead

router = APIRouter(prefix="/v1/employers", tags=["grades"])


@router.get("/{credit_code}/grade", response_model=GradeRead,
            summary="Current integrity grade, score and explanation (R-CRD-2)",
            responses={404: {"description": "not in the register, or not graded yet"},
                       422: {"description": "invalid credit code, with the reason"}})
async def current_grade(runtime: RuntimeDep, who: Staff, credit_code: CreditCode) -> GradeRead:
    return await flows.current(runtime, who, credit_code)
