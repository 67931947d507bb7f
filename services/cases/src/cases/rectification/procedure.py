"""The case file's rectified path: an order to rectify within a term, served electronically
(R-DLV-1), compliance proven by evidence, or the term lapsing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from labor_contracts.cases import RectificationLapsed
from labor_contracts.identifiers import new_id
from labor_runtime.problems import Problem
from labor_runtime.rendering import Party

from cases.casefile.base import (
    RECTIFICATION_DUE,
    Actor,
    Announced,
    CaseFileBase,
    Desk,
    Draft,
    RectificationOrder,
)
from cases.documents.rules import ServedKind
from cases.documents.wording import (
    rectification_order_paragraphs,
)
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction
from cases.penalty.rules import ProposalStatus
from cases.rectification import rules as rectification
from cases.rectification.rules import OrderStatus
from cases.settings import DayDeadline


class RectificationProcedure(CaseFileBase):
    """The rectified path of a case file."""

    # Order to rectify (the rectified path) ---------------------------------------------------------

    async def order_rectification(self, desk: Desk, actor: Actor, *, items: list[str],
                                  wages_to_pay: Decimal | None,
                                  within_days: int | None) -> RectificationOrder:
        """The officer orders the employer to rectify within a term; the order is rendered with
        its QR code and served through notify; the term is a stored timer."""
        settings, calendar, now = desk.settings, desk.calendar, desk.now
        lifecycle.apply(self.state, CaseAction.ORDER_RECTIFICATION)
        latest = self.latest_order
        refusal = rectification.order_refusal(
            live_order=latest is not None and latest.status == OrderStatus.ORDERED,
            penalty_in_progress=self.proposal_in(ProposalStatus.PROPOSED,
                                                 ProposalStatus.APPROVED) is not None)
        if refusal is not None:
            raise Problem(409, "rectification-refused", "No order to rectify now", refusal)
        days = within_days or settings.rectification_within_days
        due_at = calendar.add_days(now, days, working=desk.working(DayDeadline.RECTIFICATION))
        number = await desk.clerk.number("rectification_order",
                                         settings.rectification_order_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=ServedKind.RECTIFICATION_ORDER, number=number,
            title="劳动保障监察限期整改指令书",
            recipient=self.employer, issued_by=actor.subject, at=now,
            case_number=self.case_number or "",
            party=Party(name=self.employer_name, credit_code=self.employer_credit_code,
                        address=self.employer_address),
            paragraphs=tuple(rectification_order_paragraphs(
                facts=self.summary or "", items=items, wages_to_pay=wages_to_pay,
                due_on=calendar.local_date(due_at))),
            serve=True, district=self.district, signer=actor, purpose="rectification_order")))
        order = RectificationOrder(
            id=new_id(), number=number, document_id=document.id, items=list(items),
            wages_to_pay=wages_to_pay, status=OrderStatus.ORDERED, ordered_by=actor.subject,
            ordered_at=now, due_at=due_at)
        self.orders.append(order)
        self._deadline(RECTIFICATION_DUE, due_at, {"number": number})
        reason = f"order to rectify {number} within {days} days, by {due_at.isoformat()}"
        self._step(CaseAction.ORDER_RECTIFICATION, actor, now, reason)
        self._audit("rectification.order", actor, now, reason)
        return order

    def order_served(self, desk: Desk, actor: Actor, *, document_id: str, channel: str,
                     served_at: datetime) -> None:
        """The order's proven service (R-DLV-3) is noted on the timeline."""
        self._served(document_id, served_at)
        order = next((o for o in self.orders if o.document_id == document_id), None)
        if order is None:
            return
        # The term is the date printed on the order (限期改正 by that day): the party is held to
        # what it was handed, so a later proof of service does not move the due date or its timer.
        self._note("rectification_order_served", actor, desk.now,
                   f"order to rectify {order.number} served by {channel} at "
                   f"{served_at.isoformat()}; the term stays as printed, by "
                   f"{order.due_at.isoformat()}")

    def record_compliance(self, desk: Desk, actor: Actor, *, evidence_ids: list[str],
                          note: str) -> RectificationOrder:
        """The employer rectified, proven by evidence in the case: the case is `rectified`."""
        now = desk.now
        lifecycle.apply(self.state, CaseAction.RECORD_RECTIFICATION)
        order = self.latest_order
        refusal = rectification.compliance_refusal(
            status=OrderStatus(order.status) if order is not None else None,
            evidence_ids=set(evidence_ids), case_evidence_ids=self.evidence_ids)
        if refusal is not None:
            raise Problem(409, "compliance-refused", "Compliance cannot be recorded", refusal)
        assert order is not None
        in_time = rectification.complied_in_time(complied_at=now, due_at=order.due_at)
        order.status, order.complied_at = OrderStatus.COMPLIED, now
        order.compliance_note, order.evidence_ids = note, list(evidence_ids)
        order.recorded_by = actor.subject
        self._met(RECTIFICATION_DUE)
        reason = (f"employer complied with {order.number} {'in time' if in_time else 'late'}: "
                  f"{note} (evidence {', '.join(evidence_ids)})")
        self._step(CaseAction.RECORD_RECTIFICATION, actor, now, reason)
        self._audit("rectification.complied", actor, now, reason)
        return order

    def rectification_lapsed(self, desk: Desk, actor: Actor, *, due_at: datetime) -> bool:
        """The term ended without recorded compliance: noted, the case goes on to a penalty, and
        credit is told (its grade, R-CRD-2; with large arrears a blacklist ground, R-CRD-4).
        False when no order was still running."""
        running = [o for o in self.orders if o.status == OrderStatus.ORDERED]
        for order in running:
            order.status, order.lapsed_at = OrderStatus.LAPSED, desk.now
            self._note("rectification_lapsed", actor, desk.now,
                       f"the term of {order.number} ended at {due_at.isoformat()} without "
                       "compliance; the case goes on to a penalty")
            # The order names the wages to pay when it has them; otherwise the case's figure.
            owed = order.wages_to_pay if order.wages_to_pay is not None else self.arrears_amount
            self.records.append(Announced(RectificationLapsed(
                case_id=self.id, case_number=self.case_number, employer=self.employer,
                district=self.district, items=list(order.items), arrears_outstanding=owed,
                due_at=order.due_at, lapsed_at=desk.now)))
        return bool(running)
