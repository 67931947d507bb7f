"""Pure rules of the rectified path: when an order may be given, when compliance may be recorded,
and who may close a rectified case. No I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    ORDERED = "ordered"  # the term runs
    COMPLIED = "complied"  # the employer rectified; the case is `rectified`
    LAPSED = "lapsed"  # the term ended without compliance; the case goes on to a penalty


def order_refusal(*, live_order: bool, penalty_in_progress: bool) -> str | None:
    """Why an order to rectify cannot be given now; None when it can."""
    if live_order:
        return "an order to rectify is already running on this case; record its outcome first"
    if penalty_in_progress:
        return ("a penalty proposal is under way on this case; an order to rectify comes before "
                "the penalty procedure, not alongside it")
    return None


def compliance_refusal(*, status: OrderStatus | None, evidence_ids: set[str],
                       case_evidence_ids: set[str]) -> str | None:
    """Why compliance cannot be recorded; None when it can. Compliance is proven by evidence already
    fixed in the case's evidence store (R-CASE-4: wage payment records, bank statements)."""
    if status is None:
        return "no order to rectify was given on this case"
    if status == OrderStatus.COMPLIED:
        return "compliance with the order is already recorded"
    unknown = sorted(evidence_ids - case_evidence_ids)
    if unknown:
        return f"evidence items not in this case's evidence store: {', '.join(unknown)}"
    return None


def complied_in_time(*, complied_at: datetime, due_at: datetime) -> bool:
    return complied_at <= due_at


def closer_refusal(*, closer: str, recorded_by: str | None) -> str | None:
    """R-ORG-2: the officer who recorded the compliance does not also approve closing on it."""
    if recorded_by is not None and closer == recorded_by:
        return (f"{closer} recorded the employer's compliance and may not also close the case on "
                "it (R-ORG-2: separation of duties)")
    return None
