"""How intake reacts to the cases service: the worker's status follows the case (R-INT-8)."""

from __future__ import annotations

from typing import Any

from labor_contracts.cases import CaseNotRegistered, CaseRegistered
from labor_contracts.envelope import Envelope
from labor_runtime import timers
from labor_runtime.db import UnitOfWork

from intake.complaints.flows import REGISTRATION_ANSWER
from intake.complaints.models import complaints
from intake.complaints.rules import ComplaintStatus
from intake.employers import flows as employer_flows


async def on_case_registered(uow: UnitOfWork, event: Envelope, data: CaseRegistered) -> None:
    await _answer(uow, data.complaint_ids, ComplaintStatus.REGISTERED, "", data.case_id)


async def on_case_not_registered(uow: UnitOfWork, event: Envelope, data: CaseNotRegistered) -> None:
    await _answer(uow, data.complaint_ids, ComplaintStatus.NOT_REGISTERED, data.reason, data.case_id)


async def _answer(uow: UnitOfWork, complaint_ids: list[str], status: str, reason: str,
                  case_id: str) -> None:
    now = uow.clock.now()
    await employer_flows.release(uow.session, complaint_ids)  # R-INT-6: no longer open
    await uow.session.execute(
        complaints.update().where(complaints.c.id.in_(complaint_ids))
        .values(status=status, status_reason=reason, case_id=case_id, updated_at=now))
    for complaint_id in complaint_ids:
        await timers.complete(uow.session, kind=REGISTRATION_ANSWER, subject=complaint_id, now=now)


HANDLERS: dict[str, Any] = {
    CaseRegistered.event_type: on_case_registered,
    CaseNotRegistered.event_type: on_case_not_registered,
}
