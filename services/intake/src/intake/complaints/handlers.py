"""How intake reacts to the cases service: the worker's status follows the case (R-INT-8) and the
worker is told the registration decision through their channel (R-INT-3); and to notify: the
registration deadline is met when the worker is told, and a notice that could not reach the worker
is flagged for staff to follow up."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import CaseClosed, CaseNotRegistered, CaseRegistered
from labor_contracts.envelope import Envelope
from labor_contracts.intake import RegistrationAnswerIssued
from labor_contracts.notify import WorkerNoticeDelivered, WorkerNoticeFailed
from labor_runtime.bus import Rejected
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork
from sqlalchemy.dialects import postgresql as pg

from intake.complaints.models import complaints
from intake.complaints.rules import ComplaintStatus, closing_reason
from intake.deadlines import flows as deadline_flows
from intake.deadlines.rules import REGISTRATION_ANSWER, NoticeKind, told_at_delivery
from intake.employers import flows as employer_flows
from intake.privacy.flows import complainant_names
from intake.privacy.rules import mask_personal_data
from intake.settings import IntakeSettings

log = logging.getLogger(__name__)
# How the answer was told when REGISTRATION_ANSWER_TOLD_AT=issue: by issuing it, unconfirmed.
ISSUED = "issued"


def handlers(settings: IntakeSettings) -> dict[str, Any]:
    """The handlers of the events intake consumes, routing key → handler."""
    told_at_issue = settings.registration_answer_told_at == "issue"
    cipher = FieldCipher.from_settings(settings.field_encryption_keys,
                                       settings.field_encryption_active_key)

    async def on_case_registered(uow: UnitOfWork, event: Envelope, data: CaseRegistered) -> None:
        await _answer(uow, data.complaint_ids, ComplaintStatus.REGISTERED, "", data.case_id,
                      data.case_number, told_at_issue=told_at_issue, cipher=cipher)

    async def on_case_not_registered(uow: UnitOfWork, event: Envelope,
                                     data: CaseNotRegistered) -> None:
        await _answer(uow, data.complaint_ids, ComplaintStatus.NOT_REGISTERED, data.reason,
                      data.case_id, told_at_issue=told_at_issue, cipher=cipher)

    return {
        CaseRegistered.event_type: on_case_registered,
        CaseNotRegistered.event_type: on_case_not_registered,
        CaseClosed.event_type: on_case_closed,
        WorkerNoticeDelivered.event_type: on_worker_notice_delivered,
        WorkerNoticeFailed.event_type: on_worker_notice_failed,
    }


_ids = sa.bindparam("ids", type_=pg.ARRAY(sa.Text))
_lock_answered = (
    sa.select(complaints.c.id, complaints.c.tracking_code, complaints.c.channel, complaints.c.district,
              complaints.c.status_reason, complaints.c.case_id, complaints.c.complainant_name_enc,
              *employer_flows.RELEASE_COLUMNS)
    .where(complaints.c.id == sa.any_(_ids)).order_by(complaints.c.id).with_for_update())
_lock_closing = (sa.select(*employer_flows.RELEASE_COLUMNS).where(complaints.c.id == sa.any_(_ids))
                 .order_by(complaints.c.id).with_for_update())
# Closing is final (R-INT-8): consumers apply events concurrently, so a registration decision may
# arrive after its case's closing; it still tells the worker and names the case, but never reopens.
_closed = complaints.c.status == ComplaintStatus.CLOSED
_set_answer = complaints.update().where(complaints.c.id == sa.bindparam("complaint")).values(
    status=sa.case((_closed, complaints.c.status), else_=sa.bindparam("status")),
    status_reason=sa.case((_closed, complaints.c.status_reason), else_=sa.bindparam("reason")),
    case_id=sa.bindparam("case"), updated_at=sa.bindparam("now"),
    registration_answer_issued_at=sa.case(
        (sa.bindparam("changed", type_=sa.Boolean), sa.bindparam("now")),
        else_=complaints.c.registration_answer_issued_at))


async def _answer(uow: UnitOfWork, complaint_ids: list[str], status: ComplaintStatus, reason: str,
                  case_id: str, case_number: str | None = None, *, told_at_issue: bool,
                  cipher: FieldCipher) -> None:
    now = uow.clock.now()
    # Locked first (in id order), so two answers for one complaint take turns.
    before = (await uow.session.execute(_lock_answered, {"ids": complaint_ids})).all()
    # The same decision again (cases re-sent it): the worker was told already.
    changed = [row for row in before
               if (row.status, row.status_reason, row.case_id) != (status, reason, case_id)]
    changed_ids = {row.id for row in changed}
    await employer_flows.release(uow.session, before)  # R-INT-6: no longer open
    if before:
        await uow.session.execute(_set_answer, [
            {"complaint": row.id, "status": status, "reason": reason, "case": case_id, "now": now,
             "changed": row.id in changed_ids} for row in before])
    # R-INT-3: a decision is not an answer; the 7-day deadline runs until the worker is told
    # (notify.worker_notice.delivered.v1, or staff record telling them another way).
    for row in changed:
        if told_at_issue:
            await deadline_flows.record_told(uow.session, row.id, at=now, via=ISSUED, now=now)
        # R-INT-3: told through the channel that filed it, by tracking code only (R-INT-7).
        await uow.emit(RegistrationAnswerIssued(
            complaint_id=row.id, tracking_code=row.tracking_code, channel=row.channel,
            outcome="registered" if status is ComplaintStatus.REGISTERED else "not_registered",
            reason=mask_personal_data(reason, names=complainant_names(cipher, row)),  # R-INT-7
            case_id=case_id, case_number=case_number,
            answered_at=now, district=row.district), subject=row.id)


async def on_case_closed(uow: UnitOfWork, event: Envelope, data: CaseClosed) -> None:
    """R-INT-8: the case is closed, so are its complaints; the worker sees how it ended."""
    locked = (await uow.session.execute(_lock_closing, {"ids": data.complaint_ids})).all()
    await employer_flows.release(uow.session, locked)  # answered without a decision
    await uow.session.execute(
        complaints.update().where(complaints.c.id.in_(data.complaint_ids),
                                  complaints.c.status != ComplaintStatus.CLOSED)
        .values(status=ComplaintStatus.CLOSED, status_reason=closing_reason(data.outcome, data.reason),
                case_id=data.case_id, updated_at=uow.clock.now()))


async def _locked(uow: UnitOfWork, complaint_id: str) -> Any:
    row = (await uow.session.execute(
        sa.select(complaints.c.id, complaints.c.registration_answer_issued_at)
        .where(complaints.c.id == complaint_id).with_for_update())).first()
    if row is None:
        raise Rejected(f"no complaint {complaint_id} in intake: the notice is not about one of ours")
    return row


async def on_worker_notice_delivered(uow: UnitOfWork, event: Envelope,
                                     data: WorkerNoticeDelivered) -> None:
    """R-INT-3: the filing channel took the registration answer, so the worker is told: the 7-day
    deadline is met at delivery. A delivered correction notice meets no deadline."""
    if data.kind != NoticeKind.REGISTRATION_ANSWER:
        return
    row = await _locked(uow, data.complaint_id)
    now = uow.clock.now()
    at = told_at_delivery(delivered_at=data.delivered_at, issued_at=data.issued_at, now=now)
    latest = row.registration_answer_issued_at
    if latest is None or data.issued_at >= latest:
        await deadline_flows.record_told(uow.session, row.id, at=at, via=data.channel, now=now)
    else:  # an earlier decision's answer: the worker learned one in time, not the current one
        await deadline_flows.complete_at(uow.session, REGISTRATION_ANSWER, row.id, at)


async def on_worker_notice_failed(uow: UnitOfWork, event: Envelope, data: WorkerNoticeFailed) -> None:
    """R-INT-2, R-INT-3: the channel could not reach the worker. The complaint is flagged for
    staff (handling view, overdue list); the registration deadline keeps running until someone
    tells the worker. The latest failure is kept; no personal data is in the event or the log."""
    if data.kind not in tuple(NoticeKind):
        log.info("worker notice %s of unknown kind %s ignored", data.notice_id, data.kind)
        return
    row = await _locked(uow, data.complaint_id)
    c = complaints.c
    await uow.session.execute(complaints.update().where(
        c.id == row.id, sa.or_(c.worker_notice_failed_at.is_(None),
                               c.worker_notice_failed_at <= data.failed_at))
        .values(worker_notice_failed_at=data.failed_at, worker_notice_failed_kind=data.kind,
                worker_notice_failed_id=data.notice_id, worker_notice_failure=data.reason))
    log.warning("complaint %s: %s notice %s not delivered through %s (%s): staff must tell the "
                "worker another way", row.id, data.kind, data.notice_id, data.channel, data.cause)
