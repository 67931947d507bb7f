"""Execution use cases (R-CASE-6, R-CASE-7): the fiscal account's payments, what is owed, the
reminder at the due date and the application for court enforcement."""

from __future__ import annotations

import logging

from labor_runtime import timers
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.timers import Timer

from cases.casefile.base import Actor, Payment, no_such_case
from cases.casefile.model import CaseFile
from cases.casefile.repository import SqlCaseFiles, staff_command
from cases.execution.schemas import ExecutionView, PaymentFeed, PaymentResult
from cases.lifecycle.flows import check_district
from cases.settings import CasesRuntime, CasesSettings

log = logging.getLogger(__name__)


async def import_payments(runtime: CasesRuntime, who: Principal, feed: PaymentFeed) -> list[PaymentResult]:
    """Record the fiscal account's payments (C post); a payment in full ends the execution
    deadlines. Re-importing the same feed changes nothing (bank reference is the key)."""
    settings = runtime.settings
    actor = Actor(who.subject, "executor_c")
    results: list[PaymentResult] = []
    async with runtime.uow() as uow:
        files = SqlCaseFiles(uow, settings, runtime.calendar)
        touched: dict[str, CaseFile] = {}
        today = runtime.calendar.local_date(uow.clock.now())
        for position, item in enumerate(feed.payments):
            if item.paid_on > today:
                raise _refused(position, f"{item.paid_on} is after today ({today})")
            case_file = await files.by_decision_number(item.decision_number)
            if case_file is None or not who.reaches(case_file.district):  # another's is unknown
                results.append(PaymentResult(reference=item.reference, outcome="unknown_decision"))
                continue
            desk = files.desk()
            decision = case_file.decision
            assert decision is not None  # found by its decision's number
            decided_on = runtime.calendar.local_date(decision.decided_at)
            if item.paid_on < decided_on:
                raise _refused(position, f"{item.paid_on} is before decision "
                                         f"{item.decision_number} was made ({decided_on})")
            if await files.payment_recorded(item.reference):
                balance = case_file.balance(desk)
                assert balance is not None
                results.append(PaymentResult(
                    reference=item.reference, outcome="duplicate", case_id=case_file.id,
                    outstanding=balance.outstanding, paid_in_full=balance.paid_in_full))
                continue
            balance = case_file.record_payment(desk, actor, Payment(
                reference=item.reference, decision_number=item.decision_number,
                amount=item.amount, paid_on=item.paid_on, payer=item.payer,
                imported_by=who.subject, imported_at=desk.now))
            touched[case_file.id] = case_file
            results.append(PaymentResult(
                reference=item.reference, outcome="recorded", case_id=case_file.id,
                outstanding=balance.outstanding, paid_in_full=balance.paid_in_full))
        for case_file in touched.values():
            await files.save(case_file)
        await uow.commit()
    return results


def _refused(position: int, why: str) -> Problem:
    """A payment the statement cannot hold: the feed is refused whole, so a corrected one can be
    sent again under the same bank references."""
    location = f"body.payments.{position}.paid_on"
    return Problem(422, "validation-failed", "Request failed validation", f"{location}: {why}",
                   errors=[{"location": location, "message": why, "type": "date_out_of_range"}])


async def execution_view(runtime: CasesRuntime, who: Principal, case_id: str) -> ExecutionView:
    settings = runtime.settings
    async with runtime.uow() as uow:
        files = SqlCaseFiles(uow, settings, runtime.calendar)
        case_file = await files.read(case_id)
        check_district(who, case_file, no_such_case(case_id))
        decision, balance = case_file.decision, case_file.balance(files.desk())
    if decision is None or balance is None:
        raise Problem(404, "not-found", "No penalty decision", "nothing to execute yet")
    return ExecutionView(
        case_id=case_id, decision_number=decision.decision_number, fine=balance.fine,
        surcharge=balance.surcharge, paid=balance.paid, outstanding=balance.outstanding,
        paid_in_full_at=decision.paid_in_full_at, payment_due_at=decision.payment_due_at,
        reminder_document_id=decision.reminder_document_id,
        court_enforcement_at=decision.court_enforcement_at,
        court_application_document_id=decision.court_application_document_id)


async def apply_for_court_enforcement(runtime: CasesRuntime, who: Principal,
                                      case_id: str) -> ExecutionView:
    """C applies to the court (R-CASE-7), after the reminder, while still unpaid."""
    async with staff_command(runtime, who, case_id, "executor_c") as command:
        await command.file.apply_for_court_enforcement(
            command.desk, command.actor, signed=True,
            reason="application for court enforcement (申请人民法院强制执行)")
    return await execution_view(runtime, who, case_id)


async def on_payment_due(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                         timer: Timer) -> None:
    """The fine's due date passed unpaid: alert, issue the reminder (催告书) at once (within the
    3 days), and start the 30-day court-enforcement deadline."""
    await timers.emit_overdue(uow, timer)
    files = SqlCaseFiles(uow, settings, calendar)
    case_file = await files.get(timer.subject)
    await case_file.payment_overdue(files.desk(), actor=Actor.service(uow.source),
                                    due_at=timer.due_at)
    await files.save(case_file)


async def on_court_enforcement_due(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                                   timer: Timer) -> None:
    """The 30 days after the due date end still unpaid: alert, and the case moves to court
    enforcement so the application is filed (R-CASE-7)."""
    await timers.emit_overdue(uow, timer)
    files = SqlCaseFiles(uow, settings, calendar)
    case_file = await files.get(timer.subject)
    if not await case_file.court_enforcement_overdue(files.desk(), Actor.service(uow.source)):
        log.info("case %s: court enforcement not applicable at its deadline", case_file.id)
        return
    await files.save(case_file)
