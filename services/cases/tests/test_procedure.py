"""The procedure after registration on the case file alone, in memory: every path of the walk
and the rules' edges, no database, no broker (milliseconds)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cases.casefile.base import (
    COURT_ENFORCEMENT,
    HEARING_DUE,
    NOTICE_PERIOD,
    PAYMENT_DUE,
    PENALTY_REVIEW,
    PUBLICATION_DUE,
    RECTIFICATION_DUE,
    REGISTRATION_REVIEW,
    Actor,
    CaseComplaint,
    Desk,
    Payment,
)
from cases.casefile.memory import MemoryCaseFiles
from cases.casefile.model import CaseFile
from cases.lifecycle.rules import CaseState, IllegalTransition
from cases.penalty.rules import SeparationOfDuties
from cases.settings import CasesSettings
from labor_contracts.cases import (
    CaseClosed,
    CourtEnforcementApplied,
    FineOverdue,
    PenaltyDecided,
    RectificationLapsed,
)
from labor_contracts.common import DocumentKind, EmployerRef
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.problems import Problem

from .conftest import complaint

CASE = "case-1"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BUREAU_TZ)  # a Monday
OFFICER = Actor("officer-a", "officer_a")
REVIEWER = Actor("reviewer-b", "reviewer_b")
CHIEF = Actor("chief", "detachment_chief")
EXECUTOR = Actor("executor-c", "executor_c")
BRIGADE = Actor("brigade-chief", "brigade_chief")
NOTIFY = Actor.service("notify")
PARTY = EmployerRef(name="某某建筑工程有限公司", credit_code="91350100M000100Y43",
                    legal_representative="李四", email="legal@example-builder.cn",
                    address="某市某区某路1号")


def registered_case() -> CaseFile:
    return CaseFile(
        id=CASE, state=CaseState.REGISTERED, district="d1", employer_name=PARTY.name,
        employer_credit_code=PARTY.credit_code, employer_address=PARTY.address, worker_count=6,
        arrears_amount=Decimal("120000"), summary="拖欠六名劳动者工资", case_number="某劳监立〔2026〕0001",
        registered_at=T0, complaints=[CaseComplaint("complaint-1", "window", T0)],
        evidence_ids={"evidence-1"})


@pytest.fixture
def files() -> MemoryCaseFiles:
    store = MemoryCaseFiles(CasesSettings())
    store.add(registered_case())
    return store


async def act(files: MemoryCaseFiles, now: datetime, command: Callable[[CaseFile, Desk], Any],
              case_id: str = CASE) -> Any:
    """One command: load, call, save."""
    case_file = await files.get(case_id)
    result = command(case_file, files.desk(now))
    if inspect.isawaitable(result):
        result = await result
    await files.save(case_file)
    return result


async def state(files: MemoryCaseFiles) -> CaseState:
    return (await files.get(CASE)).state


def propose(fine: str = "30000", *, stop_production: bool = False,
            by: Actor = OFFICER) -> Callable[[CaseFile, Desk], Any]:
    return lambda f, d: f.propose(
        d, by, violation="拖欠工资", legal_basis="《保障农民工工资支付条例》第五十七条",
        fine_amount=Decimal(fine), measures=["责令于十五日内支付拖欠的劳动者工资"],
        stop_production=stop_production, party=PARTY)


def approve(by: Actor = REVIEWER) -> Callable[[CaseFile, Desk], Any]:
    return lambda f, d: f.review(d, by, approve=True, reason="事实清楚")


def served(kind: str, at: datetime) -> Callable[[CaseFile, Desk], Any]:
    """notify proved the service of the case's latest document of `kind`."""
    def command(f: CaseFile, d: Desk) -> None:
        document_id = next(ref.id for ref in reversed(f.documents.values())
                           if ref.number.startswith(_PREFIX[kind]))
        react = f.notice_served if kind == DocumentKind.PENALTY_NOTICE else f.decision_served
        react(d, NOTIFY, document_id=document_id, channel="email", served_at=at)
    return command


_PREFIX = {DocumentKind.PENALTY_NOTICE: "某劳监告", DocumentKind.PENALTY_DECISION: "某劳监罚"}


def decide(by: Actor = CHIEF) -> Callable[[CaseFile, Desk], Any]:
    return lambda f, d: f.decide(d, by)


def pay(reference: str, amount: str, paid_on: date) -> Callable[[CaseFile, Desk], Any]:
    return lambda f, d: f.record_payment(d, EXECUTOR, Payment(
        reference=reference, decision_number=f.decision.decision_number, amount=Decimal(amount),
        paid_on=paid_on, payer=PARTY.name, imported_by=EXECUTOR.subject, imported_at=d.now))


def published(at: datetime) -> Callable[[CaseFile, Desk], Any]:
    return lambda f, d: f.published(d, Actor.service("publish"), disclosure_id="disclosure-1",
                                    category="penalty", published_at=at)


async def decided_case(files: MemoryCaseFiles, fine: str = "30000") -> datetime:
    """Propose, approve, serve the notice, decide after its period; returns the decision time."""
    await act(files, T0, propose(fine))
    await act(files, T0 + timedelta(hours=1), approve())
    await act(files, T0 + timedelta(hours=2), served(DocumentKind.PENALTY_NOTICE, T0 + timedelta(hours=2)))
    decided_at = T0 + timedelta(days=4)
    await act(files, decided_at, decide())
    return decided_at


async def test_the_penalty_walk_from_registration_to_closing_runs_on_the_case_file_alone(files):
    await act(files, T0, propose("30000"))
    assert await state(files) == CaseState.INVESTIGATING
    proposal = (await files.get(CASE)).proposals[0]
    assert proposal.notice_required  # R-CASE-5: 30,000 ≥ 20,000
    assert files.deadlines[PENALTY_REVIEW, proposal.id].due_at == T0 + timedelta(hours=2)

    await act(files, T0 + timedelta(hours=1), approve())
    assert files.deadlines[PENALTY_REVIEW, proposal.id].state == "met"
    [notice] = files.clerk.filed
    assert (notice.kind, notice.number, notice.serve, notice.signer) == (
        DocumentKind.PENALTY_NOTICE, "某劳监告〔2026〕0001", True, REVIEWER)

    served_at = T0 + timedelta(hours=2)
    await act(files, served_at, served(DocumentKind.PENALTY_NOTICE, served_at))
    assert await state(files) == CaseState.NOTICE_SERVED
    assert files.deadlines[NOTICE_PERIOD, CASE].due_at == served_at + timedelta(days=3)

    with pytest.raises(Problem) as early:
        await act(files, served_at + timedelta(days=2), decide())
    assert early.value.code == "notice-period-running"
    assert early.value.extra["decision_allowed_from"] == (served_at + timedelta(days=3)).isoformat()

    decided_at = served_at + timedelta(days=3)
    decision = await act(files, decided_at, decide())
    assert await state(files) == CaseState.DECIDED
    assert files.deadlines[NOTICE_PERIOD, CASE].state == "met"
    assert decision.publish_by == date(2026, 3, 12)  # R-CASE-8: within 7 days
    assert files.deadlines[PUBLICATION_DUE, CASE].due_at == datetime(2026, 3, 13, tzinfo=BUREAU_TZ)
    [decided] = [e for e in files.events if isinstance(e, PenaltyDecided)]
    assert (decided.decision_number, decided.fine_amount) == ("某劳监罚〔2026〕0001", Decimal("30000"))
    decision_draft, repair_draft = files.clerk.filed[-2:]
    assert "某劳监告〔2026〕0001" in "".join(decision_draft.paragraphs)  # it cites the notice
    # R-CASE-6: the credit-repair notice goes out with the decision, signed by the same chief
    assert (repair_draft.kind, repair_draft.number, repair_draft.serve, repair_draft.signer) == (
        DocumentKind.CREDIT_REPAIR_NOTICE, "某劳监信修〔2026〕0001", True, CHIEF)

    decision_served = decided_at + timedelta(hours=1)
    await act(files, decision_served, served(DocumentKind.PENALTY_DECISION, decision_served))
    assert await state(files) == CaseState.EXECUTING
    assert files.deadlines[PAYMENT_DUE, CASE].due_at == decision_served + timedelta(days=15)

    await act(files, decided_at + timedelta(days=2), published(decided_at + timedelta(days=2)))
    assert await state(files) == CaseState.PUBLISHED
    assert files.deadlines[PUBLICATION_DUE, CASE].state == "met"

    with pytest.raises(Problem) as unpaid:
        await act(files, decided_at + timedelta(days=3),
                  lambda f, d: f.close(d, BRIGADE, reason="结案"))
    assert unpaid.value.code == "cannot-close"

    balance = await act(files, decided_at + timedelta(days=5),
                        pay("bank-1", "30000", date(2026, 3, 14)))
    assert balance.paid_in_full and balance.outstanding == 0
    assert files.deadlines[PAYMENT_DUE, CASE].state == "met"

    await act(files, decided_at + timedelta(days=6), lambda f, d: f.close(d, BRIGADE, reason="结案"))
    assert await state(files) == CaseState.CLOSED
    [closed] = [e for e in files.events if isinstance(e, CaseClosed)]
    assert (closed.outcome, closed.complaint_ids) == ("penalty", ["complaint-1"])
    assert [s.to_state for s in files.timeline] == [
        "investigating", "investigating", "notice_served", "decided", "executing", "published",
        "published", "closed"]
    assert [a.action for a in files.audit] == [
        "penalty.propose", "penalty.review.approve", "penalty.decision.sign", "payment.record",
        "case.close"]


async def test_r_case_5_a_fine_below_the_threshold_is_decided_without_a_notice(files):
    await act(files, T0, propose("19999.99"))
    await act(files, T0, approve())
    assert files.clerk.filed == []  # no notice
    await act(files, T0 + timedelta(minutes=5), decide())
    assert await state(files) == CaseState.DECIDED


async def test_r_case_5_an_order_to_stop_production_needs_the_notice_whatever_the_fine(files):
    await act(files, T0, propose("0", stop_production=True))
    await act(files, T0, approve())
    with pytest.raises(Problem) as refused:
        await act(files, T0 + timedelta(days=10), decide())
    assert refused.value.code == "notice-not-served"


async def test_r_case_5_a_requested_hearing_is_held_before_the_decision_which_cites_its_record(files):
    await act(files, T0, propose())
    await act(files, T0, approve())
    served_at = T0 + timedelta(hours=1)
    await act(files, served_at, served(DocumentKind.PENALTY_NOTICE, served_at))
    with pytest.raises(Problem) as future:
        await act(files, served_at, lambda f, d: f.request_hearing(
            d, OFFICER, requested_at=served_at + timedelta(hours=1), note=""))
    assert future.value.code == "requested-in-future"
    with pytest.raises(Problem) as late:
        await act(files, served_at + timedelta(days=4), lambda f, d: f.request_hearing(
            d, OFFICER, requested_at=None, note=""))
    assert late.value.code == "hearing-request-late"

    requested = served_at + timedelta(days=1)
    hearing = await act(files, requested, lambda f, d: f.request_hearing(
        d, OFFICER, requested_at=None, note="当事人申请听证"))
    assert await state(files) == CaseState.HEARING
    assert hearing.hold_by == requested + timedelta(days=7)
    assert files.deadlines[HEARING_DUE, CASE].due_at == hearing.hold_by

    with pytest.raises(Problem) as not_held:
        await act(files, requested + timedelta(days=4), decide())
    assert not_held.value.code == "hearing-not-held"

    with pytest.raises(Problem) as impossible:
        await act(files, requested + timedelta(days=2), lambda f, d: f.record_hearing(
            d, OFFICER, held_at=requested - timedelta(hours=1), presiding="王五",
            participants=["李四"], record="听证记录"))
    assert impossible.value.code == "held-at-out-of-range"
    await act(files, requested + timedelta(days=2), lambda f, d: f.record_hearing(
        d, OFFICER, held_at=requested + timedelta(days=2), presiding="王五", participants=["李四"],
        record="听证记录"))
    assert files.deadlines[HEARING_DUE, CASE].state == "met"
    record = files.clerk.filed[-1]
    assert (record.kind, record.form is not None, record.signer) == ("hearing_record", True, OFFICER)
    with pytest.raises(Problem) as again:
        await act(files, requested + timedelta(days=2), lambda f, d: f.record_hearing(
            d, OFFICER, held_at=requested + timedelta(days=2), presiding="王五",
            participants=["李四"], record="听证记录"))
    assert again.value.code == "hearing-recorded"

    await act(files, requested + timedelta(days=3), decide())
    assert await state(files) == CaseState.DECIDED
    assert (await files.get(CASE)).decision.hearing_id == hearing.id
    decision_draft = next(d for d in files.clerk.filed if d.kind == DocumentKind.PENALTY_DECISION)
    assert record.number in "".join(decision_draft.paragraphs)


async def test_r_org_2_the_proposer_neither_reviews_nor_signs_the_decision(files):
    await act(files, T0, propose("100"))
    with pytest.raises(SeparationOfDuties):
        await act(files, T0, approve(by=Actor(OFFICER.subject, "reviewer_b")))
    await act(files, T0, approve())
    with pytest.raises(SeparationOfDuties):
        await act(files, T0, decide(by=Actor(OFFICER.subject, "detachment_chief")))


async def test_a_case_has_one_live_proposal_and_a_new_one_may_follow_a_rejection(files):
    await act(files, T0, propose())
    with pytest.raises(Problem) as live:
        await act(files, T0, propose())
    assert live.value.code == "proposal-proposed"
    await act(files, T0, lambda f, d: f.review(d, REVIEWER, approve=False, reason="证据不足"))
    await act(files, T0 + timedelta(days=1), propose("25000"))
    assert [p.status for p in (await files.get(CASE)).proposals] == ["rejected", "proposed"]
    with pytest.raises(Problem) as nothing:
        await act(files, T0, decide())
    assert nothing.value.code == "no-approved-proposal"


async def test_r_case_7_unpaid_a_reminder_then_court_enforcement_then_closing_once_paid_with_surcharge(
        files):
    decided_at = await decided_case(files, fine="30000")
    served_at = decided_at + timedelta(hours=1)
    await act(files, served_at, served(DocumentKind.PENALTY_DECISION, served_at))
    due = served_at + timedelta(days=15)

    with pytest.raises(Problem) as no_reminder:
        await act(files, due, lambda f, d: f.apply_for_court_enforcement(
            d, EXECUTOR, reason="申请", signed=True))
    assert no_reminder.value.code == "no-reminder"

    await act(files, due, lambda f, d: f.payment_overdue(d, actor=Actor.service("cases"), due_at=due))
    reminder = files.clerk.filed[-1]
    assert (reminder.kind, reminder.serve) == (DocumentKind.REMINDER, True)
    assert files.timeline[-1].action == "issue_reminder" and "in time" in files.timeline[-1].reason
    assert files.deadlines[COURT_ENFORCEMENT, CASE].due_at == due + timedelta(days=30)

    await act(files, due + timedelta(days=30),
              lambda f, d: f.court_enforcement_overdue(d, Actor.service("cases")))
    assert await state(files) == CaseState.COURT_ENFORCEMENT
    application = files.clerk.filed[-1]
    assert (application.kind, application.signer, application.addressee) == (
        "court_enforcement_application", None, CasesSettings().enforcement_court)
    assert files.deadlines[COURT_ENFORCEMENT, CASE].state == "met"

    await act(files, due + timedelta(days=31), published(due + timedelta(days=31)))
    assert await state(files) == CaseState.PUBLISHED
    # R-CASE-6: 3% of the fine a day after the due date, running until fine and surcharge are paid
    balance = await act(files, due + timedelta(days=32),
                        pay("bank-1", "30000", (due + timedelta(days=10)).date()))
    assert (balance.surcharge, balance.outstanding, balance.paid_in_full) == (
        Decimal("28800.00"), Decimal("28800.00"), False)
    with pytest.raises(Problem) as owed:
        await act(files, due + timedelta(days=32), lambda f, d: f.close(d, BRIGADE, reason="结案"))
    assert owed.value.code == "cannot-close"
    balance = await act(files, due + timedelta(days=33),
                        pay("bank-2", "29700", (due + timedelta(days=33)).date()))
    assert balance.paid_in_full and balance.surcharge == Decimal("29700.00")
    await act(files, due + timedelta(days=34), lambda f, d: f.close(d, BRIGADE, reason="执行完毕"))
    assert await state(files) == CaseState.CLOSED


async def test_r_case_6_the_surcharge_is_capped_at_the_fine(files):
    decided_at = await decided_case(files)
    await act(files, decided_at, served(DocumentKind.PENALTY_DECISION, decided_at))
    balance = await act(files, decided_at + timedelta(days=200),
                        pay("bank-1", "1", (decided_at + timedelta(days=200)).date()))
    assert (balance.surcharge, balance.outstanding) == (Decimal("30000.00"), Decimal("59999.00"))


async def test_paying_in_full_before_the_due_date_meets_it_and_nothing_is_enforced(files):
    decided_at = await decided_case(files)
    await act(files, decided_at, served(DocumentKind.PENALTY_DECISION, decided_at))
    await act(files, decided_at, pay("bank-1", "30000", decided_at.date()))
    assert files.deadlines[PAYMENT_DUE, CASE].state == "met"
    due = decided_at + timedelta(days=15)
    await act(files, due, lambda f, d: f.payment_overdue(d, actor=Actor.service("cases"), due_at=due))
    assert (COURT_ENFORCEMENT, CASE) not in files.deadlines  # no reminder, no court
    with pytest.raises(Problem) as paid:
        await act(files, due, lambda f, d: f.apply_for_court_enforcement(
            d, EXECUTOR, reason="申请", signed=True))
    assert paid.value.code == "paid-in-full"


async def test_a_result_published_before_the_decision_is_served_moves_on_at_service(files):
    decided_at = await decided_case(files)
    assert await act(files, decided_at, published(decided_at)) is True
    assert await state(files) == CaseState.DECIDED  # nothing to publish from `decided`
    assert await act(files, decided_at, published(decided_at)) is False  # once only
    await act(files, decided_at + timedelta(hours=1),
              served(DocumentKind.PENALTY_DECISION, decided_at + timedelta(hours=1)))
    assert await state(files) == CaseState.PUBLISHED
    assert files.timeline[-1].reason.startswith("result already public since")


async def test_the_rectified_path_and_who_may_close_it(files):
    order = await act(files, T0, lambda f, d: f.order_rectification(
        d, OFFICER, items=["补发工资"], wages_to_pay=Decimal("120000"), within_days=None))
    assert order.due_at == T0 + timedelta(days=15)  # the default term
    assert files.deadlines[RECTIFICATION_DUE, CASE].due_at == order.due_at
    with pytest.raises(Problem) as running:
        await act(files, T0, lambda f, d: f.order_rectification(
            d, OFFICER, items=["补发工资"], wages_to_pay=None, within_days=5))
    assert running.value.code == "rectification-refused"
    with pytest.raises(Problem) as unknown:
        await act(files, T0 + timedelta(days=3), lambda f, d: f.record_compliance(
            d, OFFICER, evidence_ids=["evidence-9"], note="已补发"))
    assert unknown.value.code == "compliance-refused"
    await act(files, T0 + timedelta(days=3), lambda f, d: f.record_compliance(
        d, OFFICER, evidence_ids=["evidence-1"], note="已补发"))
    assert await state(files) == CaseState.RECTIFIED
    assert files.deadlines[RECTIFICATION_DUE, CASE].state == "met"
    with pytest.raises(Problem) as same_person:
        await act(files, T0 + timedelta(days=4),
                  lambda f, d: f.close(d, Actor(OFFICER.subject, "brigade_chief"), reason="已整改"))
    assert (same_person.value.status, same_person.value.code) == (403, "separation-of-duties")
    await act(files, T0 + timedelta(days=4), lambda f, d: f.close(d, BRIGADE, reason="已整改"))
    [closed] = [e for e in files.events if isinstance(e, CaseClosed)]
    assert closed.outcome == "rectified"


async def test_r_case_6_the_credit_repair_notice_states_the_settings_period_and_conditions():
    files = MemoryCaseFiles(CasesSettings(credit_repair_min_publicity_years=2,
                                          credit_repair_public_notice_days=10))
    files.add(registered_case())
    await act(files, T0, propose("5000"))
    await act(files, T0, approve())
    decision = await act(files, T0 + timedelta(minutes=5), decide())
    [decision_draft, repair] = files.clerk.filed
    assert decision_draft.kind == DocumentKind.PENALTY_DECISION
    assert (repair.kind, repair.title, repair.recipient, repair.purpose) == (
        DocumentKind.CREDIT_REPAIR_NOTICE, "信用修复告知书", PARTY, "credit_repair_notice")
    text = "".join(repair.paragraphs)
    assert f"《行政处罚决定书》（{decision.decision_number}）" in text
    assert "最短公示期为2年" in text and "已公示满2年" in text and "网站公示10日" in text
    for condition in ("已全额缴纳罚款", "已改正违法行为", "作出书面信用承诺"):
        assert condition in text
    assert "大队初审、支队复审" in text  # R-CRD-5: applies → reviews → public notice
    assert repair.number in files.timeline[-1].reason


async def test_r_dlv_1_the_order_to_rectify_is_served_and_its_service_keeps_the_printed_term(files):
    order = await act(files, T0, lambda f, d: f.order_rectification(
        d, OFFICER, items=["补发工资"], wages_to_pay=None, within_days=5))
    [draft] = files.clerk.filed
    assert (draft.kind, draft.serve, draft.signer) == ("rectification_order", True, OFFICER)
    served_at = T0 + timedelta(days=2)
    await act(files, served_at + timedelta(minutes=1), lambda f, d: f.order_served(
        d, NOTIFY, document_id=order.document_id, channel="wechat", served_at=served_at))
    case_file = await files.get(CASE)
    assert case_file.documents[order.document_id].served_at == served_at
    assert case_file.orders[0].due_at == order.due_at == T0 + timedelta(days=5)
    assert files.deadlines[RECTIFICATION_DUE, CASE].due_at == order.due_at
    assert case_file.state == CaseState.INVESTIGATING
    note = files.timeline[-1]
    assert note.action == "rectification_order_served" and note.from_state == note.to_state
    assert "term stays as printed" in note.reason


async def test_a_missed_rectification_term_lapses_once_and_a_penalty_may_follow(files):
    order = await act(files, T0, lambda f, d: f.order_rectification(
        d, OFFICER, items=["补发工资"], wages_to_pay=None, within_days=5))
    lapse = lambda f, d: f.rectification_lapsed(d, Actor.service("cases"), due_at=order.due_at)  # noqa: E731
    assert await act(files, order.due_at, lapse) is True
    assert await act(files, order.due_at, lapse) is False
    assert files.timeline[-1].action == "rectification_lapsed"
    assert (await files.get(CASE)).orders[0].status == "lapsed"
    await act(files, order.due_at, propose())
    assert await state(files) == CaseState.INVESTIGATING


async def test_an_order_to_rectify_does_not_run_alongside_a_penalty_proposal(files):
    await act(files, T0, propose())
    with pytest.raises(Problem) as refused:
        await act(files, T0, lambda f, d: f.order_rectification(
            d, OFFICER, items=["补发工资"], wages_to_pay=None, within_days=None))
    assert refused.value.code == "rectification-refused"


@pytest.mark.parametrize("command", [
    decide(), lambda f, d: f.close(d, BRIGADE, reason="结案"),
    lambda f, d: f.request_hearing(d, OFFICER, requested_at=None, note=""),
    lambda f, d: f.record_compliance(d, OFFICER, evidence_ids=[], note=""),
])
async def test_r_case_1_a_command_the_state_does_not_allow_is_refused_and_changes_nothing(files, command):
    with pytest.raises(IllegalTransition):
        await act(files, T0, command)
    assert await state(files) == CaseState.REGISTERED
    assert files.timeline == [] and files.audit == [] and files.clerk.filed == []


def form_fields() -> dict[str, Any]:
    return dict(facts="拖欠工资", employer={"name": PARTY.name},
                workers=[{"reference": "工人甲", "amount": "8000.00"}], amount=Decimal("8000"))


@pytest.fixture
def pending() -> MemoryCaseFiles:
    store = MemoryCaseFiles(CasesSettings())
    case_file = registered_case()
    case_file.state, case_file.case_number, case_file.registered_at = (
        CaseState.REGISTRATION_PENDING, None, None)
    store.add(case_file)
    return store


async def test_r_case_2_form_review_and_signature_register_the_case_with_its_number(pending):
    files = pending
    with pytest.raises(Problem) as unreviewed:
        await act(files, T0, lambda f, d: f.register(d, BRIGADE, reason="立案"))
    assert unreviewed.value.code == "registration-not-reviewed"
    form = await act(files, T0, lambda f, d: f.submit_registration_form(d, OFFICER, **form_fields()))
    assert files.deadlines["cases.registration_review", form.id].due_at == T0 + timedelta(hours=2)
    with pytest.raises(Problem) as live:
        await act(files, T0, lambda f, d: f.submit_registration_form(d, OFFICER, **form_fields()))
    assert live.value.code == "registration-form-live"
    with pytest.raises(SeparationOfDuties):  # R-ORG-2: A does not review their own form
        await act(files, T0, lambda f, d: f.review_registration_form(
            d, Actor(OFFICER.subject, "reviewer_b"), approve=True, reason="同意"))
    await act(files, T0 + timedelta(hours=1), lambda f, d: f.review_registration_form(
        d, REVIEWER, approve=True, reason="同意"))
    assert files.deadlines["cases.registration_review", form.id].state == "met"
    with pytest.raises(SeparationOfDuties):  # nor does B sign the registration it reviewed
        await act(files, T0, lambda f, d: f.register(d, Actor(REVIEWER.subject, "brigade_chief"),
                                                     reason="立案"))
    await act(files, T0 + timedelta(hours=2), lambda f, d: f.register(d, BRIGADE, reason="立案"))
    registered = await files.get(CASE)
    assert (registered.state, registered.case_number) == (CaseState.REGISTERED, "某劳监立〔2026〕0001")
    assert [purpose for _, _, purpose in files.clerk.signatures] == [
        "submit", "legal_review", "register"]
    assert [a.action for a in files.audit] == [
        "registration.submit", "registration.review.approve", "case.register"]


async def test_r_case_2_a_rejected_form_makes_way_for_a_new_one_and_a_refusal_tells_the_worker(pending):
    files = pending
    await act(files, T0, lambda f, d: f.submit_registration_form(d, OFFICER, **form_fields()))
    await act(files, T0, lambda f, d: f.review_registration_form(
        d, REVIEWER, approve=False, reason="事实不清"))
    with pytest.raises(Problem) as nothing:
        await act(files, T0, lambda f, d: f.review_registration_form(
            d, REVIEWER, approve=True, reason="同意"))
    assert nothing.value.code == "no-form-to-review"
    second = await act(files, T0, lambda f, d: f.submit_registration_form(d, OFFICER, **form_fields()))
    await act(files, T0, lambda f, d: f.refuse_registration(d, BRIGADE, reason="不属于监察范围"))
    assert await state(files) == CaseState.NOT_REGISTERED
    assert files.deadlines["cases.registration_review", second.id].state == "cancelled"
    assert [f.status for f in (await files.get(CASE)).forms] == ["rejected", "refused"]
    [told] = files.events
    assert (told.event_type, told.reason) == ("cases.case.not_registered.v1", "不属于监察范围")
    await act(files, T0, lambda f, d: f.close(d, BRIGADE, reason="不予立案"))
    assert files.events[-1].outcome == "not_registered"


INTAKE = Actor.service("intake")


async def opened(files: MemoryCaseFiles, **figures: Any) -> CaseFile:
    """A case opened from one accepted complaint, as cases' consumer does it."""
    case_file = CaseFile.open(files.desk(T0), INTAKE, complaint(employer_id="emp-1", **figures), None)
    await files.save(case_file)
    return await files.get(case_file.id)


@pytest.mark.parametrize(("figures", "registered"), [
    ({"worker_count": 5, "arrears": "1000.00"}, True),  # R-CASE-3: 5 workers
    ({"worker_count": 4, "arrears": "100000.00"}, True),  # R-CASE-3: 100,000 yuan
    ({"worker_count": 1, "arrears": "10.00", "suspected_crime": True}, True),
    ({"worker_count": 1, "arrears": "10.00", "mass_incident": True}, True),
    ({"worker_count": 4, "arrears": "99999.99"}, False),
])
async def test_r_case_3_a_case_opens_registered_at_once_or_awaiting_its_form(figures, registered):
    files = MemoryCaseFiles(CasesSettings())
    case_file = await opened(files, **figures)
    assert case_file.state == (CaseState.REGISTERED if registered else CaseState.REGISTRATION_PENDING)
    assert [(s.action, s.from_state, s.to_state) for s in files.timeline] == [
        ("open", None, "received"),
        ("register", "received", "registered") if registered else
        ("await_registration", "received", "registration_pending")]
    assert [e.event_type for e in files.events] == (["cases.case.registered.v1"] if registered else [])
    assert (case_file.case_number is not None) == registered


async def test_r_int_6_joining_complaints_add_up_and_register_the_case_on_the_totals():
    files = MemoryCaseFiles(CasesSettings())
    case_file = await opened(files, worker_count=2, arrears="4000.00")
    form = await act(files, T0, lambda f, d: f.submit_registration_form(
        d, OFFICER, **form_fields()), case_file.id)
    await act(files, T0, lambda f, d: f.join(d, INTAKE, complaint(
        employer_id="emp-1", worker_count=2, arrears="4000.00")), case_file.id)
    assert (await files.get(case_file.id)).state == CaseState.REGISTRATION_PENDING  # 4 workers
    third = complaint(employer_id="emp-1", worker_count=1, arrears="1000.00")
    await act(files, T0, lambda f, d: f.join(d, INTAKE, third), case_file.id)
    joined = await files.get(case_file.id)
    assert (joined.state, joined.worker_count, joined.arrears_amount) == (
        CaseState.REGISTERED, 5, Decimal("9000.00"))
    assert joined.forms[0].status == "superseded"  # the form is moot once registered at once
    assert files.deadlines[REGISTRATION_REVIEW, form.id].state == "cancelled"
    [registered] = files.events
    assert registered.complaint_ids == joined.complaint_ids and len(joined.complaint_ids) == 3
    # a later complaint joins the registered case and intake is told its number at once
    fourth = complaint(employer_id="emp-1", worker_count=1, arrears="1000.00")
    await act(files, T0, lambda f, d: f.join(d, INTAKE, fourth), case_file.id)
    told = files.events[-1]
    assert (told.case_number, told.complaint_ids) == (joined.case_number, [fourth.complaint_id])


async def test_r_int_6_a_complaint_joining_a_case_registered_in_the_same_transaction_is_named_at_commit():
    files = MemoryCaseFiles(CasesSettings())
    case_file = CaseFile.open(files.desk(T0), INTAKE, complaint(employer_id="emp-1"), None)
    assert case_file.state == CaseState.REGISTERED and case_file.case_number is None
    case_file.join(files.desk(T0), INTAKE, complaint(employer_id="emp-1"))
    assert not [r for r in case_file.records if type(r).__name__ == "Announced"]
    await files.save(case_file)
    [registered] = files.events  # numbered at commit: one event naming both complaints
    assert len(registered.complaint_ids) == 2


async def test_working_days_count_the_deadlines_the_settings_name():
    files = MemoryCaseFiles(CasesSettings(working_day_deadlines=["notice_period"]))
    files.add(registered_case())
    await act(files, T0, propose())
    await act(files, T0, approve())
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=BUREAU_TZ)
    await act(files, friday, served(DocumentKind.PENALTY_NOTICE, friday))
    # three working days from Friday: Wednesday (the weekend does not count)
    assert files.deadlines[NOTICE_PERIOD, CASE].due_at == datetime(2026, 3, 11, 10, 0, tzinfo=BUREAU_TZ)


# What credit's grade hears from the procedure (R-CRD-2) ---------------------------------------------

async def test_r_crd_2_a_lapsed_order_announces_the_wages_still_owed_once(files):
    order = await act(files, T0, lambda f, d: f.order_rectification(
        d, OFFICER, items=["补发工资"], wages_to_pay=None, within_days=5))
    lapse = lambda f, d: f.rectification_lapsed(d, Actor.service("cases"), due_at=order.due_at)  # noqa: E731
    await act(files, order.due_at, lapse)
    await act(files, order.due_at, lapse)
    [lapsed] = [e for e in files.events if isinstance(e, RectificationLapsed)]
    assert (lapsed.case_id, lapsed.employer.credit_code, lapsed.items) == (
        CASE, PARTY.credit_code, ["补发工资"])
    assert lapsed.arrears_outstanding == Decimal("120000")  # the case's figure: the order named none
    assert (lapsed.due_at, lapsed.lapsed_at, lapsed.district) == (order.due_at, order.due_at, "d1")


async def test_r_crd_2_an_order_naming_the_wages_announces_those(files):
    order = await act(files, T0, lambda f, d: f.order_rectification(
        d, OFFICER, items=["补发工资"], wages_to_pay=Decimal("80000"), within_days=5))
    await act(files, order.due_at, lambda f, d: f.rectification_lapsed(
        d, Actor.service("cases"), due_at=order.due_at))
    [lapsed] = [e for e in files.events if isinstance(e, RectificationLapsed)]
    assert lapsed.arrears_outstanding == Decimal("80000")


async def test_r_crd_2_the_reminder_announces_the_overdue_fine_and_court_enforcement_follows(files):
    decided_at = await decided_case(files, fine="30000")
    await act(files, decided_at, served(DocumentKind.PENALTY_DECISION, decided_at))
    due = decided_at + timedelta(days=15)
    overdue = lambda f, d: f.payment_overdue(d, actor=Actor.service("cases"), due_at=due)  # noqa: E731
    await act(files, due, overdue)
    await act(files, due, overdue)  # the reminder is issued once, and announced once
    [fine] = [e for e in files.events if isinstance(e, FineOverdue)]
    assert (fine.decision_number, fine.outstanding, fine.due_at) == (
        "某劳监罚〔2026〕0001", Decimal("30000.00"), due)
    assert fine.employer == EmployerRef(name=PARTY.name, credit_code=PARTY.credit_code,
                                        address=PARTY.address)  # no contact details
    await act(files, due + timedelta(days=30), lambda f, d: f.apply_for_court_enforcement(
        d, EXECUTOR, reason="拒不履行处罚决定", signed=True))
    [court] = [e for e in files.events if isinstance(e, CourtEnforcementApplied)]
    assert (court.decision_id, court.employer.credit_code, court.reason) == (
        fine.decision_id, PARTY.credit_code, "拒不履行处罚决定")
    assert court.outstanding > fine.outstanding  # the surcharge ran meanwhile (R-CASE-6)


async def test_r_crd_2_closing_names_the_employer_and_the_workers_satisfaction(files):
    await act(files, T0, lambda f, d: f.order_rectification(
        d, OFFICER, items=["补发工资"], wages_to_pay=None, within_days=None))
    await act(files, T0 + timedelta(days=3), lambda f, d: f.record_compliance(
        d, OFFICER, evidence_ids=["evidence-1"], note="已补发"))
    await act(files, T0 + timedelta(days=4), lambda f, d: f.close(
        d, BRIGADE, reason="已整改", worker_satisfaction="dissatisfied"))
    [closed] = [e for e in files.events if isinstance(e, CaseClosed)]
    assert (closed.employer.credit_code, closed.worker_satisfaction) == (
        PARTY.credit_code, "dissatisfied")
