"""Wage guarantee deposit rules (农民工工资保障金, R-CRD-6): pure, no I/O.

Every construction project in progress needs a valid deposit, in cash or as a bank guarantee
(银行保函); a project without one on the day of the check is a finding, once per lapse: the lapse
is the deposit that stopped being valid, or `none` when the project never had one. Coverage is
the share of projects in progress with a valid deposit (target 100%).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

NEVER = "none"


class Kind(StrEnum):
    CASH = "cash"  # 现金
    BANK_GUARANTEE = "bank_guarantee"  # 银行保函


class Gap(StrEnum):
    """Why a project has no valid deposit on a day."""

    NONE = "none"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


@dataclass(frozen=True)
class Deposit:
    id: str
    kind: Kind
    amount: Decimal
    valid_from: date
    valid_until: date  # last valid day

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until


@dataclass(frozen=True)
class Finding:
    """A project without a valid deposit: why, and the lapse it belongs to."""

    gap: Gap
    lapse: str
    reason: str


def in_progress(ends_on: date | None, day: date) -> bool:
    """A project needs a deposit from its registration until its end (when known)."""
    return ends_on is None or ends_on >= day


def finding(current: Deposit | None, day: date) -> Finding | None:
    """R-CRD-6: the finding for a project whose current deposit is `current`, or None if valid."""
    if current is None:
        return Finding(Gap.NONE, NEVER, "no wage guarantee deposit recorded")
    if current.valid_on(day):
        return None
    if day > current.valid_until:
        return Finding(Gap.EXPIRED, current.id, f"the {current.kind.value} deposit expired after "
                       f"{current.valid_until.isoformat()}")
    return Finding(Gap.NOT_YET_VALID, current.id, f"the {current.kind.value} deposit is valid "
                   f"from {current.valid_from.isoformat()} only")


def coverage_rate(projects: int, covered: int) -> Decimal:
    """Covered share of the projects in progress; nothing to cover is full coverage."""
    share = Decimal(1) if projects == 0 else Decimal(covered) / Decimal(projects)
    return share.quantize(Decimal("0.0001"))


def check_day(local_now: datetime, at: time) -> date:
    """The day whose daily check is due by `local_now` (the check runs at local time `at`)."""
    today = local_now.date()
    return today if local_now.time() >= at else today - timedelta(days=1)


def next_check(local_now: datetime, at: time) -> datetime:
    """When the next daily check is due after `local_now` (same time zone)."""
    return datetime.combine(check_day(local_now, at) + timedelta(days=1), at,
                            tzinfo=local_now.tzinfo)
