"""How penalties react to notify (proof of service) and publish (disclosure), and their timers."""

from __future__ import annotations

import logging

from labor_contracts.envelope import Envelope
from labor_contracts.notify import DocumentServed
from labor_contracts.publish import DisclosurePublished
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler
from labor_runtime.timers import Timer, TimerHandler

from cases.casefile.base import NOTICE_PERIOD
from cases.penalty import flows
from cases.settings import CasesSettings

log = logging.getLogger(__name__)


def handlers(settings: CasesSettings, calendar: Calendar) -> dict[str, EventHandler]:
    async def on_document_served(uow: UnitOfWork, event: Envelope, data: DocumentServed) -> None:
        await flows.on_document_served(uow, settings, calendar, event, data)

    async def on_disclosure_published(uow: UnitOfWork, event: Envelope,
                                      data: DisclosurePublished) -> None:
        await flows.on_disclosure_published(uow, settings, calendar, event, data)

    return {
        DocumentServed.event_type: on_document_served,
        DisclosurePublished.event_type: on_disclosure_published,
    }


async def notice_period_over(uow: UnitOfWork, timer: Timer) -> None:
    """The end of the notice period is no missed deadline: the decision may now be signed."""
    log.info("notice period of case %s is over; the decision may be signed", timer.subject)


# Deadlines that can be missed (review, publication, payment) keep the default: an overdue event.
TIMER_HANDLERS: dict[str, TimerHandler] = {NOTICE_PERIOD: notice_period_over}
