"""Pure deadline rules: how a deadline ended and the on-time rate (R-INT-3, R-INT-4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

ASSIGNMENT = "intake.assignment"
PHONE_CONFIRMATION = "intake.phone_confirmation"
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
