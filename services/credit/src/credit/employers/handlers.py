"""How credit reacts to cases: a penalty decision enters the file and regrades (R-CRD-1, R-CRD-2);
a decision that registers an employer (or fills its gaps) publishes the register change."""

from __future__ import annotations

import logging

from labor_contracts.cases import PenaltyDecided
from labor_contracts.credit import IntegrityGradeChanged
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import credit_code_problem
from labor_runtime import audit
from labor_runtime.bus import Rejected
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from credit.employers import history
from credit.employers.flows import file_decision
from credit.grading.flows import regrade
from credit.grading.rules import GradingPolicy

log = logging.getLogger(__name__)


def event_handlers(policy: GradingPolicy) -> dict[str, EventHandler]:
    """The consumer's handlers, bound to the configured grading policy."""

    async def on_penalty_decided(uow: UnitOfWork, event: Envelope, data: PenaltyDecided) -> None:
        raw = data.employer.credit_code
        if raw is None:
            raise Rejected(f"decision {data.decision_id} names no credit code: the register "
                           "is keyed by it (R-CRD-1)")
        code = raw.strip().upper()
        problem = credit_code_problem(code)
        if problem:
            raise Rejected(f"decision {data.decision_id}: credit code {raw!r} invalid: {problem}")
        now = uow.clock.now()
        filed = await file_decision(uow.session, code=code, event_id=event.id, data=data, now=now)
        if filed.register_change is not None:  # registered by this decision, or gaps filled
            await uow.emit(filed.register_change, subject=code)
        if not filed.new_decision:
            log.info("decision %s already in the file of %s; nothing to do", data.decision_id, code)
            return
        await history.record(
            uow.session, credit_code=code, kind=history.Kind.PENALTY, at=data.decided_at,
            summary=f"penalty decision {data.decision_number}: {data.violation}, fine "
            f"{data.fine_amount} yuan", source=event.id, ref=data.decision_id,
            details={"case_id": data.case_id, "decision_number": data.decision_number,
                     "fine_amount": str(data.fine_amount), "authority": data.authority})
        trigger = f"penalty:{data.decision_id}"
        outcome = await regrade(uow.session, code=code, policy=policy, now=now, trigger=trigger)
        result = outcome.result
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=uow.source, role="system", action="grade_employer",
            subject=f"employer:{code}",
            reason=f"{trigger}: {outcome.previous or '-'} -> {result.grade} ({result.score})"))
        await history.record(
            uow.session, credit_code=code, kind=history.Kind.GRADE, at=now,
            summary=f"grade {result.grade.value} ({result.score}), was {outcome.previous or '-'}",
            source=event.id, ref=trigger,
            details={"grade": result.grade.value, "score": result.score,
                     "previous_grade": outcome.previous})
        if outcome.changed:
            await uow.emit(IntegrityGradeChanged(
                credit_code=code, grade=result.grade.value, previous_grade=outcome.previous,
                score=result.score, computed_at=now), subject=code)

    return {PenaltyDecided.event_type: on_penalty_decided}
