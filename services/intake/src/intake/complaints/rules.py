"""Pure complaint rules: materials (R-INT-2), channels (R-INT-1), status (R-INT-8)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from enum import StrEnum


class Channel(StrEnum):
    """R-INT-1: how a complaint reached the bureau."""

    WINDOW = "window"
    HOTLINE_12333 = "hotline_12333"
    SUNSHINE_WAGE_PLATFORM = "sunshine_wage_platform"
    WECHAT_MINIPROGRAM = "wechat_miniprogram"
    PETITION_TRANSFER = "petition_transfer"


class ComplaintStatus(StrEnum):
    """What the worker sees when following the complaint (R-INT-8)."""

    AWAITING_MATERIALS = "awaiting_materials"  # R-INT-2: correction notice issued, not accepted yet
    RECEIVED = "received"
    ASSIGNED = "assigned"
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    CLOSED = "closed"


MATERIAL_LABELS = {
    "identity_proof": "worker's identity proof (身份证明)",
    "preliminary_evidence": "preliminary evidence of the arrears: payslip, chat record, attendance "
    "record or similar (初步证据)",
}

EVIDENCE_KINDS = frozenset({"payslip", "chat_record", "attendance_record", "labor_contract",
                            "bank_statement", "other"})


def provided_materials(*, has_identity: bool, evidence_kinds: Iterable[str]) -> set[str]:
    provided = {"identity_proof"} if has_identity else set()
    if any(kind in EVIDENCE_KINDS for kind in evidence_kinds):
        provided.add("preliminary_evidence")
    return provided


MATERIAL_KINDS = EVIDENCE_KINDS | {"identity_proof"}


def missing_materials(
    complaint_type: str, provided: set[str], requirements: Mapping[str, list[str]]
) -> list[str]:
    """Every missing item at once: the one-time correction notice (一次性补正告知书) lists them all."""
    return [item for item in requirements.get(complaint_type, []) if item not in provided]


def still_missing(missing: Iterable[str], uploaded_kinds: Iterable[str]) -> list[str]:
    """What an incomplete complaint lacks after the worker supplied `uploaded_kinds`."""
    kinds = list(uploaded_kinds)
    provided = provided_materials(has_identity="identity_proof" in kinds, evidence_kinds=kinds)
    return [item for item in missing if item not in provided]


def new_tracking_code() -> str:
    """Unguessable code the worker follows the complaint with (no account needed)."""
    return "TS-" + secrets.token_urlsafe(12)


CLOSING_OUTCOMES = {
    "not_registered": "not registered (不予立案)",
    "rectified": "the employer put it right (已整改)",
    "penalty": "penalty decided and executed (已处罚)",
}


def closing_reason(outcome: str, reason: str) -> str:
    """What the worker reads when their complaint is closed (R-INT-8): how it ended, and why."""
    ended = CLOSING_OUTCOMES.get(outcome, outcome)
    return f"closed: {ended}; {reason}" if reason else f"closed: {ended}"
