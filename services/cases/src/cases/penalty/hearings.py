"""Hearing (听证, R-CASE-5): the party's request after the notice, and the hearing's record, which
the decision cites."""

from __future__ import annotations

import sqlalchemy as sa
from labor_runtime.problems import Problem
from labor_runtime.security import Principal

from cases.casefile.repository import staff_command
from cases.lifecycle.flows import readable_case
from cases.penalty.models import hearings
from cases.penalty.schemas import HearingRecordCreate, HearingRequest, HearingView
from cases.settings import CasesRuntime


async def request_hearing(runtime: CasesRuntime, who: Principal, case_id: str,
                          body: HearingRequest) -> HearingView:
    """Record the party's request after the notice; the hearing is due within 7 days."""
    async with staff_command(runtime, who, case_id, "officer_a") as command:
        command.file.request_hearing(command.desk, command.actor, requested_at=body.requested_at,
                                     note=body.note)
    return await hearing_view(runtime, who, case_id)


async def record_hearing(runtime: CasesRuntime, who: Principal, case_id: str,
                         body: HearingRecordCreate) -> HearingView:
    """Store the hearing's record as a signed document; the decision will cite it."""
    async with staff_command(runtime, who, case_id, "officer_a") as command:
        await command.file.record_hearing(command.desk, command.actor, held_at=body.held_at,
                                          presiding=body.presiding,
                                          participants=body.participants, record=body.record)
    return await hearing_view(runtime, who, case_id)


async def hearing_view(runtime: CasesRuntime, who: Principal, case_id: str) -> HearingView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        h = (await conn.execute(sa.select(hearings).where(hearings.c.case_id == case_id))).first()
    if h is None:
        raise Problem(404, "not-found", "No hearing", "no hearing was asked for in this case")
    return HearingView(hearing_id=h.id, case_id=h.case_id, requested_at=h.requested_at,
                       requested_by=h.requested_by, hold_by=h.hold_by, held_at=h.held_at,
                       record_document_id=h.record_document_id)
