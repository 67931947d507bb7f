"""HTTP API of penalties: A proposes, B reviews, the detachment chief signs."""

from __future__ import annotations

from fastapi import APIRouter
from labor_runtime.app import RuntimeDep

from cases.access import CaseId, DetachmentChief, Officer, Reviewer, Staff
from cases.penalty import flows, hearings
from cases.penalty.schemas import (
    DecisionView,
    HearingRecordCreate,
    HearingRequest,
    HearingView,
    PenaltyProposalCreate,
    PenaltyReview,
    ProposalView,
)

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["penalties"])


@router.post("/penalty-proposal", status_code=201, response_model=ProposalView,
             summary="Submit findings and a proposed penalty for legal review (A post)",
             responses={409: {"description": "wrong case state or a proposal is already live"}})
async def propose(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                  body: PenaltyProposalCreate) -> ProposalView:
    return await flows.propose(runtime, who, case_id, body)


@router.get("/penalty-proposal", response_model=ProposalView,
            summary="The case's latest penalty proposal and its review")
async def read_proposal(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> ProposalView:
    return await flows.proposal_view(runtime, who, case_id)


@router.post("/penalty-proposal/review", response_model=ProposalView,
             summary="Legal review (B post); approval issues the penalty notice when R-CASE-5 "
                     "requires it",
             responses={403: {"description": "R-ORG-2: the reviewer proposed this penalty"},
                        409: {"description": "no proposal awaits review"}})
async def review(runtime: RuntimeDep, who: Reviewer, case_id: CaseId,
                 body: PenaltyReview) -> ProposalView:
    return await flows.review(runtime, who, case_id, body)


@router.post("/decision", status_code=201, response_model=DecisionView,
             summary="Sign the penalty decision (detachment chief; R-CASE-5, R-CASE-6, R-CASE-8)",
             responses={403: {"description": "R-ORG-2: the signer proposed this penalty"},
                        409: {"description": "too early (notice period) or wrong case state"}})
async def decide(runtime: RuntimeDep, who: DetachmentChief, case_id: CaseId) -> DecisionView:
    return await flows.decide(runtime, who, case_id)


@router.get("/decision", response_model=DecisionView,
            summary="The signed decision, its service and its deadlines")
async def read_decision(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> DecisionView:
    return await flows.decision_view(runtime, who, case_id)


@router.post("/hearing", status_code=201, response_model=HearingView,
             summary="Record the party's request for a hearing after the notice (R-CASE-5); it is "
                     "held within 7 days",
             responses={409: {"description": "no notice served, or the notice period is over"}})
async def request_hearing(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                          body: HearingRequest) -> HearingView:
    return await hearings.request_hearing(runtime, who, case_id, body)


@router.get("/hearing", response_model=HearingView,
            summary="The case's hearing: request, deadline, record")
async def read_hearing(runtime: RuntimeDep, who: Staff, case_id: CaseId) -> HearingView:
    return await hearings.hearing_view(runtime, who, case_id)


@router.post("/hearing/record", response_model=HearingView,
             summary="Store the signed hearing record (听证笔录), a basis of the decision")
async def record_hearing(runtime: RuntimeDep, who: Officer, case_id: CaseId,
                         body: HearingRecordCreate) -> HearingView:
    return await hearings.record_hearing(runtime, who, case_id, body)
