"""Penalty use cases: propose (A), review (B), decide (detachment chief); the service of the
case's documents (notify) and the result's publication (publish) as the case file records them."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.envelope import Envelope
from labor_contracts.notify import DocumentServed
from labor_contracts.publish import DisclosurePublished
from labor_runtime.bus import Rejected
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal

from cases.casefile.base import Actor
from cases.casefile.repository import SqlCaseFiles, staff_command
from cases.documents import flows as documents
from cases.documents.rules import ServedKind
from cases.lifecycle.flows import readable_case
from cases.penalty.models import penalty_decisions, penalty_proposals
from cases.penalty.schemas import (
    DecisionView,
    PartyView,
    PenaltyProposalCreate,
    PenaltyReview,
    ProposalView,
)
from cases.settings import CasesRuntime, CasesSettings

log = logging.getLogger(__name__)


async def propose(runtime: CasesRuntime, who: Principal, case_id: str,
                  body: PenaltyProposalCreate) -> ProposalView:
    """The handler submits findings and a proposed penalty for legal review."""
    async with staff_command(runtime, who, case_id, "officer_a") as command:
        party = body.party
        command.file.propose(
            command.desk, command.actor, violation=body.violation, legal_basis=body.legal_basis,
            fine_amount=body.fine_amount, measures=body.measures,
            stop_production=body.stop_production,
            party=EmployerRef(name=party.name, credit_code=party.credit_code,
                              legal_representative=party.legal_representative,
                              email=party.email, address=party.address))
    return await proposal_view(runtime, who, case_id)


async def review(runtime: CasesRuntime, who: Principal, case_id: str, body: PenaltyReview) -> ProposalView:
    """The B-post legal review; on approval the penalty notice is issued when R-CASE-5 needs it."""
    async with staff_command(runtime, who, case_id, "reviewer_b") as command:
        proposal = await command.file.review(command.desk, command.actor,
                                             approve=body.decision == "approve", reason=body.reason)
    return await proposal_view(runtime, who, case_id, proposal_id=proposal.id)


async def decide(runtime: CasesRuntime, who: Principal, case_id: str) -> DecisionView:
    """Sign the penalty decision (行政处罚决定书): R-CASE-5 notice period first, then R-CASE-6/8."""
    async with staff_command(runtime, who, case_id, "detachment_chief") as command:
        await command.file.decide(command.desk, command.actor)
    return await decision_view(runtime, who, case_id)


# Reactions to notify and publish ----------------------------------------------------------------


async def on_document_served(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                             event: Envelope, data: DocumentServed) -> None:
    """R-DLV-3: record the proven time of service with its proof; the legal clocks that start on
    service (the notice period, the payment term) start there. Every document's service is
    recorded (the reminder's and the credit-repair notice's too); the order to rectify is noted."""
    document = await documents.document_row(uow.session, data.document_id)
    if document is None:
        log.info("served document %s is not one of ours; ignored", data.document_id)
        return
    if document.case_id != data.case_id:
        raise Rejected(f"document {data.document_id} belongs to case {document.case_id}, "
                       f"not {data.case_id}")
    files = SqlCaseFiles(uow, settings, calendar)
    case_file = await files.get(document.case_id)
    if not await documents.record_service(uow.session, data, event_id=event.id,
                                          now=uow.clock.now()):
        log.info("service of document %s already recorded", data.document_id)
        return
    served = {DocumentKind.PENALTY_NOTICE: case_file.notice_served,
              DocumentKind.PENALTY_DECISION: case_file.decision_served,
              ServedKind.RECTIFICATION_ORDER: case_file.order_served}.get(document.kind)
    if served is not None:
        served(files.desk(), Actor.service(event.source), document_id=data.document_id,
               channel=data.channel, served_at=data.served_at)
    await files.save(case_file)


async def on_disclosure_published(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                                  event: Envelope, data: DisclosurePublished) -> None:
    """R-CASE-8: the result is public; meet the publication deadline."""
    files = SqlCaseFiles(uow, settings, calendar)
    case_file = await files.find(data.case_id)
    if case_file is None:
        log.info("disclosure %s is about no case of ours (%s); ignored", data.disclosure_id,
                 data.case_id)
        return
    if not case_file.published(files.desk(), Actor.service(event.source),
                               disclosure_id=data.disclosure_id, category=data.category,
                               published_at=data.published_at):
        log.info("case %s already published; disclosure %s noted only", case_file.id,
                 data.disclosure_id)
        return
    await files.save(case_file)


# Queries ---------------------------------------------------------------------------------------


async def proposal_view(runtime: CasesRuntime, who: Principal, case_id: str,
                        proposal_id: str | None = None) -> ProposalView:
    """The given proposal, or the case's latest one."""
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        query = sa.select(penalty_proposals).where(penalty_proposals.c.case_id == case_id)
        if proposal_id is not None:
            query = query.where(penalty_proposals.c.id == proposal_id)
        p = (await conn.execute(query.order_by(penalty_proposals.c.proposed_at.desc())
                                .limit(1))).first()
    if p is None:
        raise Problem(404, "not-found", "No penalty proposal", "no penalty was proposed in this case")
    return ProposalView(
        proposal_id=p.id, case_id=p.case_id, status=p.status, violation=p.violation,
        legal_basis=p.legal_basis, fine_amount=p.fine_amount, measures=list(p.measures),
        stop_production=p.stop_production,
        party=PartyView(name=p.party_name, credit_code=p.party_credit_code,
                        legal_representative=p.party_legal_representative, email=p.party_email,
                        address=p.party_address),
        notice_required=p.notice_required, proposed_by=p.proposed_by, proposed_at=p.proposed_at,
        reviewed_by=p.reviewed_by, reviewed_at=p.reviewed_at, review_reason=p.review_reason,
        notice_document_id=p.notice_document_id)


async def decision_view(runtime: CasesRuntime, who: Principal, case_id: str) -> DecisionView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        d = (await conn.execute(
            sa.select(penalty_decisions, penalty_proposals.c.fine_amount)
            .join(penalty_proposals, penalty_proposals.c.id == penalty_decisions.c.proposal_id)
            .where(penalty_decisions.c.case_id == case_id))).first()
        if d is None:
            raise Problem(404, "not-found", "No penalty decision",
                          "no decision was signed in this case")
        verify_url, sha256 = await documents.verify_link(conn, d.document_id)
    return DecisionView(
        decision_id=d.id, case_id=d.case_id, decision_number=d.decision_number,
        document_id=d.document_id, verify_url=verify_url, sha256=sha256,
        fine_amount=d.fine_amount, signed_by=d.signed_by, decided_at=d.decided_at,
        publish_by=d.publish_by, served_at=d.served_at, payment_due_at=d.payment_due_at,
        published_at=d.published_at)
