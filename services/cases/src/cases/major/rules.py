"""Pure major-case rules: triggers (R-MAJ-1), milestone clocks (R-MAJ-2), sanction terms
(R-MAJ-3). No I/O."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from cases.lifecycle.rules import figure_grounds


class IncidentKind(StrEnum):
    """What staff report about a case that may make it major (R-MAJ-1)."""

    ROAD_BLOCKING = "road_blocking"
    SUICIDE_THREAT = "suicide_threat"
    MASS_PETITION = "mass_petition"
    ONLINE_ATTENTION = "online_attention"
    WORKERS_AFFECTED = "workers_affected"
    AMOUNT_VERIFIED = "amount_verified"


# Incidents that make a case major by themselves (围堵道路、跳楼讨薪、群体上访).
GRAVE_INCIDENTS: dict[IncidentKind, str] = {
    IncidentKind.ROAD_BLOCKING: "road blocking (堵路)",
    IncidentKind.SUICIDE_THREAT: "suicide threat (以死相逼讨薪)",
    IncidentKind.MASS_PETITION: "mass petition (群体上访)",
}


@dataclass(frozen=True)
class MajorThresholds:
    """R-MAJ-1 thresholds (settings supply them)."""

    workers: int
    amount: Decimal
    online_views: int


def major_case_grounds(
    *,
    worker_count: int,
    arrears_amount: Decimal,
    incidents: frozenset[IncidentKind] | set[IncidentKind] = frozenset(),
    online_views: int,
    thresholds: MajorThresholds,
) -> list[str]:
    """R-MAJ-1: why the case is major; empty when no trigger holds."""
    grounds = figure_grounds(worker_count, arrears_amount, workers=thresholds.workers,
                             amount=thresholds.amount)
    grounds.extend(label for kind, label in GRAVE_INCIDENTS.items() if kind in incidents)
    if online_views >= thresholds.online_views:
        grounds.append(f"online attention {online_views} views (≥ {thresholds.online_views})")
    return grounds


class Milestone(StrEnum):
    """R-MAJ-2 milestones, in the order their clocks run out."""

    ON_SITE = "on_site"
    VERIFIED = "verified"
    AGREEMENT = "agreement"
    ENFORCEMENT = "enforcement"
    WAGES_PAID = "wages_paid"


MILESTONE_DESCRIPTIONS: dict[Milestone, str] = {
    Milestone.ON_SITE: "grid reports → brigade on site → police keep order (网格上报、大队到场、公安维稳)",
    Milestone.VERIFIED: "brigade verifies the amount and the responsible unit, files the flash "
                        "report (核实金额与责任主体，报送快报)",
    Milestone.AGREEMENT: "general contractor, developer and subcontractor sign the wage payment "
                         "agreement (总包、建设单位、分包签订工资支付协议)",
    Milestone.ENFORCEMENT: "refusal → police case for refusal to pay; absconding → online pursuit "
                           "(拒不支付移送公安立案，逃匿网上追逃)",
    Milestone.WAGES_PAID: "wages paid, disposal report filed (工资支付到位，报送处置报告)",
}

def milestone_schedule(triggered_at: datetime,
                       clocks: Mapping[Milestone, timedelta]) -> list[tuple[Milestone, datetime]]:
    """R-MAJ-2: every milestone's due time, counted from the trigger (settings give the clocks)."""
    return [(m, triggered_at + clocks[m]) for m in Milestone]


class Agency(StrEnum):
    """Members of the "1+6" task force (1+6 工作专班): a lead and the agencies."""

    LEAD = "lead"
    HUMAN_RESOURCES = "human_resources"
    POLICE = "police"
    HOUSING = "housing"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    PUBLICITY = "publicity"
    PETITIONS = "petitions"


def missing_agencies(present: set[str]) -> list[Agency]:
    """R-MAJ-2: the task force agencies that have nobody named yet."""
    return [a for a in Agency if a.value not in present]


class PartyRole(StrEnum):
    DEVELOPER = "developer"
    GENERAL_CONTRACTOR = "general_contractor"
    TEAM_LEADER = "team_leader"
    FOREMAN = "foreman"


ORGANISATIONS = frozenset({PartyRole.DEVELOPER, PartyRole.GENERAL_CONTRACTOR})
BID_BAN = "bid_ban"
DOWNGRADE = "downgrade"
MARKET_BAN = "construction_market_ban"


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (29 Feb → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class SanctionTerm:
    party_role: PartyRole
    measures: tuple[str, ...]
    starts_on: date
    ends_on: date  # inclusive: the last day the measure is in force


def sanction_term(role: PartyRole, *, starts_on: date, bid_ban_months: int,
                  market_ban_years: int) -> SanctionTerm:
    """R-MAJ-3: developer and general contractor are downgraded and barred from new bids for
    `bid_ban_months`; team leaders and foremen are banned from the local construction market for
    `market_ban_years`. The term ends the day before the same date after the period."""
    if role in ORGANISATIONS:
        end = add_months(starts_on, bid_ban_months)
        measures: tuple[str, ...] = (BID_BAN, DOWNGRADE)
    else:
        end = add_months(starts_on, 12 * market_ban_years)
        measures = (MARKET_BAN,)
    return SanctionTerm(role, measures, starts_on, end - timedelta(days=1))
