"""Execution timers: the fine's due date (reminder) and the court-enforcement deadline."""

from __future__ import annotations

from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.timers import Timer, TimerHandler

from cases.casefile.base import COURT_ENFORCEMENT, PAYMENT_DUE
from cases.execution import flows
from cases.settings import CasesSettings


def timer_handlers(settings: CasesSettings, calendar: Calendar) -> dict[str, TimerHandler]:
    async def payment_due(uow: UnitOfWork, timer: Timer) -> None:
        await flows.on_payment_due(uow, settings, calendar, timer)

    async def court_enforcement_due(uow: UnitOfWork, timer: Timer) -> None:
        await flows.on_court_enforcement_due(uow, settings, calendar, timer)

    # cases.hearing_due keeps the default: an overdue event when the hearing is not held in time.
    return {PAYMENT_DUE: payment_due, COURT_ENFORCEMENT: court_enforcement_due}
