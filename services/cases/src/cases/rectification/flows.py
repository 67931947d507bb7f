"""Rectified-path use cases: give an order to rectify, record compliance, let a missed term lapse."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.identifiers import new_id
from labor_runtime import timers
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from labor_runtime.timers import Timer
from sqlalchemy.ext.asyncio import AsyncSession

from cases.documents import flows as documents
from cases.documents.models import documents as documents_table
from cases.documents.render import DocumentContent, Party
from cases.documents.rules import FilingKind
from cases.evidence.models import evidence_items
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.flows import (
    Actor,
    Row,
    audit_decision,
    lock_case,
    next_number,
    note_on_timeline,
    readable_case,
    settings_of,
    staff_case,
    transition,
)
from cases.lifecycle.rules import CaseAction, CaseState
from cases.penalty.documents import rectification_order_paragraphs
from cases.penalty.flows import local_year
from cases.penalty.models import penalty_proposals
from cases.penalty.rules import ProposalStatus
from cases.rectification import rules
from cases.rectification.models import rectification_orders
from cases.rectification.rules import OrderStatus
from cases.rectification.schemas import ComplianceRecord, RectificationOrderCreate, RectificationView
from cases.settings import CasesRuntime, DayDeadline
from cases.signatures import flows as signatures

RECTIFICATION_DUE = "cases.rectification_due"


def party_of_case(case: Row) -> Party:
    return Party(name=case.employer_name, credit_code=case.employer_credit_code,
                 address=case.employer_address)


async def _latest_order(session: AsyncSession, case_id: str) -> Row | None:
    return (await session.execute(
        sa.select(rectification_orders).where(rectification_orders.c.case_id == case_id)
        .order_by(rectification_orders.c.ordered_at.desc()).limit(1))).first()


async def complied_by(session: AsyncSession, case_id: str) -> str | None:
    """Who recorded the compliance a rectified case closes on (R-ORG-2); None otherwise."""
    return (await session.execute(
        sa.select(rectification_orders.c.recorded_by).where(
            rectification_orders.c.case_id == case_id,
            rectification_orders.c.status == OrderStatus.COMPLIED))).scalar_one_or_none()


async def give_order(runtime: CasesRuntime, who: Principal, case_id: str,
                     body: RectificationOrderCreate) -> RectificationView:
    """A (officer) orders the employer to rectify within a term; the order is rendered with its QR
    code and handed over on site; the term is a stored timer."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "officer_a")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        case = await staff_case(uow, who, case_id)
        state = CaseState(case.state)
        lifecycle.apply(state, CaseAction.ORDER_RECTIFICATION)
        latest = await _latest_order(uow.session, case_id)
        penalty = (await uow.session.execute(sa.select(penalty_proposals.c.id).where(
            penalty_proposals.c.case_id == case_id,
            penalty_proposals.c.status.in_([ProposalStatus.PROPOSED, ProposalStatus.APPROVED]))
        )).first()
        refusal = rules.order_refusal(
            live_order=latest is not None and latest.status == OrderStatus.ORDERED,
            penalty_in_progress=penalty is not None)
        if refusal is not None:
            raise Problem(409, "rectification-refused", "No order to rectify now", refusal)
        days = body.within_days or settings.rectification_within_days
        due_at = runtime.calendar.add_days(
            now, days, working=settings.counts_working_days(DayDeadline.RECTIFICATION))
        year = local_year(now)
        number = lifecycle.document_number(
            settings.rectification_order_number_prefix, year,
            await next_number(uow.session, series="rectification_order", year=year))
        paragraphs = rectification_order_paragraphs(
            facts=case.summary or "", items=body.items, wages_to_pay=body.wages_to_pay,
            due_on=runtime.calendar.local_date(due_at))

        def content(document_id: str, verify_url: str) -> DocumentContent:
            return DocumentContent(
                authority=settings.authority_name, title="劳动保障监察限期整改指令书",
                number=number, case_number=case.case_number or "", party=party_of_case(case),
                paragraphs=paragraphs, issued_on=runtime.calendar.local_date(now),
                document_id=document_id, verify_url=verify_url)

        filed = await documents.file(
            uow.session, settings, case_id=case_id, kind=FilingKind.RECTIFICATION_ORDER,
            number=number, recipient=EmployerRef(name=case.employer_name,
                                                 credit_code=case.employer_credit_code,
                                                 address=case.employer_address),
            issued_by=who.subject, at=now, content=content)
        await signatures.sign(uow.session, runtime.cipher, document_id=filed.document_id,
                              signer=who.subject, role=actor.role, purpose="rectification_order",
                              at=now)
        await uow.session.execute(rectification_orders.insert().values(
            id=new_id(), case_id=case_id, number=number, document_id=filed.document_id,
            items=body.items, wages_to_pay=body.wages_to_pay, status=OrderStatus.ORDERED,
            ordered_by=who.subject, ordered_at=now, due_at=due_at, evidence_ids=[]))
        await timers.schedule(uow.session, kind=RECTIFICATION_DUE, subject=case_id, due_at=due_at,
                              now=now, payload={"number": number})
        reason = f"order to rectify {number} within {days} days, by {due_at.isoformat()}"
        await transition(uow.session, case_id=case_id, state=state,
                         action=CaseAction.ORDER_RECTIFICATION, actor=actor, at=now, reason=reason)
        await audit_decision(uow.session, actor=actor, at=now, action="rectification.order",
                             case_id=case_id, reason=reason)
        await uow.commit()
    return await view(runtime, who, case_id)


async def record_compliance(runtime: Runtime, who: Principal, case_id: str,
                            body: ComplianceRecord) -> RectificationView:
    """A records that the employer rectified, proven by evidence in the case: the case is
    `rectified` and a brigade chief other than the recorder closes it (R-ORG-2)."""
    actor = Actor.staff(who, "officer_a")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        case = await staff_case(uow, who, case_id)
        state = CaseState(case.state)
        lifecycle.apply(state, CaseAction.RECORD_RECTIFICATION)
        order = await _latest_order(uow.session, case_id)
        case_evidence = set((await uow.session.execute(sa.select(evidence_items.c.id).where(
            evidence_items.c.case_id == case_id))).scalars())
        refusal = rules.compliance_refusal(
            status=OrderStatus(order.status) if order is not None else None,
            evidence_ids=set(body.evidence_ids), case_evidence_ids=case_evidence)
        if refusal is not None:
            raise Problem(409, "compliance-refused", "Compliance cannot be recorded", refusal)
        assert order is not None
        in_time = rules.complied_in_time(complied_at=now, due_at=order.due_at)
        await uow.session.execute(rectification_orders.update().where(
            rectification_orders.c.id == order.id).values(
                status=OrderStatus.COMPLIED, complied_at=now, compliance_note=body.note,
                evidence_ids=body.evidence_ids, recorded_by=who.subject))
        await timers.complete(uow.session, kind=RECTIFICATION_DUE, subject=case_id, now=now)
        reason = (f"employer complied with {order.number} {'in time' if in_time else 'late'}: "
                  f"{body.note} (evidence {', '.join(body.evidence_ids)})")
        await transition(uow.session, case_id=case_id, state=state,
                         action=CaseAction.RECORD_RECTIFICATION, actor=actor, at=now, reason=reason)
        await audit_decision(uow.session, actor=actor, at=now, action="rectification.complied",
                             case_id=case_id, reason=reason)
        await uow.commit()
    return await view(runtime, who, case_id)


async def on_rectification_due(uow: UnitOfWork, timer: Timer) -> None:
    """The term ended without recorded compliance: alert, and note on the timeline that the case
    goes on to a penalty."""
    await timers.emit_overdue(uow, timer)
    now = uow.clock.now()
    case = await lock_case(uow.session, timer.subject)
    lapsed = (await uow.session.execute(
        rectification_orders.update().where(
            rectification_orders.c.case_id == case.id,
            rectification_orders.c.status == OrderStatus.ORDERED)
        .values(status=OrderStatus.LAPSED, lapsed_at=now)
        .returning(rectification_orders.c.number))).scalar_one_or_none()
    if lapsed is None:
        return
    await note_on_timeline(uow.session, case, action="rectification_lapsed",
                           actor=Actor.service(uow.source), at=now,
                           reason=f"the term of {lapsed} ended at {timer.due_at.isoformat()} "
                                  "without compliance; the case goes on to a penalty")


async def view(runtime: Runtime, who: Principal, case_id: str) -> RectificationView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        order = (await conn.execute(
            sa.select(rectification_orders, documents_table.c.verify_url)
            .join(documents_table, documents_table.c.id == rectification_orders.c.document_id)
            .where(rectification_orders.c.case_id == case_id)
            .order_by(rectification_orders.c.ordered_at.desc()).limit(1))).first()
    if order is None:
        raise Problem(404, "not-found", "No order to rectify", f"case {case_id} has no order to rectify")
    return RectificationView(
        order_id=order.id, number=order.number, document_id=order.document_id,
        verify_url=order.verify_url, items=order.items,
        wages_to_pay=Decimal(order.wages_to_pay) if order.wages_to_pay is not None else None,
        status=OrderStatus(order.status), ordered_by=order.ordered_by, ordered_at=order.ordered_at,
        due_at=order.due_at, lapsed_at=order.lapsed_at, complied_at=order.complied_at,
        complied_in_time=(rules.complied_in_time(complied_at=order.complied_at, due_at=order.due_at)
                          if order.complied_at is not None else None),
        compliance_note=order.compliance_note, evidence_ids=order.evidence_ids,
        recorded_by=order.recorded_by)


TIMER_HANDLERS = {RECTIFICATION_DUE: on_rectification_due}
