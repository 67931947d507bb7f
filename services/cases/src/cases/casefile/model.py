"""The case file (案卷) aggregate: the case with everything its procedure decides on, and the
procedure's commands, each kept in the folder of its part of the procedure."""

from __future__ import annotations

from cases.execution.procedure import ExecutionProcedure
from cases.lifecycle.procedure import LifecycleProcedure
from cases.penalty.procedure import PenaltyProcedure
from cases.rectification.procedure import RectificationProcedure


class CaseFile(LifecycleProcedure, PenaltyProcedure, ExecutionProcedure, RectificationProcedure):
    """A case (案件) with its complaints, registration forms, proposals, hearing, decision,
    payments and orders; its commands check the transition table (R-CASE-1) and the rules."""
