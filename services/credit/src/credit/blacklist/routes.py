"""HTTP API of the blacklist (R-CRD-4): candidates, proposal, review, defence, reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from credit.blacklist import flows
from credit.blacklist.schemas import (
    CandidateRead,
    DefenceDecision,
    DefenceIn,
    DocumentVerification,
    EntryRead,
    EntrySummary,
    Proposal,
    Review,
)
from credit.employers.routes import Staff

router = APIRouter(tags=["blacklist"])

Executor = Annotated[Principal, Depends(staff(Role.EXECUTOR_C))]
Reviewer = Annotated[Principal, Depends(staff(Role.REVIEWER_B))]
Recorder = Annotated[Principal, Depends(staff(Role.OFFICER_A, Role.EXECUTOR_C))]
EntryId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "role not allowed, or separation of duties (R-ORG-2)"},
    404: {"description": "no such entry in your district"},
    409: {"description": "not possible in the entry's state"},
}


@router.get("/v1/blacklist/candidates", response_model=list[CandidateRead],
            summary="Employers with a ground (R-CRD-4) and no live entry")
async def candidates(runtime: RuntimeDep, who: Staff) -> list[CandidateRead]:
    return await flows.candidates(runtime, who)


@router.post("/v1/blacklist", response_model=EntryRead, status_code=201, responses=_ERRORS | {
    422: {"description": "a record is not a ground, with every reason"}},
    summary="The C post proposes an employer for the blacklist (R-CRD-4)")
async def propose(runtime: RuntimeDep, who: Executor, body: Proposal) -> EntryRead:
    entry_id = await flows.propose(runtime, who, body)
    return await flows.read_entry(runtime, who, entry_id)


@router.get("/v1/blacklist", response_model=list[EntrySummary],
            summary="Blacklist entries of your district, newest first")
async def entries(runtime: RuntimeDep, who: Staff,
                  state: Annotated[str | None, Query(max_length=32)] = None
                  ) -> list[EntrySummary]:
    return await flows.entries(runtime, who, state)


@router.get("/v1/blacklist/{entry_id}", response_model=EntryRead, responses=_ERRORS,
            summary="An entry with its grounds, punishments, documents and timeline")
async def entry(runtime: RuntimeDep, who: Staff, entry_id: EntryId) -> EntryRead:
    return await flows.read_entry(runtime, who, entry_id)


@router.post("/v1/blacklist/{entry_id}/review", response_model=EntryRead, responses=_ERRORS,
             summary="B approves (the written notice is served) or rejects (R-CRD-4, R-ORG-2)")
async def review(runtime: RuntimeDep, who: Reviewer, entry_id: EntryId,
                 body: Review) -> EntryRead:
    await flows.review(runtime, who, entry_id, body)
    return await flows.read_entry(runtime, who, entry_id)


@router.post("/v1/blacklist/{entry_id}/defence", response_model=EntryRead, responses=_ERRORS,
             summary="Record the employer's defence (陈述申辩): the clock stops for B")
async def defence(runtime: RuntimeDep, who: Recorder, entry_id: EntryId,
                  body: DefenceIn) -> EntryRead:
    await flows.state_defence(runtime, who, entry_id, body)
    return await flows.read_entry(runtime, who, entry_id)


@router.post("/v1/blacklist/{entry_id}/defence/decision", response_model=EntryRead,
             responses=_ERRORS,
             summary="B upholds the listing (listed now) or accepts the defence (dropped)")
async def defence_decision(runtime: RuntimeDep, who: Reviewer, entry_id: EntryId,
                           body: DefenceDecision) -> EntryRead:
    await flows.decide_defence(runtime, who, entry_id, body)
    return await flows.read_entry(runtime, who, entry_id)


@router.get("/v1/credit-documents/{document_id}", response_model=DocumentVerification,
            responses={404: {"description": "no such document"}},
            summary="Verify a credit document by its QR code (R-DLV-4); public")
async def verify(runtime: RuntimeDep,
                 document_id: Annotated[str, Path(max_length=64)]) -> DocumentVerification:
    return await flows.verify_document(runtime, document_id)
