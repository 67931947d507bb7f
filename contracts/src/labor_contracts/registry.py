"""Every event type on the bus, in one place: the type string is also the AMQP routing key."""

from __future__ import annotations

from labor_contracts import cases, credit, intake, notify, publish
from labor_contracts.common import DeadlineOverdue
from labor_contracts.events import EventData

EVENT_MODELS: tuple[type[EventData], ...] = (
    intake.ComplaintAccepted,
    intake.MediationEscalated,
    intake.CorrectionNoticeIssued,
    intake.RegistrationAnswerIssued,
    cases.CaseRegistered,
    cases.CaseNotRegistered,
    cases.CaseClosed,
    cases.DocumentIssued,
    cases.DocumentIssuedV2,
    cases.PenaltyDecided,
    cases.MajorCaseTriggered,
    cases.MajorMilestoneMissed,
    cases.MajorCaseSanctions,
    cases.RectificationLapsed,
    cases.FineOverdue,
    cases.CourtEnforcementApplied,
    notify.DocumentServed,
    notify.DeliveryFailed,
    notify.WorkerNoticeDelivered,
    notify.WorkerNoticeFailed,
    credit.IntegrityGradeChanged,
    credit.EmployerRegisterChanged,
    credit.GridChanged,
    credit.WageWarningRaised,
    credit.WageWarningCleared,
    credit.DepositMissing,
    credit.BlacklistListed,
    credit.BlacklistRemoved,
    credit.SanctionImposed,
    credit.RepairNoticeStarted,
    credit.RepairConcluded,
    credit.CreditDocumentIssued,
    publish.DisclosurePublished,
    publish.ObjectionFiled,
    DeadlineOverdue,
)

EVENT_TYPES: dict[str, type[EventData]] = {m.event_type: m for m in EVENT_MODELS}


def model_for(event_type: str) -> type[EventData]:
    """The payload model of a type; KeyError for a type nobody declared."""
    return EVENT_TYPES[event_type]
