"""Unit tests of the pure rules added for registration (R-CASE-2, R-ORG-2), signatures, evidence
(R-CASE-4, R-OVS-1), hearing (R-CASE-5), payments (R-CASE-6) and execution (R-CASE-7). No I/O."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cases.evidence import rules as evidence
from cases.execution import rules as execution
from cases.lifecycle import rules as lifecycle
from cases.penalty import rules as penalty
from cases.signatures import rules as signatures
from labor_runtime.clock import Calendar

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
RATE = Decimal("0.03")

# R-CASE-2 / R-ORG-2 ------------------------------------------------------------------------------


def form(**changes) -> bytes:
    fields = dict(case_id="c1", number="某劳监立审〔2026〕0001", facts="拖欠工资",
                  employer={"name": "某公司"}, workers=[{"reference": "工人甲", "amount": "1.00"}],
                  amount=Decimal("8000"), submitted_by="a", submitted_at=T0.isoformat())
    fields.update(changes)
    return lifecycle.registration_form_bytes(**fields)  # type: ignore[arg-type]


def test_r_case_2_the_form_is_canonical_bytes():
    assert form() == form()
    assert b'"amount":"8000.00"' in form()
    assert form(facts="另一事实") != form()


def test_r_org_2_registration_signers_are_three_people():
    assert lifecycle.registration_signers_refusal(submitted_by="a", reviewer=None, signer="a")
    assert lifecycle.registration_signers_refusal(submitted_by="a", reviewer=None, signer="b") is None
    assert lifecycle.registration_signers_refusal(submitted_by="a", reviewer="b", signer="a")
    assert lifecycle.registration_signers_refusal(submitted_by="a", reviewer="b", signer="b")
    assert lifecycle.registration_signers_refusal(submitted_by="a", reviewer="b", signer="c") is None


def test_r_case_1_execution_actions_keep_the_state():
    S, A = lifecycle.CaseState, lifecycle.CaseAction
    assert lifecycle.apply(S.HEARING, A.RECORD_HEARING) == S.HEARING
    assert lifecycle.apply(S.EXECUTING, A.RECORD_PAYMENT) == S.EXECUTING
    assert lifecycle.apply(S.PUBLISHED, A.ISSUE_REMINDER) == S.PUBLISHED
    assert not lifecycle.can(S.NOTICE_SERVED, A.RECORD_HEARING)
    assert not lifecycle.can(S.CLOSED, A.RECORD_PAYMENT)


# Signatures --------------------------------------------------------------------------------------


def statement(content: bytes, **changes) -> signatures.Statement:
    base = signatures.Statement(document_id="d1", sha256=hashlib.sha256(content).hexdigest(),
                                signer="chief-zhao", role="detachment_chief", purpose="decision",
                                signed_at=T0)
    return replace(base, **changes)


def test_signature_binds_signer_to_the_document_hash():
    key = signatures.new_private_key()
    public = signatures.public_key_of(key)
    content = b"%PDF decision"
    signed = statement(content)
    signature = signatures.sign(key, signed)
    assert signatures.check(public_key=public, statement=signed, signature_b64=signature,
                            current_content=content).valid
    changed = signatures.check(public_key=public, statement=signed, signature_b64=signature,
                               current_content=content + b" ")
    assert changed.signature_valid and not changed.document_unchanged and not changed.valid
    assert not signatures.verify(public, statement(content, signer="someone-else"), signature)
    assert not signatures.verify(public, statement(content, purpose="submit"), signature)
    other = signatures.public_key_of(signatures.new_private_key())
    assert not signatures.verify(other, signed, signature)
    assert not signatures.verify(public, signed, "not base64!")
    assert len(signatures.key_id(public)) == 16


# Evidence ----------------------------------------------------------------------------------------


def chain(n: int) -> list[evidence.Stored]:
    rows, prev = [], evidence.GENESIS
    for i in range(1, n + 1):
        content = f"item {i}".encode()
        link = evidence.Link(id=f"e{i}", case_id="c1", position=i,
                             kind=evidence.EvidenceKind.PAYROLL, title=f"t{i}", description="",
                             content_type="text/plain",
                             content_sha256=evidence.content_hash(content), collected_by="a",
                             collected_at=T0 + timedelta(minutes=i), prev_hash=prev)
        prev = evidence.row_hash(link)
        rows.append(evidence.Stored(link, content, prev))
    return rows


def test_r_case_4_evidence_list_is_the_domain_list():
    assert {k.value for k in evidence.EvidenceKind} == {
        "labor_contract", "attendance_record", "payroll", "bank_statement",
        "social_insurance_record", "image_video", "interview_transcript"}


def test_r_ovs_1_intact_chain_has_no_findings():
    rows = chain(3)
    assert evidence.verify_chain(rows, [r.row_hash for r in rows]) == []


def test_r_ovs_1_each_row_hash_covers_the_previous_one():
    rows = chain(2)
    relinked = replace(rows[1].link, prev_hash="f" * 64)
    assert evidence.row_hash(relinked) != rows[1].row_hash


def test_r_ovs_1_altered_content_fields_and_deletions_are_found():
    rows = chain(4)
    anchors = [r.row_hash for r in rows]
    altered = [rows[0], replace(rows[1], content=b"forged"), rows[2], rows[3]]
    assert [f.position for f in evidence.verify_chain(altered, anchors)] == [2]
    retitled = [rows[0], replace(rows[1], link=replace(rows[1].link, title="x")), *rows[2:]]
    assert "fields altered" in evidence.verify_chain(retitled, anchors)[0].problem
    middle_gone = [rows[0], rows[2], rows[3]]
    problems = [f.problem for f in evidence.verify_chain(middle_gone, anchors)]
    assert any("missing" in p for p in problems) and any("chain broken" in p for p in problems)
    last_gone = rows[:3]
    assert [f.position for f in evidence.verify_chain(last_gone, anchors)] == [4]


# Hearing and execution ---------------------------------------------------------------------------


def test_r_case_5_hearing_within_seven_days_of_a_timely_request():
    assert penalty.hearing_hold_by(T0, days=7, calendar=Calendar(), working=False) == T0 + timedelta(days=7)
    ends = T0 + timedelta(days=3)
    assert penalty.hearing_request_refusal(notice_period_ends_at=ends, now=T0) is None
    assert penalty.hearing_request_refusal(notice_period_ends_at=ends, now=ends)
    assert penalty.hearing_request_refusal(notice_period_ends_at=None, now=T0)


def test_r_case_6_balance_counts_the_surcharge_until_paid_in_full():
    due = date(2026, 3, 20)
    on_time = execution.balance(fine=Decimal("5000"), due_on=due,
                                payments=[(due, Decimal("5000"))], on=date(2026, 5, 1),
                                daily_rate=RATE)
    assert on_time.paid_in_full and on_time.surcharge == 0 and on_time.outstanding == 0
    partial = execution.balance(fine=Decimal("5000"), due_on=due,
                                payments=[(due + timedelta(days=2), Decimal("5000"))],
                                on=due + timedelta(days=2), daily_rate=RATE)
    assert partial.surcharge == Decimal("300.00") and partial.outstanding == Decimal("300.00")
    settled = execution.balance(fine=Decimal("5000"), due_on=due,
                                payments=[(due + timedelta(days=2), Decimal("5000")),
                                          (due + timedelta(days=2), Decimal("300"))],
                                on=due + timedelta(days=60), daily_rate=RATE)
    assert settled.paid_in_full and settled.surcharge == Decimal("300.00")  # stops when paid


def test_r_case_6_surcharge_is_capped_at_the_fine():
    due = date(2026, 3, 20)
    unpaid = execution.balance(fine=Decimal("5000"), due_on=due, payments=[],
                               on=due + timedelta(days=100), daily_rate=RATE)
    assert unpaid.surcharge == Decimal("5000.00") and unpaid.outstanding == Decimal("10000.00")
    not_due = execution.balance(fine=Decimal("5000"), due_on=None, payments=[], on=due,
                                daily_rate=RATE)
    assert not_due.surcharge == 0


def test_r_case_7_reminder_and_court_deadlines_count_from_the_due_date():
    calendar = Calendar()
    assert execution.reminder_by(T0, days=3, calendar=calendar, working=False) == T0 + timedelta(days=3)
    assert execution.court_enforcement_by(T0, days=30, calendar=calendar,
                                          working=False) == T0 + timedelta(days=30)


def test_r_case_7_a_fined_case_closes_only_when_paid_in_full():
    assert execution.close_refusal(fine=Decimal("5000"), paid_in_full=False)
    assert execution.close_refusal(fine=Decimal("5000"), paid_in_full=True) is None
    assert execution.close_refusal(fine=None, paid_in_full=False) is None
    assert execution.close_refusal(fine=Decimal(0), paid_in_full=False) is None
