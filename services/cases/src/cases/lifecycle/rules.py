"""Pure case-lifecycle rules: the state machine (R-CASE-1), immediate registration (R-CASE-3),
case numbers. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from cases.documents.rules import canonical_json


class CaseState(StrEnum):
    """Where a case (案件) stands in its lifecycle (R-CASE-1)."""

    RECEIVED = "received"
    REGISTRATION_PENDING = "registration_pending"
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    INVESTIGATING = "investigating"
    RECTIFIED = "rectified"
    NOTICE_SERVED = "notice_served"
    HEARING = "hearing"
    DECIDED = "decided"
    EXECUTING = "executing"
    COURT_ENFORCEMENT = "court_enforcement"
    PUBLISHED = "published"
    CLOSED = "closed"


class CaseAction(StrEnum):
    """What can happen to a case; each is allowed in some states only."""

    AWAIT_REGISTRATION = "await_registration"
    REGISTER = "register"
    REFUSE_REGISTRATION = "refuse_registration"
    START_INVESTIGATION = "start_investigation"
    PROPOSE_PENALTY = "propose_penalty"
    REVIEW_PENALTY = "review_penalty"
    ORDER_RECTIFICATION = "order_rectification"
    RECORD_RECTIFICATION = "record_rectification"
    SERVE_NOTICE = "serve_notice"
    REQUEST_HEARING = "request_hearing"
    RECORD_HEARING = "record_hearing"
    DECIDE = "decide"
    SERVE_DECISION = "serve_decision"
    RECORD_PAYMENT = "record_payment"
    ISSUE_REMINDER = "issue_reminder"
    APPLY_COURT_ENFORCEMENT = "apply_court_enforcement"
    PUBLISH = "publish"
    CLOSE = "close"


S = CaseState
A = CaseAction

# action -> (states it is allowed in, state it leads to; None = the state does not change)
TRANSITIONS: dict[CaseAction, tuple[frozenset[CaseState], CaseState | None]] = {
    A.AWAIT_REGISTRATION: (frozenset({S.RECEIVED}), S.REGISTRATION_PENDING),
    # R-CASE-3: an immediate registration goes straight from received to registered.
    A.REGISTER: (frozenset({S.RECEIVED, S.REGISTRATION_PENDING}), S.REGISTERED),
    A.REFUSE_REGISTRATION: (frozenset({S.RECEIVED, S.REGISTRATION_PENDING}), S.NOT_REGISTERED),
    A.START_INVESTIGATION: (frozenset({S.REGISTERED}), S.INVESTIGATING),
    # The findings of a penalty proposal are the investigation's result: proposing on a freshly
    # registered case opens the investigation; proposing again after a rejection changes nothing.
    A.PROPOSE_PENALTY: (frozenset({S.REGISTERED, S.INVESTIGATING}), S.INVESTIGATING),
    A.REVIEW_PENALTY: (frozenset({S.INVESTIGATING}), None),
    # The order to rectify within a time limit (限期整改指令) is an investigation step; the
    # employer's compliance ends the case without a penalty (the rectified path).
    A.ORDER_RECTIFICATION: (frozenset({S.REGISTERED, S.INVESTIGATING}), S.INVESTIGATING),
    A.RECORD_RECTIFICATION: (frozenset({S.INVESTIGATING}), S.RECTIFIED),
    A.SERVE_NOTICE: (frozenset({S.INVESTIGATING}), S.NOTICE_SERVED),
    A.REQUEST_HEARING: (frozenset({S.NOTICE_SERVED}), S.HEARING),
    # The hearing's record is stored and becomes a basis of the decision (R-CASE-5).
    A.RECORD_HEARING: (frozenset({S.HEARING}), None),
    # Deciding from `investigating` is for penalties that need no notice (R-CASE-5); the flow
    # checks the notice period before it asks the state machine.
    A.DECIDE: (frozenset({S.INVESTIGATING, S.NOTICE_SERVED, S.HEARING}), S.DECIDED),
    A.SERVE_DECISION: (frozenset({S.DECIDED}), S.EXECUTING),
    # Execution (R-CASE-6, R-CASE-7): payments and the reminder do not change the state.
    A.RECORD_PAYMENT: (frozenset({S.DECIDED, S.EXECUTING, S.COURT_ENFORCEMENT, S.PUBLISHED}), None),
    A.ISSUE_REMINDER: (frozenset({S.EXECUTING, S.PUBLISHED}), None),
    # Publication is due 7 days after the decision (R-CASE-8), usually before execution ends, so
    # court enforcement may follow publication as well as precede it.
    A.APPLY_COURT_ENFORCEMENT: (frozenset({S.EXECUTING, S.PUBLISHED}), S.COURT_ENFORCEMENT),
    A.PUBLISH: (frozenset({S.EXECUTING, S.COURT_ENFORCEMENT}), S.PUBLISHED),
    # A result published before the court was applied to stays published: the flow closes a case
    # in court enforcement once its publication and payment are recorded.
    A.CLOSE: (frozenset({S.PUBLISHED, S.COURT_ENFORCEMENT, S.RECTIFIED, S.NOT_REGISTERED}),
              S.CLOSED),
}

INITIAL_STATE = CaseState.RECEIVED

# R-INT-6: a complaint against the employer of a case in these states joins it (并案) instead of
# opening another case; later, the case's facts are fixed and a new complaint opens a new case.
JOINABLE_STATES = frozenset({S.RECEIVED, S.REGISTRATION_PENDING, S.REGISTERED, S.INVESTIGATING})


class IllegalTransition(Exception):
    """An action the case's current state does not allow (R-CASE-1)."""

    def __init__(self, state: CaseState, action: CaseAction) -> None:
        self.state = state
        self.action = action
        self.allowed = allowed_actions(state)
        allowed = ", ".join(self.allowed) or "none (the case is closed)"
        super().__init__(f"cannot {action} a case in state {state}; allowed actions: {allowed}")


def allowed_actions(state: CaseState) -> list[CaseAction]:
    """The actions the state allows, in lifecycle order."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


def can(state: CaseState, action: CaseAction) -> bool:
    return state in TRANSITIONS[action][0]


def apply(state: CaseState, action: CaseAction) -> CaseState:
    """The state after `action`; raises IllegalTransition naming the state and what it allows."""
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise IllegalTransition(state, action)
    return state if target is None else target


@dataclass(frozen=True)
class RegistrationThresholds:
    """R-CASE-3 thresholds (settings supply them)."""

    workers: int
    amount: Decimal


def figure_grounds(worker_count: int, arrears_amount: Decimal, *, workers: int,
                   amount: Decimal) -> list[str]:
    """The thresholds of workers and amount a case's figures reach (R-CASE-3, R-MAJ-1), worded."""
    grounds = []
    if worker_count >= workers:
        grounds.append(f"arrears affect {worker_count} workers (≥ {workers})")
    if arrears_amount >= amount:
        grounds.append(f"amount {arrears_amount} yuan (≥ {amount})")
    return grounds


def immediate_registration_grounds(
    *,
    worker_count: int,
    arrears_amount: Decimal,
    suspected_crime: bool,
    mass_incident: bool,
    thresholds: RegistrationThresholds,
) -> list[str]:
    """R-CASE-3: why the case is registered at once (立即立案); empty when it must wait."""
    grounds = figure_grounds(worker_count, arrears_amount, workers=thresholds.workers,
                             amount=thresholds.amount)
    if suspected_crime:
        grounds.append("suspected crime of refusing to pay labor remuneration (拒不支付劳动报酬罪)")
    if mass_incident:
        grounds.append("mass incident (群体性事件)")
    return grounds


def document_number(prefix: str, year: int, sequence: int) -> str:
    """Official numbering (文号), e.g. `某劳监立〔2026〕0001`: prefix, year, sequence in that year."""
    if sequence < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{prefix}〔{year}〕{sequence:04d}"


# R-CASE-2 registration approval (立案审批) ------------------------------------------------------


class RegistrationFormStatus(StrEnum):
    SUBMITTED = "submitted"  # A filled it; B's legal review is due within 2 hours
    APPROVED = "approved"  # B approved; the brigade chief e-signs the registration
    REJECTED = "rejected"  # B sent it back; A may submit a new one
    REGISTERED = "registered"  # the brigade chief signed: the case is registered
    REFUSED = "refused"  # the brigade chief refused: not registered, the worker is told why
    SUPERSEDED = "superseded"  # linked complaints made the case one to register at once (R-CASE-3)


def registration_form(*, case_id: str, number: str, facts: str, employer: dict[str, object],
                      workers: list[dict[str, object]], amount: Decimal, submitted_by: str,
                      submitted_at: str) -> dict[str, object]:
    """The registration form (立案审批表) as it is stored, hashed and signed."""
    return {
        "form": "立案审批表", "case_id": case_id, "number": number, "facts": facts,
        "employer": employer, "workers": workers, "amount": f"{amount:.2f}",
        "submitted_by": submitted_by, "submitted_at": submitted_at,
    }


def registration_form_bytes(*, case_id: str, number: str, facts: str, employer: dict[str, object],
                            workers: list[dict[str, object]], amount: Decimal, submitted_by: str,
                            submitted_at: str) -> bytes:
    """The registration form as the exact bytes that are hashed and signed: canonical JSON, so
    the same form always gives the same SHA-256."""
    return canonical_json(registration_form(
        case_id=case_id, number=number, facts=facts, employer=employer, workers=workers,
        amount=amount, submitted_by=submitted_by, submitted_at=submitted_at))


def registration_signers_refusal(*, submitted_by: str, reviewer: str | None,
                                 signer: str) -> str | None:
    """R-ORG-2 on registration: the B reviewer is never the A handler, and nobody approves their
    own submission; None when `signer` may act (`reviewer` None: `signer` is the reviewer)."""
    if signer == submitted_by:
        return (f"{signer} filled this registration form and may not approve it (R-ORG-2: "
                "separation of duties)")
    if reviewer is not None and signer == reviewer:
        return (f"{signer} already gave the legal review of this form and may not also sign the "
                "registration (R-ORG-2: separation of duties)")
    return None
