"""R-MAJ-3 follow-up sanctions (重大案件后续惩戒), pure: which joint punishment each party of a
major case gets, for how long, and how a person is shown to those who may not know them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PartyRole(StrEnum):
    DEVELOPER = "developer"
    GENERAL_CONTRACTOR = "general_contractor"
    TEAM_LEADER = "team_leader"  # 班组长
    FOREMAN = "foreman"  # 包工头


ORGANISATIONS = frozenset({PartyRole.DEVELOPER, PartyRole.GENERAL_CONTRACTOR})

NO_BIDDING = "no_bidding"
MARKET_BAN = "construction_market_ban"
BIDDING = "bidding"
HOUSING = "housing_construction"


@dataclass(frozen=True)
class Terms:
    bid_ban_months: int
    market_ban_years: int


@dataclass(frozen=True)
class Measure:
    """One punishment: what, who enforces it, from and to (inclusive)."""

    measure: str
    agencies: tuple[str, ...]
    starts_on: date
    ends_on: date


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_organisation(role: PartyRole) -> bool:
    return role in ORGANISATIONS


def punishment(role: PartyRole, *, starts_on: date, terms: Terms) -> Measure:
    """R-MAJ-3: developer and general contractor may not bid for `bid_ban_months` (the bidding
    and housing regulators enforce it); team leaders and foremen are banned from the local
    construction market for `market_ban_years` (the housing regulator enforces it). The term
    ends the day before the same date after the period."""
    if is_organisation(role):
        end = add_months(starts_on, terms.bid_ban_months)
        return Measure(NO_BIDDING, (BIDDING, HOUSING), starts_on, end - timedelta(days=1))
    end = add_months(starts_on, 12 * terms.market_ban_years)
    return Measure(MARKET_BAN, (HOUSING,), starts_on, end - timedelta(days=1))


def downgrade_summary(role: PartyRole, measure: Measure, case_number: str | None) -> str:
    """The history line of R-MAJ-3's downgrade (信用降级) of an organisation."""
    of_case = f" of case {case_number}" if case_number else ""
    return (f"R-MAJ-3 downgraded as {role.value.replace('_', ' ')}{of_case}; barred from new bids "
            f"{measure.starts_on.isoformat()}..{measure.ends_on.isoformat()}")


def mask_name(name: str) -> str:
    """`张三丰` → `张**`: recognisable to those who know the person, nobody else."""
    return name[:1] + "*" * (len(name) - 1)


def mask_id_number(number: str) -> str:
    """`11010519491231002X` → `110*************2X`: the region's first digits and the last two."""
    return number[:3] + "*" * (len(number) - 5) + number[-2:]
