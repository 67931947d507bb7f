"""Pure deadline rules: how a deadline ended, the on-time rate, and whether the worker was told
(R-INT-3, R-INT-4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

ASSIGNMENT = "intake.assignment"
PHONE_CONFIRMATION = "intake.phone_confirmation"
# Met when the worker is told (their channel took the notice, or staff told them another way),
# not when cases decides: a timely decision nobody tells the worker is not an answer.
REGISTRATION_ANSWER = "intake.registration_answer"
MEDIATION_ESCALATION = "intake.mediation_escalation"
KINDS = (ASSIGNMENT, PHONE_CONFIRMATION, REGISTRATION_ANSWER, MEDIATION_ESCALATION)
Kind = Literal["intake.assignment", "intake.phone_confirmation", "intake.registration_answer",
               "intake.mediation_escalation"]


class Outcome(StrEnum):
    MET_ON_TIME = "met_on_time"
    MET_LATE = "met_late"
    OVERDUE = "overdue"  # still open, past due
    PENDING = "pending"  # still open, not yet due
    CANCELLED = "cancelled"


class MediationResult(StrEnum):
    """R-INT-4: what the grid's mediation (网格调解) came to."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"


class NoticeKind(StrEnum):
    """Notices notify delivers to the worker through the filing channel."""

    CORRECTION_NOTICE = "correction_notice"  # R-INT-2
    REGISTRATION_ANSWER = "registration_answer"  # R-INT-3


class TellingMeans(StrEnum):
    """How staff told the worker themselves: the registration decision (R-INT-3) or what
    materials to bring (R-INT-2)."""

    PHONE = "phone"
    IN_PERSON = "in_person"
    LETTER = "letter"


def outcome(*, due_at: datetime, completed_at: datetime | None, cancelled_at: datetime | None,
            now: datetime) -> Outcome:
    """A deadline is met on time when its action happened by the due time, whenever the sweeper
    noticed; an open one past due is overdue."""
    if cancelled_at is not None:
        return Outcome.CANCELLED
    if completed_at is not None:
        return Outcome.MET_ON_TIME if completed_at <= due_at else Outcome.MET_LATE
    return Outcome.OVERDUE if due_at <= now else Outcome.PENDING


def on_time_rate(outcomes: Iterable[Outcome]) -> float | None:
    """Share of decided deadlines met on time: on time / (on time + late + overdue); None if none
    is decided yet (pending and cancelled ones do not count)."""
    on_time = decided = 0
    for o in outcomes:
        if o in (Outcome.MET_ON_TIME, Outcome.MET_LATE, Outcome.OVERDUE):
            decided += 1
            on_time += o is Outcome.MET_ON_TIME
    return on_time / decided if decided else None


def worker_untold(*, issued_at: datetime | None, told_at: datetime | None) -> bool:
    """R-INT-3: a registration answer was issued and the worker has not been told since."""
    return issued_at is not None and (told_at is None or told_at < issued_at)


def told_at_delivery(*, delivered_at: datetime, issued_at: datetime, now: datetime) -> datetime:
    """When a delivered notice told the worker, on intake's clock: the channel's time, never in
    intake's future nor before intake issued the answer (two services' clocks differ)."""
    return max(min(delivered_at, now), issued_at)


def notice_failure_open(*, failed_kind: str | None, awaiting_materials: bool,
                        issued_at: datetime | None, told_at: datetime | None,
                        correction_told_at: datetime | None) -> bool:
    """A failed notice needs staff until the worker is reached another way: a registration answer
    until someone tells them (R-INT-3); a correction notice while the materials are missing and
    nobody has told them what to bring (R-INT-2)."""
    if failed_kind == NoticeKind.REGISTRATION_ANSWER:
        return told_at is None or worker_untold(issued_at=issued_at, told_at=told_at)
    if failed_kind == NoticeKind.CORRECTION_NOTICE:
        return awaiting_materials and correction_told_at is None
    return False
