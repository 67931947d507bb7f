"""R-CRD-3 early-warning rules, pure: yellow, orange, red, their periods, evidence and ending."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from credit.early_warnings.rules import (
    AccountMonth,
    Cause,
    DebtorEntry,
    InsuranceMonth,
    Level,
    Policy,
    SharedData,
    ended,
    evaluate,
    previous_month,
)

POLICY = Policy(balance_ratio=Decimal("1.2"), uninsured_months=2)
OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


def account(month: date, balance: str, payable: str = "0", account: str = "6222-01",
            batch: str = "b-pay") -> AccountMonth:
    return AccountMonth(account, month, Decimal(balance), Decimal(payable), batch)


def insured(month: date, employees: int, insured: int) -> InsuranceMonth:
    return InsuranceMonth(month, employees, insured, f"b-ins-{month.month}")


def debtor(number: str = "(2026)闽0102执123号", removed_on: date | None = None) -> DebtorEntry:
    return DebtorEntry(number, "某区人民法院", Decimal("80000"), date(2026, 11, 20), removed_on,
                       "b-court")


def test_r_crd_3_yellow_when_balance_below_1_2_months_payable():
    # Nov payable 100,000 → the Dec balance must reach 120,000
    short = SharedData(payroll=(account(NOV, "500000", "100000"), account(DEC, "119999.99")))
    [warning] = evaluate(short, POLICY)
    assert (warning.level, warning.cause, warning.period) == (
        Level.YELLOW, Cause.SPECIAL_ACCOUNT_SHORT, "2026-12")
    assert "2026-12: 119,999.99 yuan (accounts 6222-01)" in warning.evidence[0]
    assert "payable wages of 2026-11: 100,000.00 yuan × 1.2 = 120,000.00" in warning.evidence[1]
    assert "b-pay" in warning.evidence[-1]


def test_r_crd_3_yellow_boundary_balance_equal_to_1_2_months_is_no_warning():
    enough = SharedData(payroll=(account(NOV, "0", "100000"), account(DEC, "120000")))
    assert evaluate(enough, POLICY) == []


def test_r_crd_3_yellow_adds_up_every_special_account():
    data = SharedData(payroll=(
        account(NOV, "0", "60000", "A"), account(NOV, "0", "40000", "B"),
        account(DEC, "70000", account="A"), account(DEC, "50000", account="B")))
    assert evaluate(data, POLICY) == []  # 120,000 against 100,000 × 1.2
    data = SharedData(payroll=data.payroll[:3])  # account B's December is missing
    [warning] = evaluate(data, POLICY)
    assert "accounts A" in warning.evidence[0]


def test_r_crd_3_yellow_needs_the_previous_months_payroll():
    assert evaluate(SharedData(payroll=(account(DEC, "1", "100000"),)), POLICY) == []


def test_r_crd_3_yellow_keeps_its_period_while_the_account_stays_short():
    data = SharedData(payroll=(account(OCT, "0", "100000"), account(NOV, "1000", "100000"),
                               account(DEC, "1000")))
    [warning] = evaluate(data, POLICY)
    assert warning.period == "2026-11"  # one warning for the run, from its first month
    assert "short since 2026-11" in warning.evidence


def test_r_crd_3_orange_when_uninsured_two_consecutive_months():
    data = SharedData(insurance=(insured(OCT, 10, 10), insured(NOV, 10, 9), insured(DEC, 10, 8)))
    [warning] = evaluate(data, POLICY)
    assert (warning.level, warning.period) == (Level.ORANGE, "2026-12")  # the later month
    assert warning.evidence == ("2026-11: 1 of 10 employees uninsured (batch b-ins-11)",
                                "2026-12: 2 of 10 employees uninsured (batch b-ins-12)")


def test_r_crd_3_orange_boundary_one_month_or_a_gap_is_no_warning():
    one = SharedData(insurance=(insured(NOV, 10, 10), insured(DEC, 10, 9)))
    gap = SharedData(insurance=(insured(OCT, 10, 9), insured(DEC, 10, 9)))
    ended_run = SharedData(insurance=(insured(OCT, 10, 9), insured(NOV, 10, 9),
                                      insured(DEC, 10, 10)))
    assert evaluate(one, POLICY) == []
    assert evaluate(gap, POLICY) == []
    assert evaluate(ended_run, POLICY) == []


def test_r_crd_3_orange_period_stays_the_second_month_of_the_run():
    data = SharedData(insurance=(insured(OCT, 5, 4), insured(NOV, 5, 4), insured(DEC, 5, 4)))
    [warning] = evaluate(data, POLICY)
    assert warning.period == "2026-11" and len(warning.evidence) == 3


def test_r_crd_3_red_when_on_the_judgment_debtor_list():
    [warning] = evaluate(SharedData(debtors=(debtor(),)), POLICY)
    assert (warning.level, warning.period) == (Level.RED, "(2026)闽0102执123号")
    assert "listed on 2026-11-20 (batch b-court)" in warning.evidence[0]


def test_r_crd_3_red_ends_with_the_removal_from_the_list():
    assert evaluate(SharedData(debtors=(debtor(removed_on=date(2026, 12, 3)),)), POLICY) == []


def test_r_crd_3_a_warning_ends_when_its_cause_and_period_no_longer_hold():
    holding = evaluate(SharedData(debtors=(debtor("A"),)), POLICY)
    assert ended([("judgment_debtor", "A"), ("judgment_debtor", "B")], holding) == [
        ("judgment_debtor", "B")]


def test_r_crd_3_thresholds_are_policy():
    data = SharedData(payroll=(account(NOV, "0", "100000"), account(DEC, "110000")),
                      insurance=(insured(DEC, 3, 2),))
    assert {w.level for w in evaluate(data, Policy(Decimal("1.0"), 1))} == {Level.ORANGE}
    with pytest.raises(ValueError):
        Policy(Decimal(0), 2)


def test_previous_month_crosses_the_year():
    assert previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
