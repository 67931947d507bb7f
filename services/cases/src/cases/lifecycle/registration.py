"""R-CASE-2 registration approval (立案审批): A fills the form, B's legal review within 2 hours,
the brigade chief e-signs; every step signs the same stored form (R-ORG-2 between them)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from labor_contracts.cases import CaseNotRegistered
from labor_contracts.identifiers import new_id
from labor_runtime import timers
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from cases.documents.models import documents
from cases.lifecycle import rules
from cases.lifecycle.flows import (
    REGISTRATION_REVIEW,
    Actor,
    Row,
    audit_decision,
    case_view,
    check_district,
    complaint_ids_of,
    next_number,
    register,
    settings_of,
    staff_case,
    transition,
)
from cases.lifecycle.models import registration_forms
from cases.lifecycle.rules import CaseAction, CaseState, RegistrationFormStatus
from cases.lifecycle.schemas import (
    CaseView,
    EmployerView,
    RegistrationDecision,
    RegistrationFormCreate,
    RegistrationFormView,
    RegistrationReview,
    WorkerEntry,
)
from cases.penalty.rules import SeparationOfDuties
from cases.settings import CasesRuntime
from cases.signatures import flows as signatures

FORM_KIND = "registration_form"
FORM_TITLE = "立案审批表"
JSON = "application/json"


async def live_form(session: AsyncSession, case_id: str) -> Row | None:
    return (await session.execute(sa.select(registration_forms).where(
        registration_forms.c.case_id == case_id,
        registration_forms.c.status.in_([RegistrationFormStatus.SUBMITTED,
                                         RegistrationFormStatus.APPROVED])))).first()


async def submit(runtime: CasesRuntime, who: Principal, case_id: str,
                 body: RegistrationFormCreate) -> RegistrationFormView:
    """A fills and signs the form; B's legal review is due within `legal_review_within_hours`."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "officer_a")
    form_id = new_id()
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        if CaseState(row.state) != CaseState.REGISTRATION_PENDING:
            raise Problem(409, "not-awaiting-registration", "The case is not awaiting registration",
                          f"the case is {row.state}; a registration form is filled for a case "
                          "awaiting registration (R-CASE-3 cases are registered at once)",
                          state=row.state)
        if await live_form(uow.session, case_id) is not None:
            raise Problem(409, "registration-form-live", "A registration form is already live",
                          "a new form may follow a rejected legal review")
        year = now.astimezone(BUREAU_TZ).year
        number = rules.document_number(
            settings.registration_form_number_prefix, year,
            await next_number(uow.session, series="registration_form", year=year))
        employer = body.employer.model_dump(mode="json")
        workers = [w.model_dump(mode="json") for w in body.workers]
        document_id = new_id()
        content = rules.registration_form_bytes(
            case_id=case_id, number=number, facts=body.facts, employer=employer, workers=workers,
            amount=body.amount, submitted_by=who.subject, submitted_at=now.isoformat())
        digest = hashlib.sha256(content).hexdigest()
        await uow.session.execute(documents.insert().values(
            id=document_id, case_id=case_id, kind=FORM_KIND, title=FORM_TITLE, number=number,
            recipient={"internal": True}, content_type=JSON, content=content, sha256=digest,
            verify_url=f"{settings.public_base_url.rstrip('/')}/v1/documents/{document_id}/verify",
            issued_by=who.subject, issued_at=now))
        await uow.session.execute(registration_forms.insert().values(
            id=form_id, case_id=case_id, status=RegistrationFormStatus.SUBMITTED,
            document_id=document_id, facts=body.facts, employer=employer, workers=workers,
            amount=body.amount, submitted_by=who.subject, submitted_at=now))
        await signatures.sign(uow.session, runtime.cipher, document_id=document_id,
                              signer=who.subject, role=actor.role, purpose="submit", at=now)
        await timers.schedule(uow.session, kind=REGISTRATION_REVIEW, subject=form_id, now=now,
                              due_at=now + timedelta(hours=settings.legal_review_within_hours),
                              payload={"case_id": case_id})
        await audit_decision(uow.session, actor=actor, at=now, action="registration.submit",
                             case_id=case_id, reason=f"registration form {number} submitted")
        await uow.commit()
    return await form_view(runtime, who, case_id, form_id)


async def review(runtime: Runtime, who: Principal, case_id: str,
                 body: RegistrationReview) -> RegistrationFormView:
    """B's legal review; approving signs the form. Never by the one who filled it (R-ORG-2)."""
    actor = Actor.staff(who, "reviewer_b")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        await staff_case(uow, who, case_id)
        form = await live_form(uow.session, case_id)
        if form is None or form.status != RegistrationFormStatus.SUBMITTED:
            raise Problem(409, "no-form-to-review", "No registration form awaits legal review",
                          "the handler (officer_a) must submit the registration form first")
        refusal = rules.registration_signers_refusal(submitted_by=form.submitted_by,
                                                     reviewer=None, signer=who.subject)
        if refusal is not None:
            raise SeparationOfDuties(refusal)
        approved = body.decision == "approve"
        status = RegistrationFormStatus.APPROVED if approved else RegistrationFormStatus.REJECTED
        await uow.session.execute(registration_forms.update().where(
            registration_forms.c.id == form.id).values(
            status=status, reviewed_by=who.subject, reviewed_at=now, review_reason=body.reason))
        if approved:
            await signatures.sign(uow.session, runtime.cipher, document_id=form.document_id,
                                  signer=who.subject, role=actor.role, purpose="legal_review",
                                  at=now)
        await timers.complete(uow.session, kind=REGISTRATION_REVIEW, subject=form.id, now=now)
        await audit_decision(uow.session, actor=actor, at=now,
                             action=f"registration.review.{body.decision}", case_id=case_id,
                             reason=body.reason)
        await uow.commit()
    return await form_view(runtime, who, case_id, form.id)


async def approved_form_for_signature(uow_session: AsyncSession, case_id: str,
                                      signer: str) -> Row:
    """The approved form the brigade chief signs; refuses without one or against R-ORG-2."""
    form = await live_form(uow_session, case_id)
    if form is None or form.status != RegistrationFormStatus.APPROVED:
        raise Problem(409, "registration-not-reviewed", "No legally reviewed registration form",
                      "R-CASE-2: the handler (A) fills the registration form and the reviewer (B) "
                      "approves it before the brigade chief signs the registration")
    refusal = rules.registration_signers_refusal(submitted_by=form.submitted_by,
                                                 reviewer=form.reviewed_by, signer=signer)
    if refusal is not None:
        raise SeparationOfDuties(refusal)
    return form


async def decide(runtime: CasesRuntime, who: Principal, case_id: str,
                 body: RegistrationDecision) -> CaseView:
    """The brigade chief's answer (R-CASE-2): registering e-signs the legally reviewed form;
    refusing needs no form and tells the worker why (R-CASE-1)."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "brigade_chief")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        state = CaseState(row.state)
        rules.apply(state, CaseAction.REGISTER if body.decision == "register"
                    else CaseAction.REFUSE_REGISTRATION)
        if body.decision == "register":
            form = await approved_form_for_signature(uow.session, case_id, who.subject)
            await signatures.sign(uow.session, runtime.cipher, document_id=form.document_id,
                                  signer=who.subject, role=actor.role, purpose="register", at=now)
            await uow.session.execute(registration_forms.update().where(
                registration_forms.c.id == form.id).values(status=RegistrationFormStatus.REGISTERED))
            await register(uow, settings, case_id=case_id, state=state, actor=actor,
                           reason=body.reason, immediate=False)
        else:
            pending = await live_form(uow.session, case_id)
            if pending is not None:
                await uow.session.execute(registration_forms.update().where(
                    registration_forms.c.id == pending.id).values(
                    status=RegistrationFormStatus.REFUSED))
                await timers.cancel(uow.session, kind=REGISTRATION_REVIEW, subject=pending.id,
                                    now=now)
            await transition(uow.session, case_id=case_id, state=state,
                             action=CaseAction.REFUSE_REGISTRATION, actor=actor, at=now,
                             reason=body.reason)
            await audit_decision(uow.session, actor=actor, at=now,
                                 action="case.refuse_registration", case_id=case_id,
                                 reason=body.reason)
            await uow.emit(CaseNotRegistered(
                case_id=case_id, complaint_ids=await complaint_ids_of(uow.session, case_id),
                reason=body.reason, decided_at=now), subject=case_id)
        await uow.commit()
    return await case_view(runtime, who, case_id)


async def form_view(runtime: Runtime, who: Principal, case_id: str,
                    form_id: str | None = None) -> RegistrationFormView:
    async with runtime.engine.connect() as conn:
        case = (await conn.execute(sa.text("SELECT id, district FROM cases WHERE id = :id"),
                                   {"id": case_id})).first()
        if case is None:
            raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
        check_district(who, case)
        query = sa.select(registration_forms, documents.c.sha256).join(
            documents, documents.c.id == registration_forms.c.document_id).where(
            registration_forms.c.case_id == case_id)
        if form_id is not None:
            query = query.where(registration_forms.c.id == form_id)
        f = (await conn.execute(query.order_by(registration_forms.c.submitted_at.desc())
                                .limit(1))).first()
        if f is None:
            raise Problem(404, "not-found", "No registration form",
                          "no registration form was filled for this case")
        due = (await conn.execute(sa.text(
            "SELECT due_at FROM timers WHERE kind = :k AND subject = :s "
            "ORDER BY created_at DESC LIMIT 1"), {"k": REGISTRATION_REVIEW, "s": f.id})).scalar()
    return RegistrationFormView(
        form_id=f.id, case_id=f.case_id, status=f.status, document_id=f.document_id,
        sha256=f.sha256, facts=f.facts, employer=EmployerView(**f.employer),
        workers=[WorkerEntry(**w) for w in f.workers], amount=f.amount,
        submitted_by=f.submitted_by, submitted_at=f.submitted_at, review_due_at=due,
        reviewed_by=f.reviewed_by, reviewed_at=f.reviewed_at, review_reason=f.review_reason)
