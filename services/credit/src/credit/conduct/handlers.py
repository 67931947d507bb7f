"""How conduct hears what the employer did (R-CRD-2): cases' lapsed orders, overdue fines,
court enforcement and closings with the workers' satisfaction; intake's accepted complaints.
Each event is one conduct record at most; a malformed one is dead-lettered with its reason."""

from __future__ import annotations

import logging
from datetime import timedelta

from labor_contracts.cases import (
    CaseClosed,
    CourtEnforcementApplied,
    FineOverdue,
    RectificationLapsed,
)
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import credit_code_problem
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.bus import Rejected
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from credit.conduct import flows
from credit.conduct.rules import ConductKind, Satisfaction
from credit.employers import history

log = logging.getLogger(__name__)


def _code(raw: str | None, what: str) -> str | None:
    """The credit code, normalised; None when the event names none; Rejected when invalid."""
    if raw is None:
        return None
    code = raw.strip().upper()
    problem = credit_code_problem(code)
    if problem:
        raise Rejected(f"{what}: credit code {raw!r} invalid: {problem}")
    return code


def _required(raw: str | None, what: str) -> str:
    code = _code(raw, what)
    if code is None:
        raise Rejected(f"{what} names no credit code: conduct is filed by it (R-CRD-1)")
    return code


def event_handlers(gather: timedelta) -> dict[str, EventHandler]:
    """The consumer's handlers: each reports to `flows.report`, which queues the regrade, due
    `gather` later (`grade_gather_seconds`)."""

    async def on_rectification_lapsed(uow: UnitOfWork, event: Envelope,
                                      data: RectificationLapsed) -> None:
        what = f"lapsed order to rectify of case {data.case_id}"
        case = data.case_number or data.case_id
        await flows.report(
            uow, gather=gather, code=_required(data.employer.credit_code, what),
            kind=ConductKind.RECTIFICATION_LAPSED, occurred_at=data.lapsed_at, source=event.id,
            ref=data.case_id, case_id=data.case_id, amount=data.arrears_outstanding,
            detail=case, summary=f"order to rectify of case {case} not carried out by "
            f"{data.due_at.isoformat()}; {data.arrears_outstanding} yuan of wages still owed")

    async def on_fine_overdue(uow: UnitOfWork, event: Envelope, data: FineOverdue) -> None:
        what = f"overdue fine of decision {data.decision_id}"
        await flows.report(
            uow, gather=gather, code=_required(data.employer.credit_code, what),
            kind=ConductKind.FINE_OVERDUE, occurred_at=data.overdue_at, source=event.id,
            ref=data.decision_id, case_id=data.case_id, amount=data.outstanding,
            detail=data.decision_number, summary=f"fine of {data.decision_number} unpaid after "
            f"{data.due_at.isoformat()}: {data.outstanding} yuan outstanding, reminder issued")

    async def on_court_enforcement(uow: UnitOfWork, event: Envelope,
                                   data: CourtEnforcementApplied) -> None:
        what = f"court enforcement of decision {data.decision_id}"
        await flows.report(
            uow, gather=gather, code=_required(data.employer.credit_code, what),
            kind=ConductKind.COURT_ENFORCEMENT, occurred_at=data.applied_at, source=event.id,
            ref=data.decision_id, case_id=data.case_id, amount=data.outstanding,
            detail=data.decision_number, summary=f"penalty decision {data.decision_number} not "
            f"carried out: court enforcement applied for, {data.outstanding} yuan outstanding")

    async def on_case_closed(uow: UnitOfWork, event: Envelope, data: CaseClosed) -> None:
        what = f"closing of case {data.case_id}"
        satisfaction = data.worker_satisfaction
        if satisfaction is not None and satisfaction not in set(Satisfaction):
            raise Rejected(f"{what}: worker_satisfaction {satisfaction!r} is none of "
                           f"{', '.join(Satisfaction)}")
        code = _code(data.employer.credit_code if data.employer else None, what)
        if code is None:  # events from before 2026-12, or an employer without a code
            log.info("%s names no employer's credit code: nothing to count", what)
            return
        case = data.case_number or data.case_id
        if satisfaction is None:  # the workers were not asked: a line in the history only
            await history.record(uow.session, credit_code=code, kind=history.Kind.CASE_CLOSED,
                                 at=data.closed_at, source=event.id, ref=data.case_id,
                                 summary=f"case {case} closed ({data.outcome})")
            return
        await flows.report(
            uow, gather=gather, code=code, kind=ConductKind.CASE_CLOSED,
            occurred_at=data.closed_at, source=event.id, ref=data.case_id, case_id=data.case_id,
            detail=satisfaction, summary=f"case {case} closed ({data.outcome}); the closing "
            f"callback (执法回访) found the workers {satisfaction.replace('_', ' ')}")

    async def on_complaint_accepted(uow: UnitOfWork, event: Envelope,
                                    data: ComplaintAccepted) -> None:
        # Only the complaint's id, the employer's code and the time: nothing about the worker.
        code = _code(data.employer.credit_code, f"complaint {data.complaint_id}")
        if code is None:
            return  # an employer without a credit code cannot be graded: not counted
        await flows.report(
            uow, gather=gather, code=code, kind=ConductKind.COMPLAINT,
            occurred_at=data.received_at, source=event.id, ref=data.complaint_id,
            detail=data.complaint_id, summary=f"worker complaint {data.complaint_id} accepted")

    return {
        RectificationLapsed.event_type: on_rectification_lapsed,
        FineOverdue.event_type: on_fine_overdue,
        CourtEnforcementApplied.event_type: on_court_enforcement,
        CaseClosed.event_type: on_case_closed,
        ComplaintAccepted.event_type: on_complaint_accepted,
    }
