"""Rectified-path use cases: give an order to rectify, record compliance, let a missed term lapse."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from labor_runtime import timers
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.timers import Timer, TimerHandler

from cases.casefile.base import RECTIFICATION_DUE, Actor
from cases.casefile.repository import SqlCaseFiles, staff_command
from cases.documents import flows as documents
from cases.lifecycle.flows import readable_case
from cases.rectification import rules
from cases.rectification.models import rectification_orders
from cases.rectification.rules import OrderStatus
from cases.rectification.schemas import ComplianceRecord, RectificationOrderCreate, RectificationView
from cases.settings import CasesRuntime, CasesSettings


async def give_order(runtime: CasesRuntime, who: Principal, case_id: str,
                     body: RectificationOrderCreate) -> RectificationView:
    """A (officer) orders the employer to rectify within a term; the order is rendered with its QR
    code and handed over on site; the term is a stored timer."""
    async with staff_command(runtime, who, case_id, "officer_a") as command:
        await command.file.order_rectification(command.desk, command.actor, items=body.items,
                                               wages_to_pay=body.wages_to_pay,
                                               within_days=body.within_days)
    return await view(runtime, who, case_id)


async def record_compliance(runtime: CasesRuntime, who: Principal, case_id: str,
                            body: ComplianceRecord) -> RectificationView:
    """A records that the employer rectified, proven by evidence in the case: the case is
    `rectified` and a brigade chief other than the recorder closes it (R-ORG-2)."""
    async with staff_command(runtime, who, case_id, "officer_a") as command:
        command.file.record_compliance(command.desk, command.actor,
                                       evidence_ids=body.evidence_ids, note=body.note)
    return await view(runtime, who, case_id)


def timer_handlers(settings: CasesSettings, calendar: Calendar) -> dict[str, TimerHandler]:
    async def rectification_due(uow: UnitOfWork, timer: Timer) -> None:
        """The term ended without recorded compliance: alert, and note on the timeline that the
        case goes on to a penalty."""
        await timers.emit_overdue(uow, timer)
        files = SqlCaseFiles(uow, settings, calendar)
        case_file = await files.get(timer.subject)
        if case_file.rectification_lapsed(files.desk(), Actor.service(uow.source),
                                           due_at=timer.due_at):
            await files.save(case_file)

    return {RECTIFICATION_DUE: rectification_due}


async def view(runtime: CasesRuntime, who: Principal, case_id: str) -> RectificationView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        order = (await conn.execute(
            sa.select(rectification_orders).where(rectification_orders.c.case_id == case_id)
            .order_by(rectification_orders.c.ordered_at.desc()).limit(1))).first()
        if order is None:
            raise Problem(404, "not-found", "No order to rectify",
                          f"case {case_id} has no order to rectify")
        verify_url, _ = await documents.verify_link(conn, order.document_id)
    return RectificationView(
        order_id=order.id, number=order.number, document_id=order.document_id,
        verify_url=verify_url, items=order.items,
        wages_to_pay=Decimal(order.wages_to_pay) if order.wages_to_pay is not None else None,
        status=OrderStatus(order.status), ordered_by=order.ordered_by, ordered_at=order.ordered_at,
        due_at=order.due_at, lapsed_at=order.lapsed_at, complied_at=order.complied_at,
        complied_in_time=(rules.complied_in_time(complied_at=order.complied_at, due_at=order.due_at)
                          if order.complied_at is not None else None),
        compliance_note=order.compliance_note, evidence_ids=order.evidence_ids,
        recorded_by=order.recorded_by)
