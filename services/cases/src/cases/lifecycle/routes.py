"""HTTP API of the case lifecycle: find a case, read it and its timeline, answer registration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from labor_runtime.app import RuntimeDep, link

from cases.access import BrigadeChief, CaseId, Officer, Reviewer, Staff
from cases.lifecycle import closing, flows, registration
from cases.lifecycle.rules import CaseState
from cases.lifecycle.schemas import (
    CaseSummary,
    CaseView,
    CloseRequest,
    RegistrationDecision,
    RegistrationFormCreate,
    RegistrationFormView,
    RegistrationReview,
    TimelineView,
)

router = APIRouter(prefix="/v1/cases", tags=["cases"])
FIRST_CASE = "$response.body#/0/case_id"
# The first case found leads to its own routes.
CASE_LINKS = {name: link(f"/v1/cases/{{case_id}}{tail}", method, case_id=FIRST_CASE)
              for name, tail, method in (
                  ("ReadCase", "", "get"), ("Timeline", "/timeline", "get"),
                  ("RegistrationForm", "/registration-form", "get"),
                  ("FillRegistrationForm", "/registration-form", "post"),
                  ("ProposePenalty", "/penalty-proposal", "post"),
                  ("PenaltyProposal", "/penalty-proposal", "get"),
                  ("Evidence", "/evidence", "get"), ("Execution", "/execution", "get"))}


@router.get("", response_model=list[CaseSummary], summary="Find cases (e.g. the case of a complaint)",
            responses={200: {"description": "the cases found", "links": CASE_LINKS}})
async def find_cases(
    runtime: RuntimeDep, who: Staff,
    complaint_id: Annotated[str | None, Query(max_length=64,
                                              description="the case opened for this complaint")] = None,
    state: Annotated[CaseState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CaseSummary]:
    return await flows.find(runtime, who, complaint_id=complaint_id,
                            state=str(state) if state else None, limit=limit)


@router.get("/{case_id}", response_model=CaseView, summary="Read a case (R-CASE-1)")
async def read_case(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> CaseView:
    return await flows.case_view(runtime, who, case_id)


@router.get("/{case_id}/timeline", response_model=list[TimelineView],
            summary="Every step of the case with actor, role, time and reason (R-CASE-1)")
async def read_timeline(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> list[TimelineView]:
    return await flows.timeline(runtime, who, case_id)


@router.post("/{case_id}/registration-form", status_code=201, response_model=RegistrationFormView,
             summary="Fill and sign the registration form (A post, R-CASE-2); B's legal review is "
                     "due within 2 hours",
             responses={409: {"description": "not awaiting registration, or a form is live"}})
async def submit_registration_form(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                                   body: RegistrationFormCreate) -> RegistrationFormView:
    return await registration.submit(runtime, who, case_id, body)


@router.get("/{case_id}/registration-form", response_model=RegistrationFormView,
            summary="The case's latest registration form and its review")
async def read_registration_form(runtime: RuntimeDep, who: Staff,
                                 case_id: CaseId) -> RegistrationFormView:
    return await registration.form_view(runtime, who, case_id)


@router.post("/{case_id}/registration-form/review", response_model=RegistrationFormView,
             summary="Legal review of the registration form (B post, R-CASE-2); approval signs it",
             responses={403: {"description": "R-ORG-2: the reviewer filled the form"},
                        409: {"description": "no form awaits review"}})
async def review_registration_form(runtime: RuntimeDep, who: Reviewer, case_id: CaseId,
                                   body: RegistrationReview) -> RegistrationFormView:
    return await registration.review(runtime, who, case_id, body)


@router.post("/{case_id}/registration", response_model=CaseView,
             summary="Register (e-signing the reviewed form) or refuse a pending case: the brigade "
                     "chief's last step of R-CASE-2",
             responses={403: {"description": "R-ORG-2: the chief filled or reviewed the form"},
                        409: {"description": "not awaiting registration, or no reviewed form"}})
async def answer_registration(runtime: RuntimeDep, who: BrigadeChief, case_id: CaseId,
                              body: RegistrationDecision) -> CaseView:
    return await registration.decide(runtime, who, case_id, body)


@router.post("/{case_id}/close", status_code=204,
             summary="Close the case (brigade chief): published, and a fine paid in full",
             responses={409: {"description": "wrong state, or the fine is not paid in full"}})
async def close(runtime: RuntimeDep, who: BrigadeChief, case_id: CaseId,
                body: CloseRequest) -> None:
    await closing.close(runtime, who, case_id, body.reason, body.worker_satisfaction)
