"""The case file's execution: payments and the surcharge (R-CASE-6), the reminder and the
application for court enforcement (R-CASE-7)."""

from __future__ import annotations

from datetime import datetime

from labor_contracts.cases import CourtEnforcementApplied, FineOverdue
from labor_contracts.common import DocumentKind, EmployerRef
from labor_runtime.problems import Problem

from cases.casefile.base import (
    COURT_ENFORCEMENT,
    PAYMENT_DUE,
    Actor,
    Announced,
    CaseFileBase,
    DeadlineCancelled,
    Decision,
    Desk,
    Draft,
    Payment,
    Proposal,
)
from cases.documents.rules import FilingKind
from cases.documents.wording import (
    court_application_paragraphs,
    reminder_paragraphs,
    yuan,
)
from cases.execution import rules as execution
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction
from cases.settings import DayDeadline


def _party(proposal: Proposal) -> EmployerRef:
    """The decision's party as credit needs it: its business identity, no contact details."""
    return EmployerRef(name=proposal.party_name, credit_code=proposal.party_credit_code,
                       address=proposal.party_address)


class ExecutionProcedure(CaseFileBase):
    """Executing a case file's penalty decision."""

    # Execution: payments, reminder, court enforcement (R-CASE-6, R-CASE-7) -----------------------

    def record_payment(self, desk: Desk, actor: Actor, payment: Payment) -> execution.Balance:
        """A payment from the fiscal account's feed (C post); paid in full ends the execution
        deadlines."""
        decision = self.decision
        assert decision is not None  # payments are matched to a case by its decision's number
        self.payments.append(payment)
        balance = self.balance(desk)
        assert balance is not None
        now = desk.now
        reason = (f"payment {payment.reference}: {yuan(payment.amount)} on {payment.paid_on}; "
                  f"owed {yuan(balance.total)} (fine {yuan(balance.fine)} + surcharge "
                  f"{yuan(balance.surcharge)}), outstanding {yuan(balance.outstanding)}")
        self._step(CaseAction.RECORD_PAYMENT, actor, now, reason)
        self._audit("payment.record", actor, now, reason)
        if balance.paid_in_full and decision.paid_in_full_at is None:
            decision.paid_in_full_at = now
            self._met(PAYMENT_DUE)
            self.records.append(DeadlineCancelled(COURT_ENFORCEMENT, self.id))
        return balance

    async def payment_overdue(self, desk: Desk, *, actor: Actor, due_at: datetime) -> None:
        """The fine's due date passed unpaid: the reminder (催告书) at once (within the 3 days),
        credit is told (its grade, R-CRD-2), and the 30-day court-enforcement deadline starts."""
        decision = self.decision
        if decision is None or decision.paid_in_full_at is not None:
            return
        if (decision.reminder_document_id is None
                and lifecycle.can(self.state, CaseAction.ISSUE_REMINDER)):
            await self._remind(desk, decision, actor)
        self._deadline(COURT_ENFORCEMENT, execution.court_enforcement_by(
            decision.payment_due_at or due_at, days=desk.settings.court_enforcement_within_days,
            calendar=desk.calendar, working=desk.working(DayDeadline.COURT_ENFORCEMENT)),
            {"decision_number": decision.decision_number})

    async def _remind(self, desk: Desk, decision: Decision, actor: Actor) -> None:
        settings, calendar, now = desk.settings, desk.calendar, desk.now
        proposal = self.proposal_of(decision)
        balance = self.balance(desk)
        assert balance is not None
        number = await desk.clerk.number("reminder", settings.reminder_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=DocumentKind.REMINDER, number=number, title="催告书",
            recipient=proposal.recipient, issued_by=actor.subject, at=now,
            case_number=self.case_number or "", party=proposal.party,
            paragraphs=tuple(reminder_paragraphs(
                decision_number=decision.decision_number,
                decision_served_on=calendar.local_date(decision.served_at or decision.decided_at),
                due_on=calendar.local_date(decision.payment_due_at or now),
                fine_amount=balance.fine, surcharge=balance.surcharge, paid=balance.paid,
                outstanding=balance.outstanding, daily_rate=settings.late_surcharge_daily_rate,
                compliance_days=settings.reminder_compliance_days)),
            serve=True, district=self.district)))
        decision.reminder_document_id = document.id
        due_at = decision.payment_due_at or now
        self.records.append(Announced(FineOverdue(
            case_id=self.id, decision_id=decision.id, decision_number=decision.decision_number,
            employer=_party(proposal), district=self.district, outstanding=balance.outstanding,
            due_at=due_at, overdue_at=now)))
        remind_by = execution.reminder_by(due_at, days=settings.reminder_within_days,
                                          calendar=calendar,
                                          working=desk.working(DayDeadline.REMINDER))
        timing = "in time" if now <= remind_by else "LATE"
        reason = (f"R-CASE-7: fine unpaid after {due_at.isoformat()}; reminder {number} issued "
                  f"{timing} (due by {remind_by.isoformat()}), outstanding "
                  f"{yuan(balance.outstanding)}")
        self._step(CaseAction.ISSUE_REMINDER, actor, now, reason)
        self._audit("execution.reminder", actor, now, reason)

    async def apply_for_court_enforcement(self, desk: Desk, actor: Actor, *, reason: str,
                                          signed: bool) -> None:
        """Apply to the court (R-CASE-7): the application (强制执行申请书) is rendered with what
        is still owed and kept with the case, for filing with the court; signed by the staff
        member who applies, unsigned when the deadline made the system prepare it."""
        settings, calendar, now = desk.settings, desk.calendar, desk.now
        decision = self.decision
        if decision is None:
            raise Problem(409, "no-decision", "No penalty decision",
                          "R-CASE-7: court enforcement executes a signed penalty decision")
        if decision.paid_in_full_at is not None:
            raise Problem(409, "paid-in-full", "The fine is paid",
                          "nothing to enforce: the fine and surcharge were paid in full")
        if decision.reminder_document_id is None:
            raise Problem(409, "no-reminder", "No reminder issued",
                          "R-CASE-7: the reminder (催告书) precedes the application to the court")
        balance = self.balance(desk)
        assert balance is not None
        reminder_served = self._served_at(decision.reminder_document_id)
        number = await desk.clerk.number("court_application",
                                         settings.court_application_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=FilingKind.COURT_ENFORCEMENT_APPLICATION, number=number,
            title="强制执行申请书",
            recipient=EmployerRef(name=settings.enforcement_court), issued_by=actor.subject,
            at=now, case_number=self.case_number or "", party=self.proposal_of(decision).party,
            paragraphs=tuple(court_application_paragraphs(
                decision_number=decision.decision_number,
                decision_served_on=calendar.local_date(decision.served_at or decision.decided_at),
                due_on=calendar.local_date(decision.payment_due_at or now),
                reminder_number=self._number_of(decision.reminder_document_id),
                reminder_served_on=(calendar.local_date(reminder_served)
                                    if reminder_served else None),
                fine_amount=balance.fine, surcharge=balance.surcharge, paid=balance.paid,
                outstanding=balance.outstanding)),
            addressee=settings.enforcement_court, party_label="被申请人",
            signer=actor if signed else None, purpose="court_enforcement_application")))
        self._step(CaseAction.APPLY_COURT_ENFORCEMENT, actor, now,
                   f"{reason}: application {number} to {settings.enforcement_court}, "
                   f"outstanding {yuan(balance.outstanding)}")
        decision.court_enforcement_at, decision.court_application_document_id = now, document.id
        self._met(COURT_ENFORCEMENT)
        self._audit("execution.court_enforcement", actor, now, reason)
        self.records.append(Announced(CourtEnforcementApplied(
            case_id=self.id, decision_id=decision.id, decision_number=decision.decision_number,
            employer=_party(self.proposal_of(decision)), district=self.district,
            outstanding=balance.outstanding, reason=reason, applied_at=now)))

    async def court_enforcement_overdue(self, desk: Desk, actor: Actor) -> bool:
        """The 30 days after the due date end still unpaid: the case moves to court enforcement
        so the application is filed (R-CASE-7). False when that no longer applies."""
        decision = self.decision
        if (decision is None or decision.paid_in_full_at is not None
                or decision.reminder_document_id is None
                or not lifecycle.can(self.state, CaseAction.APPLY_COURT_ENFORCEMENT)):
            return False
        await self.apply_for_court_enforcement(
            desk, actor, signed=False,
            reason=f"R-CASE-7: still unpaid {desk.settings.court_enforcement_within_days} days "
                   "after the due date; application for court enforcement")
        return True
