"""How notify reacts to intake: a correction notice or a registration answer becomes a notice to
the worker, sent by the notice worker after this transaction commits."""

from __future__ import annotations

from typing import Any

from labor_contracts.envelope import Envelope
from labor_contracts.intake import CorrectionNoticeIssued, RegistrationAnswerIssued
from labor_runtime.db import UnitOfWork

from notify.settings import NotifySettings
from notify.worker_notices import flows
from notify.worker_notices.rules import NoticeKind


def handlers(settings: NotifySettings) -> dict[str, Any]:
    async def on_correction_notice(uow: UnitOfWork, event: Envelope,
                                   data: CorrectionNoticeIssued) -> None:
        """R-INT-2: the one-time correction notice, every missing item in one notice, carrying
        the notice rendered as a document (R-DLV-4)."""
        document = await flows.correction_document(uow, settings=settings, data=data,
                                                   event_id=event.id)
        await flows.open_notice(
            uow, settings=settings, kind=NoticeKind.CORRECTION_NOTICE,
            complaint_id=data.complaint_id, tracking_code=data.tracking_code, channel=data.channel,
            issued_at=data.issued_at, content={"missing": data.missing, "items": data.items},
            event_id=event.id, document=document, district=data.district)

    async def on_registration_answer(uow: UnitOfWork, event: Envelope,
                                     data: RegistrationAnswerIssued) -> None:
        """R-INT-3: whether a case is registered, and why not."""
        await flows.open_notice(
            uow, settings=settings, kind=NoticeKind.REGISTRATION_ANSWER,
            complaint_id=data.complaint_id, tracking_code=data.tracking_code, channel=data.channel,
            issued_at=data.answered_at,
            content={"outcome": data.outcome, "reason": data.reason, "case_id": data.case_id,
                     "case_number": data.case_number},
            event_id=event.id, district=data.district)

    return {CorrectionNoticeIssued.event_type: on_correction_notice,
            RegistrationAnswerIssued.event_type: on_registration_answer}
