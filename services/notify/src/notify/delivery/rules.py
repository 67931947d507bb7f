"""Pure delivery rules: channels (R-DLV-2), the retry schedule and the proof of service (R-DLV-3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ChannelName(StrEnum):
    """R-DLV-2: the ways a document may be served electronically."""

    EMAIL = "email"
    FAX = "fax"
    WECHAT = "wechat"
    DINGTALK = "dingtalk"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SERVED = "served"
    FAILED = "failed"


class AttemptOutcome(StrEnum):
    SERVED = "served"
    FAILED = "failed"


@dataclass(frozen=True)
class Receipt:
    """What a channel's far end answered when it took the document: the proof of service."""

    channel: ChannelName
    address: str
    reply_code: int | None
    reply_text: str
    reference: str  # e-mail: the Message-ID; fax: the envelope id; WeChat/DingTalk: the message
    at: datetime  # the proven moment of service: legal clocks start here (R-DLV-3)
    evidence: bytes = b""  # the artefact itself: the DSN, the signed read receipt, the send result
    evidence_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Refusal:
    """A failed hand-over: the far end's reply code when it gave one, and what went wrong."""

    channel: ChannelName
    address: str
    reply_code: int | None
    reply_text: str
    transient: bool = True  # False: this channel will not serve this address (skip it from now)


def next_round_due(rounds_failed: int, schedule: Sequence[float], failed_at: datetime) -> datetime | None:
    """When to try again after `rounds_failed` failed rounds; None once the schedule is spent."""
    if rounds_failed < 1:
        raise ValueError("at least one round must have failed")
    if rounds_failed > len(schedule):
        return None
    return failed_at + timedelta(seconds=schedule[rounds_failed - 1])


def proof_text(receipt: Receipt) -> str:
    """The system receipt (系统回执) as one line, the `proof` of notify.document.served.v1."""
    code = f"{receipt.reply_code} " if receipt.reply_code is not None else ""
    return (f"{receipt.channel} to {receipt.address} accepted at {receipt.at.isoformat()}: "
            f"{code}{receipt.reply_text}; reference {receipt.reference}")


def refusal_text(refusal: Refusal) -> str:
    code = f"{refusal.reply_code} " if refusal.reply_code is not None else ""
    return f"{refusal.channel} to {refusal.address or '-'}: {code}{refusal.reply_text}"


def failure_reason(rounds: int, last_round: Sequence[Refusal]) -> str:
    """Why delivery was given up, for staff who must now serve the document another way."""
    detail = "; ".join(refusal_text(r) for r in last_round) or "no attempt was possible"
    return f"not served after {rounds} round(s) of attempts; last: {detail}"
