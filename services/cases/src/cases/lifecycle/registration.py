"""R-CASE-2 registration approval (立案审批): A fills the form, B's legal review within 2 hours,
the brigade chief e-signs; every step signs the same stored form (R-ORG-2 between them)."""

from __future__ import annotations

import sqlalchemy as sa
from labor_runtime import timers
from labor_runtime.problems import Problem
from labor_runtime.security import Principal

from cases.casefile.base import REGISTRATION_REVIEW
from cases.casefile.repository import staff_command
from cases.documents import flows as document_flows
from cases.lifecycle.flows import case_view, readable_case
from cases.lifecycle.models import registration_forms
from cases.lifecycle.schemas import (
    CaseView,
    EmployerView,
    RegistrationDecision,
    RegistrationFormCreate,
    RegistrationFormView,
    RegistrationReview,
    WorkerEntry,
)
from cases.settings import CasesRuntime


async def submit(runtime: CasesRuntime, who: Principal, case_id: str,
                 body: RegistrationFormCreate) -> RegistrationFormView:
    """A fills and signs the form; B's legal review is due within `legal_review_within_hours`."""
    async with staff_command(runtime, who, case_id, "officer_a") as command:
        form = await command.file.submit_registration_form(
            command.desk, command.actor, facts=body.facts,
            employer=body.employer.model_dump(mode="json"),
            workers=[w.model_dump(mode="json") for w in body.workers], amount=body.amount)
    return await form_view(runtime, who, case_id, form.id)


async def review(runtime: CasesRuntime, who: Principal, case_id: str,
                 body: RegistrationReview) -> RegistrationFormView:
    """B's legal review; approving signs the form. Never by the one who filled it (R-ORG-2)."""
    async with staff_command(runtime, who, case_id, "reviewer_b") as command:
        form = await command.file.review_registration_form(
            command.desk, command.actor, approve=body.decision == "approve", reason=body.reason)
    return await form_view(runtime, who, case_id, form.id)


async def decide(runtime: CasesRuntime, who: Principal, case_id: str,
                 body: RegistrationDecision) -> CaseView:
    """The brigade chief's answer (R-CASE-2): registering e-signs the legally reviewed form;
    refusing needs no form and tells the worker why (R-CASE-1)."""
    async with staff_command(runtime, who, case_id, "brigade_chief") as command:
        if body.decision == "register":
            await command.file.register(command.desk, command.actor, reason=body.reason)
        else:
            command.file.refuse_registration(command.desk, command.actor, reason=body.reason)
    return await case_view(runtime, who, case_id)


async def form_view(runtime: CasesRuntime, who: Principal, case_id: str,
                    form_id: str | None = None) -> RegistrationFormView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        query = sa.select(registration_forms).where(registration_forms.c.case_id == case_id)
        if form_id is not None:
            query = query.where(registration_forms.c.id == form_id)
        f = (await conn.execute(query.order_by(registration_forms.c.submitted_at.desc())
                                .limit(1))).first()
        if f is None:
            raise Problem(404, "not-found", "No registration form",
                          "no registration form was filled for this case")
        _, sha256 = await document_flows.verify_link(conn, f.document_id)
        due = await timers.due_at(conn, kind=REGISTRATION_REVIEW, subject=f.id)
    return RegistrationFormView(
        form_id=f.id, case_id=f.case_id, status=f.status, document_id=f.document_id,
        sha256=sha256, facts=f.facts, employer=EmployerView(**f.employer),
        workers=[WorkerEntry(**w) for w in f.workers], amount=f.amount,
        submitted_by=f.submitted_by, submitted_at=f.submitted_at, review_due_at=due,
        reviewed_by=f.reviewed_by, reviewed_at=f.reviewed_at, review_reason=f.review_reason)
