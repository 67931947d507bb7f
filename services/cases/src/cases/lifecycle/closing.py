"""Closing a case (结案, R-CASE-1): the last step of every path, decided, rectified or not
registered."""

from __future__ import annotations

from labor_runtime.security import Principal

from cases.casefile.repository import staff_command
from cases.settings import CasesRuntime


async def close(runtime: CasesRuntime, who: Principal, case_id: str, reason: str,
                worker_satisfaction: str | None = None) -> None:
    """Decided cases close once published and paid in full; rectified cases by a brigade chief
    other than the officer who recorded the compliance (R-ORG-2)."""
    async with staff_command(runtime, who, case_id, "brigade_chief") as command:
        command.file.close(command.desk, command.actor, reason=reason,
                           worker_satisfaction=worker_satisfaction)
