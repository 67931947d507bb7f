"""Pure rules of cases: no I/O, milliseconds each."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from cases.documents import rules as documents
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction as A
from cases.lifecycle.rules import CaseState as S
from cases.lifecycle.rules import IllegalTransition, RegistrationThresholds
from cases.penalty import rules as penalty
from cases.settings import CasesSettings
from labor_runtime.clock import Calendar

CAL = Calendar()
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def walk(*actions: A, start: S = S.RECEIVED) -> S:
    state = start
    for action in actions:
        state = lifecycle.apply(state, action)
    return state


# R-CASE-1 -----------------------------------------------------------------------------------


def test_r_case_1_full_path_with_notice_hearing_and_court_enforcement():
    assert walk(A.AWAIT_REGISTRATION, A.REGISTER, A.START_INVESTIGATION, A.SERVE_NOTICE,
                A.REQUEST_HEARING, A.DECIDE, A.SERVE_DECISION, A.APPLY_COURT_ENFORCEMENT,
                A.PUBLISH, A.CLOSE) == S.CLOSED


def test_r_case_1_short_path_without_notice():
    assert walk(A.REGISTER, A.PROPOSE_PENALTY, A.REVIEW_PENALTY, A.DECIDE, A.SERVE_DECISION,
                A.PUBLISH, A.CLOSE) == S.CLOSED


def test_r_case_1_not_registered_and_rectified_paths():
    assert walk(A.AWAIT_REGISTRATION, A.REFUSE_REGISTRATION, A.CLOSE) == S.CLOSED
    assert walk(A.REGISTER, A.ORDER_RECTIFICATION, A.RECORD_RECTIFICATION, A.CLOSE) == S.CLOSED


def test_r_case_1_published_before_court_enforcement_can_still_close():
    assert walk(A.REGISTER, A.START_INVESTIGATION, A.DECIDE, A.SERVE_DECISION, A.PUBLISH,
                A.ISSUE_REMINDER, A.APPLY_COURT_ENFORCEMENT, A.RECORD_PAYMENT, A.CLOSE) == S.CLOSED


# The whole R-CASE-1 table, written out independently of the implementation: state -> the actions
# it allows and where each leads (same state = the action records a step without moving).
LEGAL: dict[S, dict[A, S]] = {
    S.RECEIVED: {A.AWAIT_REGISTRATION: S.REGISTRATION_PENDING, A.REGISTER: S.REGISTERED,
                 A.REFUSE_REGISTRATION: S.NOT_REGISTERED},
    S.REGISTRATION_PENDING: {A.REGISTER: S.REGISTERED, A.REFUSE_REGISTRATION: S.NOT_REGISTERED},
    S.REGISTERED: {A.START_INVESTIGATION: S.INVESTIGATING, A.PROPOSE_PENALTY: S.INVESTIGATING,
                   A.ORDER_RECTIFICATION: S.INVESTIGATING},
    S.NOT_REGISTERED: {A.CLOSE: S.CLOSED},
    S.INVESTIGATING: {A.PROPOSE_PENALTY: S.INVESTIGATING, A.REVIEW_PENALTY: S.INVESTIGATING,
                      A.ORDER_RECTIFICATION: S.INVESTIGATING, A.RECORD_RECTIFICATION: S.RECTIFIED,
                      A.SERVE_NOTICE: S.NOTICE_SERVED, A.DECIDE: S.DECIDED},
    S.RECTIFIED: {A.CLOSE: S.CLOSED},
    S.NOTICE_SERVED: {A.REQUEST_HEARING: S.HEARING, A.DECIDE: S.DECIDED},
    S.HEARING: {A.RECORD_HEARING: S.HEARING, A.DECIDE: S.DECIDED},
    S.DECIDED: {A.SERVE_DECISION: S.EXECUTING, A.RECORD_PAYMENT: S.DECIDED},
    S.EXECUTING: {A.RECORD_PAYMENT: S.EXECUTING, A.ISSUE_REMINDER: S.EXECUTING,
                  A.APPLY_COURT_ENFORCEMENT: S.COURT_ENFORCEMENT, A.PUBLISH: S.PUBLISHED},
    S.COURT_ENFORCEMENT: {A.RECORD_PAYMENT: S.COURT_ENFORCEMENT, A.PUBLISH: S.PUBLISHED,
                          A.CLOSE: S.CLOSED},
    S.PUBLISHED: {A.RECORD_PAYMENT: S.PUBLISHED, A.ISSUE_REMINDER: S.PUBLISHED,
                  A.APPLY_COURT_ENFORCEMENT: S.COURT_ENFORCEMENT, A.CLOSE: S.CLOSED},
    S.CLOSED: {},
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(A))
def test_r_case_1_every_legal_and_illegal_transition(state: S, action: A):
    expected = LEGAL[state].get(action)
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            lifecycle.apply(state, action)
        assert refused.value.allowed == [a for a in A if a in LEGAL[state]]
    else:
        assert lifecycle.apply(state, action) == expected


def test_r_case_1_in_state_actions_keep_the_state():
    assert lifecycle.apply(S.INVESTIGATING, A.REVIEW_PENALTY) == S.INVESTIGATING
    assert lifecycle.apply(S.INVESTIGATING, A.PROPOSE_PENALTY) == S.INVESTIGATING
    assert lifecycle.apply(S.REGISTERED, A.PROPOSE_PENALTY) == S.INVESTIGATING


def test_r_case_1_illegal_transition_names_state_and_allowed_actions():
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.apply(S.REGISTRATION_PENDING, A.DECIDE)
    message = str(refused.value)
    assert "registration_pending" in message and "decide" in message
    assert refused.value.allowed == [A.REGISTER, A.REFUSE_REGISTRATION]
    assert "register, refuse_registration" in message


def test_r_case_1_a_closed_case_allows_nothing():
    assert lifecycle.allowed_actions(S.CLOSED) == []
    with pytest.raises(IllegalTransition, match="none"):
        lifecycle.apply(S.CLOSED, A.PUBLISH)


def test_r_case_1_cannot_decide_twice_or_publish_before_execution():
    for state, action in ((S.DECIDED, A.DECIDE), (S.DECIDED, A.PUBLISH),
                          (S.REGISTERED, A.SERVE_NOTICE), (S.RECEIVED, A.START_INVESTIGATION)):
        assert not lifecycle.can(state, action)


def test_r_case_1_every_state_is_reachable():
    reachable = {S.RECEIVED}
    frontier = [S.RECEIVED]
    while frontier:
        state = frontier.pop()
        for action in lifecycle.allowed_actions(state):
            target = lifecycle.apply(state, action)
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(S)


# R-CASE-3 -----------------------------------------------------------------------------------

THRESHOLDS = RegistrationThresholds(workers=5, amount=Decimal("100000"))


def grounds(workers: int = 1, amount: str = "1000", crime: bool = False, mass: bool = False) -> list[str]:
    return lifecycle.immediate_registration_grounds(
        worker_count=workers, arrears_amount=Decimal(amount), suspected_crime=crime,
        mass_incident=mass, thresholds=THRESHOLDS)


def test_r_case_3_five_workers_register_at_once():
    assert grounds(workers=5) == ["arrears affect 5 workers (≥ 5)"]
    assert grounds(workers=4) == []


def test_r_case_3_one_hundred_thousand_yuan_register_at_once():
    assert len(grounds(amount="100000.00")) == 1
    assert grounds(amount="99999.99") == []


def test_r_case_3_suspected_crime_or_mass_incident_register_at_once():
    assert "拒不支付劳动报酬罪" in grounds(crime=True)[0]
    assert "群体性事件" in grounds(mass=True)[0]


def test_r_case_3_every_ground_is_named():
    assert len(grounds(workers=30, amount="2000000", crime=True, mass=True)) == 4


def test_case_number_format():
    assert lifecycle.document_number("某劳监立", 2026, 1) == "某劳监立〔2026〕0001"
    assert lifecycle.document_number("某劳监立", 2026, 12345) == "某劳监立〔2026〕12345"
    with pytest.raises(ValueError):
        lifecycle.document_number("x", 2026, 0)


# R-CASE-5 -----------------------------------------------------------------------------------


def test_r_case_5_fine_of_twenty_thousand_needs_notice():
    threshold = Decimal("20000")
    assert penalty.needs_notice(fine_amount=Decimal("20000.00"), stop_production=False,
                                threshold=threshold)
    assert not penalty.needs_notice(fine_amount=Decimal("19999.99"), stop_production=False,
                                    threshold=threshold)


def test_r_case_5_stop_production_order_needs_notice_whatever_the_fine():
    assert penalty.needs_notice(fine_amount=Decimal(0), stop_production=True,
                                threshold=Decimal("20000"))


def test_r_case_5_decision_refused_until_notice_served_and_period_over():
    def refusal(served: datetime | None, now: datetime, required: bool = True):
        return penalty.decision_refusal(notice_required=required, notice_served_at=served, now=now,
                                        period_days=3, calendar=CAL, working=False)

    assert refusal(None, T0).code == "notice-not-served"
    early = refusal(T0, T0 + timedelta(days=3) - timedelta(seconds=1))
    assert early.code == "notice-period-running"
    assert early.allowed_from == T0 + timedelta(days=3)
    assert refusal(T0, T0 + timedelta(days=3)) is None
    assert refusal(None, T0, required=False) is None


# R-CASE-6 -----------------------------------------------------------------------------------


def test_r_case_6_payment_due_fifteen_days_from_proven_service():
    served = datetime(2026, 3, 9, 7, 30, tzinfo=UTC)
    assert penalty.payment_due_at(served, days=15, calendar=CAL,
                                  working=False) == served + timedelta(days=15)


@pytest.mark.parametrize(("paid_on", "expected"), [
    (date(2026, 3, 24), "0.00"),     # on the due date: nothing
    (date(2026, 3, 20), "0.00"),     # early
    (date(2026, 3, 25), "900.00"),   # 1 day late: 3% of 30000
    (date(2026, 4, 3), "9000.00"),   # 10 days late: 30%
    (date(2026, 4, 26), "29700.00"),  # 33 days late = 99%: just under the cap
    (date(2026, 4, 27), "30000.00"),  # 34 days late = 102%: capped at the fine
    (date(2027, 1, 1), "30000.00"),  # never more than the fine
])
def test_r_case_6_late_surcharge_three_percent_a_day_capped_at_the_fine(paid_on, expected):
    surcharge = penalty.late_surcharge(Decimal("30000"), due_on=date(2026, 3, 24), paid_on=paid_on,
                                       daily_rate=CasesSettings().late_surcharge_daily_rate)
    assert surcharge == Decimal(expected)


def test_r_case_6_late_surcharge_rounds_to_the_fen():
    assert penalty.late_surcharge(Decimal("333.33"), due_on=date(2026, 1, 1), paid_on=date(2026, 1, 2),
                                  daily_rate=Decimal("0.03")) == Decimal("10.00")


# R-CASE-8 -----------------------------------------------------------------------------------


def test_r_case_8_publish_within_seven_days_of_the_local_decision_date():
    late_evening_utc = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 01:00 on 3 March in Shanghai
    assert penalty.publish_by(late_evening_utc, days=7, calendar=CAL, working=False) == date(2026, 3, 10)
    deadline = penalty.end_of_local_day(date(2026, 3, 10))
    assert deadline == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


# R-ORG-2 ------------------------------------------------------------------------------------


def test_r_org_2_nobody_approves_their_own_proposal():
    penalty.check_separation(submitted_by="officer-zhang", approver="reviewer-wang", what="review")
    with pytest.raises(penalty.SeparationOfDuties, match="R-ORG-2"):
        penalty.check_separation(submitted_by="officer-zhang", approver="officer-zhang",
                                 what="review")


# R-DLV-4 ------------------------------------------------------------------------------------


def test_r_dlv_4_verify_link_and_hash_comparison():
    assert documents.verify_url("https://x.gov.cn/", "d1") == "https://x.gov.cn/v1/documents/d1/verify"
    digest = documents.fingerprint(b"pdf")
    assert documents.hash_matches(digest, digest.upper())
    assert not documents.hash_matches(digest, documents.fingerprint(b"other"))
