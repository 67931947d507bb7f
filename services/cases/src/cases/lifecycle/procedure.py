"""The case file's lifecycle commands: opened from a complaint or joined by one (R-INT-6),
registered at once (R-CASE-3) or through the registration form (R-CASE-2), refused, closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Self

from labor_contracts.cases import CaseClosed, CaseNotRegistered, CaseRegistered
from labor_contracts.identifiers import new_id
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.problems import Problem

from cases.casefile.base import (
    REGISTRATION_FORM_KIND,
    REGISTRATION_REVIEW,
    Actor,
    Announced,
    CaseComplaint,
    CaseFileBase,
    DeadlineCancelled,
    Desk,
    Draft,
    Registered,
    RegistrationForm,
    Step,
)
from cases.execution import rules as execution
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction, CaseState, RegistrationFormStatus
from cases.penalty import rules as penalty
from cases.rectification import rules as rectification
from cases.rectification.rules import OrderStatus
from cases.settings import CasesSettings


class LifecycleProcedure(CaseFileBase):
    """Opening, registration and closing of a case file."""

    # Opening from complaints (R-CASE-1, R-CASE-3, R-INT-6) -------------------------------------

    @classmethod
    def open(cls, desk: Desk, actor: Actor, complaint: ComplaintAccepted,
             traceparent: str | None) -> Self:
        """A case for an accepted complaint, registered at once when R-CASE-3 holds (立即立案),
        else awaiting registration approval (R-CASE-2). Its timeline shows both steps."""
        now = desk.now
        case_file = cls(
            id=new_id(), state=lifecycle.INITIAL_STATE, district=complaint.district,
            employer_name=complaint.employer.name,
            employer_credit_code=complaint.employer.credit_code,
            employer_address=complaint.employer.address, employer_key=complaint.employer_id,
            worker_count=complaint.worker_count, arrears_amount=complaint.arrears_amount,
            suspected_crime=complaint.suspected_crime, mass_incident=complaint.mass_incident,
            summary=complaint.summary, opened_at=now, traceparent=traceparent,
            complaints=[CaseComplaint(complaint.complaint_id, complaint.channel,
                                      complaint.received_at)])
        case_file.records.append(Step(
            "open", None, case_file.state, actor, now,
            f"complaint {complaint.complaint_id} accepted via {complaint.channel}"))
        grounds = case_file.immediate_registration_grounds(desk.settings)
        if grounds:
            case_file._register(actor, now, "R-CASE-3 immediate registration: " + "; ".join(grounds),
                                immediate=True)
        else:
            case_file._step(CaseAction.AWAIT_REGISTRATION, actor, now,
                            "R-CASE-3 does not apply: awaits registration approval (R-CASE-2)")
        return case_file

    def immediate_registration_grounds(self, settings: CasesSettings) -> list[str]:
        """R-CASE-3 on the case's figures: why it is registered at once; empty when it waits."""
        return lifecycle.immediate_registration_grounds(
            worker_count=self.worker_count, arrears_amount=self.arrears_amount,
            suspected_crime=self.suspected_crime, mass_incident=self.mass_incident,
            thresholds=lifecycle.RegistrationThresholds(settings.immediate_registration_workers,
                                                        settings.immediate_registration_amount))

    def join(self, desk: Desk, actor: Actor, complaint: ComplaintAccepted) -> None:
        """The complaint joins the open case (并案, R-INT-6): its workers and amount add to the
        case's, and R-CASE-3 is judged again on the totals; a case already registered tells
        intake so."""
        now = desk.now
        self.complaints.append(CaseComplaint(complaint.complaint_id, complaint.channel,
                                             complaint.received_at))
        self.worker_count += complaint.worker_count
        self.arrears_amount += complaint.arrears_amount
        self.suspected_crime = self.suspected_crime or complaint.suspected_crime
        self.mass_incident = self.mass_incident or complaint.mass_incident
        self._note("join_complaint", actor, now,
                   f"R-INT-6 complaint {complaint.complaint_id} against the same employer joined "
                   f"the case: now {self.worker_count} workers, {self.arrears_amount} yuan")
        if self.state in (CaseState.RECEIVED, CaseState.REGISTRATION_PENDING):
            grounds = self.immediate_registration_grounds(desk.settings)
            if grounds:
                for form in self.forms:  # a live form (R-CASE-2) is moot once registered at once
                    if form.live:
                        form.status = RegistrationFormStatus.SUPERSEDED
                        self.records.append(DeadlineCancelled(REGISTRATION_REVIEW, form.id))
                self._register(actor, now, "R-CASE-3 immediate registration on the linked "
                               "complaints' totals: " + "; ".join(grounds), immediate=True)
            return
        if self.case_number is None:
            return  # registered in this transaction: its number, at commit, names this one too
        assert self.registered_at is not None
        self.records.append(Announced(CaseRegistered(
            case_id=self.id, case_number=self.case_number, complaint_ids=[complaint.complaint_id],
            registered_at=self.registered_at, immediate=self.immediate_registration,
            reason="joined a registered case against the same employer (并案)")))

    # Registration approval (立案审批, R-CASE-2) ------------------------------------------------

    @property
    def live_form(self) -> RegistrationForm | None:
        return next((f for f in self.forms if f.live), None)

    async def submit_registration_form(self, desk: Desk, actor: Actor, *, facts: str,
                                       employer: dict[str, object],
                                       workers: list[dict[str, object]],
                                       amount: Decimal) -> RegistrationForm:
        """A fills and signs the form; B's legal review is due within `legal_review_within_hours`."""
        if self.state != CaseState.REGISTRATION_PENDING:
            raise Problem(409, "not-awaiting-registration", "The case is not awaiting registration",
                          f"the case is {self.state}; a registration form is filled for a case "
                          "awaiting registration (R-CASE-3 cases are registered at once)",
                          state=str(self.state))
        if self.live_form is not None:
            raise Problem(409, "registration-form-live", "A registration form is already live",
                          "a new form may follow a rejected legal review")
        settings, now = desk.settings, desk.now
        number = await desk.clerk.number("registration_form",
                                         settings.registration_form_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=REGISTRATION_FORM_KIND, number=number, title="立案审批表",
            recipient=None, issued_by=actor.subject, at=now, case_number=self.case_number or "",
            signer=actor, purpose="submit",
            form=lifecycle.registration_form(
                case_id=self.id, number=number, facts=facts, employer=employer, workers=workers,
                amount=amount, submitted_by=actor.subject, submitted_at=now.isoformat()))))
        form = RegistrationForm(
            id=new_id(), status=RegistrationFormStatus.SUBMITTED, document_id=document.id,
            facts=facts, employer=employer, workers=workers, amount=amount,
            submitted_by=actor.subject, submitted_at=now)
        self.forms.append(form)
        self._deadline(REGISTRATION_REVIEW,
                       now + timedelta(hours=settings.legal_review_within_hours),
                       {"case_id": self.id}, subject=form.id)
        self._audit("registration.submit", actor, now, f"registration form {number} submitted")
        return form

    async def review_registration_form(self, desk: Desk, actor: Actor, *, approve: bool,
                                       reason: str) -> RegistrationForm:
        """B's legal review; approving signs the form. Never by the one who filled it (R-ORG-2)."""
        form = self.live_form
        if form is None or form.status != RegistrationFormStatus.SUBMITTED:
            raise Problem(409, "no-form-to-review", "No registration form awaits legal review",
                          "the handler (officer_a) must submit the registration form first")
        refusal = lifecycle.registration_signers_refusal(submitted_by=form.submitted_by,
                                                         reviewer=None, signer=actor.subject)
        if refusal is not None:
            raise penalty.SeparationOfDuties(refusal)
        now = desk.now
        form.status = RegistrationFormStatus.APPROVED if approve else RegistrationFormStatus.REJECTED
        form.reviewed_by, form.reviewed_at, form.review_reason = actor.subject, now, reason
        if approve:
            await desk.clerk.sign(form.document_id, actor, "legal_review", now)
        self._met(REGISTRATION_REVIEW, subject=form.id)
        self._audit(f"registration.review.{'approve' if approve else 'reject'}", actor, now,
                    reason)
        return form

    async def register(self, desk: Desk, actor: Actor, *, reason: str) -> None:
        """The brigade chief e-signs the legally reviewed form: the case is registered (立案)."""
        lifecycle.apply(self.state, CaseAction.REGISTER)
        form = self.live_form
        if form is None or form.status != RegistrationFormStatus.APPROVED:
            raise Problem(409, "registration-not-reviewed", "No legally reviewed registration form",
                          "R-CASE-2: the handler (A) fills the registration form and the reviewer "
                          "(B) approves it before the brigade chief signs the registration")
        refusal = lifecycle.registration_signers_refusal(
            submitted_by=form.submitted_by, reviewer=form.reviewed_by, signer=actor.subject)
        if refusal is not None:
            raise penalty.SeparationOfDuties(refusal)
        await desk.clerk.sign(form.document_id, actor, "register", desk.now)
        form.status = RegistrationFormStatus.REGISTERED
        self._register(actor, desk.now, reason, immediate=False)

    def _register(self, actor: Actor, at: datetime, reason: str, *, immediate: bool) -> None:
        self._step(CaseAction.REGISTER, actor, at, reason)
        self._audit("case.register", actor, at, reason)
        self.records.append(Registered(at, immediate, reason))

    def refuse_registration(self, desk: Desk, actor: Actor, *, reason: str) -> None:
        """The brigade chief refuses to register; the worker is told why (R-CASE-1)."""
        now = desk.now
        lifecycle.apply(self.state, CaseAction.REFUSE_REGISTRATION)
        form = self.live_form
        if form is not None:
            form.status = RegistrationFormStatus.REFUSED
            self.records.append(DeadlineCancelled(REGISTRATION_REVIEW, form.id))
        self._step(CaseAction.REFUSE_REGISTRATION, actor, now, reason)
        self._audit("case.refuse_registration", actor, now, reason)
        self.records.append(Announced(CaseNotRegistered(
            case_id=self.id, complaint_ids=list(self.complaint_ids), reason=reason,
            decided_at=now)))

    # Closing (结案, R-CASE-1) ----------------------------------------------------------------------

    def close(self, desk: Desk, actor: Actor, *, reason: str,
              worker_satisfaction: str | None = None) -> None:
        """Decided cases close once published and paid in full; rectified cases by someone other
        than the officer who recorded the compliance (R-ORG-2). The workers' satisfaction found
        by the closing callback (执法回访), when asked, goes to credit's grade (R-CRD-2)."""
        now = desk.now
        state = self.state
        lifecycle.apply(state, CaseAction.CLOSE)
        balance = self.balance(desk)
        refusal = execution.close_refusal(
            fine=balance.fine if balance is not None else None,
            paid_in_full=balance is not None and balance.paid_in_full,
            published=self.published_at is not None)
        if refusal is not None:
            raise Problem(409, "cannot-close", "The case cannot be closed yet", refusal)
        complied = next((o for o in self.orders if o.status == OrderStatus.COMPLIED), None)
        refusal = rectification.closer_refusal(
            closer=actor.subject, recorded_by=complied.recorded_by if complied else None)
        if refusal is not None:
            raise Problem(403, "separation-of-duties", "Separation of duties (R-ORG-2)", refusal)
        self._step(CaseAction.CLOSE, actor, now, reason)
        self._audit("case.close", actor, now, reason)
        self.records.append(Announced(CaseClosed(
            case_id=self.id, case_number=self.case_number, complaint_ids=list(self.complaint_ids),
            outcome=execution.closing_outcome(state), reason=reason, closed_at=now,
            employer=self.employer, worker_satisfaction=worker_satisfaction)))
