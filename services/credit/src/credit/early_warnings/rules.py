"""Wage early-warning rules (欠薪预警, R-CRD-3): pure, no I/O; every warning says why.

- yellow: the latest month's special-account balance (工资专用账户余额, all accounts together) is
  below the previous month's payable wages × the balance ratio (1.2);
- orange: employees are uninsured (未参保) in two consecutive months;
- red: an open entry of the court's judgment-debtor list (被执行人名单).

A warning is raised once per cause and period. Yellow and orange hold over a run of consecutive
months: the period is the month the run first met the rule (for orange the later of the two
months), and the warning holds while the run reaches the latest month. A month that meets the
rule again after a good month starts a new run, so a new period. Red's period is the court case
number (执行案号). Evidence names accounts, batches and months, never people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Level(StrEnum):
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


class Cause(StrEnum):
    SPECIAL_ACCOUNT_SHORT = "special_account_short"  # yellow
    UNINSURED_TWO_MONTHS = "uninsured_two_months"  # orange
    JUDGMENT_DEBTOR = "judgment_debtor"  # red


LEVEL_OF = {Cause.SPECIAL_ACCOUNT_SHORT: Level.YELLOW, Cause.UNINSURED_TWO_MONTHS: Level.ORANGE,
            Cause.JUDGMENT_DEBTOR: Level.RED}


@dataclass(frozen=True)
class AccountMonth:
    """A bank payroll agent's month of one special account (payroll_months)."""

    account: str
    month: date  # first day of the month
    balance: Decimal
    wages_payable: Decimal
    batch_id: str


@dataclass(frozen=True)
class InsuranceMonth:
    """The social-insurance headcount of one month (insurance_months)."""

    month: date
    employees: int
    insured: int
    batch_id: str


@dataclass(frozen=True)
class DebtorEntry:
    """An entry of the court's judgment-debtor list (judgment_debtors)."""

    court_case_number: str
    court: str
    amount: Decimal
    listed_on: date
    removed_on: date | None
    batch_id: str


@dataclass(frozen=True)
class SharedData:
    """What the shared data says about one employer."""

    payroll: tuple[AccountMonth, ...] = ()
    insurance: tuple[InsuranceMonth, ...] = ()
    debtors: tuple[DebtorEntry, ...] = ()


@dataclass(frozen=True)
class Policy:
    """R-CRD-3 thresholds, from the settings."""

    balance_ratio: Decimal  # yellow below payable × this
    uninsured_months: int  # orange after this many consecutive months

    def __post_init__(self) -> None:
        if self.balance_ratio <= 0 or self.uninsured_months < 1:
            raise ValueError("the balance ratio must be positive and the uninsured months at "
                             f"least 1, got {self.balance_ratio} and {self.uninsured_months}")


@dataclass(frozen=True)
class Warning:
    """A warning that holds now: its level, cause, period and evidence in words."""

    level: Level
    cause: Cause
    period: str
    evidence: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.cause.value, self.period)


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} yuan"


def _run_start(months: Iterable[date], holds: set[date]) -> tuple[date, list[date]] | None:
    """The latest month and the run of consecutive months up to it that all hold, oldest first;
    None when the latest month does not hold."""
    ordered = sorted(set(months))
    if not ordered or ordered[-1] not in holds:
        return None
    run = [ordered[-1]]
    while previous_month(run[0]) in holds:
        run.insert(0, previous_month(run[0]))
    return ordered[-1], run


def special_account_short(payroll: tuple[AccountMonth, ...], ratio: Decimal) -> Warning | None:
    """Yellow: a month's balance below the previous month's payable wages × ratio, reaching the
    latest month; a month without the previous month's payroll cannot be judged."""
    by_month: dict[date, list[AccountMonth]] = defaultdict(list)
    for row in payroll:
        by_month[row.month].append(row)

    def short(month: date) -> bool:
        before = by_month.get(previous_month(month))
        if not before:
            return False
        balance = sum((r.balance for r in by_month[month]), Decimal(0))
        return balance < sum((r.wages_payable for r in before), Decimal(0)) * ratio

    found = _run_start(by_month, {m for m in by_month if short(m)})
    if found is None:
        return None
    latest, run = found
    before = previous_month(latest)
    balance = sum((r.balance for r in by_month[latest]), Decimal(0))
    payable = sum((r.wages_payable for r in by_month[before]), Decimal(0))
    evidence = [
        f"special-account balance at the end of {month_label(latest)}: {_yuan(balance)} "
        f"(accounts {', '.join(sorted(r.account for r in by_month[latest]))})",
        f"payable wages of {month_label(before)}: {_yuan(payable)} × {ratio} = "
        f"{_yuan(payable * ratio)}",
        f"short since {month_label(run[0])}",
        "payroll batches " + ", ".join(sorted({r.batch_id for m in (latest, before)
                                               for r in by_month[m]})),
    ]
    return Warning(Level.YELLOW, Cause.SPECIAL_ACCOUNT_SHORT, month_label(run[0]), tuple(evidence))


def uninsured(insurance: tuple[InsuranceMonth, ...], months: int) -> Warning | None:
    """Orange: employees > insured in `months` consecutive months, reaching the latest month."""
    by_month = {row.month: row for row in insurance}
    found = _run_start(by_month, {m for m, r in by_month.items() if r.employees > r.insured})
    if found is None or len(found[1]) < months:
        return None
    run = found[1]
    evidence = [f"{month_label(m)}: {by_month[m].employees - by_month[m].insured} of "
                f"{by_month[m].employees} employees uninsured (batch {by_month[m].batch_id})"
                for m in run]
    return Warning(Level.ORANGE, Cause.UNINSURED_TWO_MONTHS, month_label(run[months - 1]),
                   tuple(evidence))


def judgment_debtor(entry: DebtorEntry) -> Warning | None:
    """Red: the entry is open. A removal (`removed_on`) ends it whatever its date: the news of it
    is what re-evaluates the employer, so the warning never waits for a day to come."""
    if entry.removed_on is not None:
        return None
    return Warning(Level.RED, Cause.JUDGMENT_DEBTOR, entry.court_case_number, (
        f"judgment debtor of {entry.court}, case {entry.court_case_number}, "
        f"{_yuan(entry.amount)}, listed on {entry.listed_on.isoformat()} "
        f"(batch {entry.batch_id})",))


def evaluate(data: SharedData, policy: Policy) -> list[Warning]:
    """R-CRD-3: every warning the employer's shared data shows now."""
    found = [special_account_short(data.payroll, policy.balance_ratio),
             uninsured(data.insurance, policy.uninsured_months),
             *(judgment_debtor(entry) for entry in data.debtors)]
    return [w for w in found if w is not None]


CLEARED_BECAUSE = {
    Cause.SPECIAL_ACCOUNT_SHORT: "cause ended: the special-account balance covers the payable "
                                 "wages again",
    Cause.UNINSURED_TWO_MONTHS: "cause ended: every employee insured in the latest month",
    Cause.JUDGMENT_DEBTOR: "cause ended: no longer on the judgment-debtor list",
}


def ended(open_keys: Iterable[tuple[str, str]], holding: list[Warning]) -> list[tuple[str, str]]:
    """The open warnings (cause, period) whose cause no longer holds."""
    now = {w.key for w in holding}
    return [key for key in open_keys if key not in now]
