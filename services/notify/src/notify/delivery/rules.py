"""Pure delivery rules: the plan and its retry schedule, the proof of service and its chain
(R-DLV-2, R-DLV-3). The channels' own vocabulary (names, receipts, refusals) is in
`notify.channels.base`."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from notify.channels.base import Receipt, Refusal


class Fallback(StrEnum):
    """How a document is served when no electronic channel proved service (R-ORG: grid workers
    deliver documents; otherwise registered post with its return receipt)."""

    GRID_WORKER = "grid_worker"
    POST = "post"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # an electronic hand-over is due
    AWAITING_PROOF = "awaiting_proof"  # handed over; the read receipt / send result / DSN is due
    IN_PERSON = "in_person"  # electronic service failed: a grid worker or the post serves it
    SERVED = "served"
    FAILED = "failed"  # no way left at all (kept for deliveries opened before the fallback)


# Statuses the delivery worker leases: it hands over, or asks after a hand-over's proof.
WORKED = (DeliveryStatus.PENDING, DeliveryStatus.AWAITING_PROOF)


class AttemptOutcome(StrEnum):
    SERVED = "served"
    HANDED_OVER = "handed_over"  # taken by the far end; the proof comes later
    FAILED = "failed"
    NO_PROOF = "no_proof"  # handed over, but no proof came within the plan's wait


def next_step(plan: Sequence[str], start: int, dead: Collection[str]) -> int | None:
    """The index of the next channel of `plan` (channel names in order) to try from `start`,
    skipping those that will not serve this recipient; None when the round is over."""
    for index in range(max(start, 0), len(plan)):
        if plan[index] not in dead:
            return index
    return None


def proof_due(handed_over_at: datetime, wait_seconds: float) -> datetime:
    """Until when a hand-over's proof is awaited before the plan moves on."""
    return handed_over_at + timedelta(seconds=wait_seconds)


def next_look(now: datetime, due: datetime, poll_seconds: float | None) -> datetime:
    """When the worker looks at a hand-over again: at the next poll of a channel that is asked
    (DingTalk's send result), at the end of the wait for one whose proof is a callback."""
    if poll_seconds is None:
        return due
    return min(due, now + timedelta(seconds=poll_seconds))


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


@dataclass(frozen=True)
class Proven:
    """Proof of service as kept (送达凭证): by a channel, a grid worker in person, or the post."""

    channel: str  # a ChannelName, or a Fallback for service by hand
    address: str
    reference: str
    at: datetime
    reply_code: int | None
    reply_text: str
    summary: str
    evidence: bytes
    evidence_type: str

    @classmethod
    def by_channel(cls, receipt: Receipt) -> Proven:
        summary = proof_text(receipt)
        return cls(str(receipt.channel), receipt.address, receipt.reference, receipt.at,
                   receipt.reply_code, receipt.reply_text, summary,
                   receipt.evidence or summary.encode(),
                   receipt.evidence_type if receipt.evidence else "text/plain; charset=utf-8")


def refusal_text(refusal: Refusal) -> str:
    code = f"{refusal.reply_code} " if refusal.reply_code is not None else ""
    return f"{refusal.channel} to {refusal.address or '-'}: {code}{refusal.reply_text}"


CHAIN_GENESIS = "0" * 64


def chain_link(previous: str, *, proof_sha256: str, document_id: str, served_at: datetime) -> str:
    """The case's proof chain after one more proof: every proof of service of a case is linked to
    the one before, so a removed or altered proof breaks every later link."""
    canonical = "\n".join([previous, proof_sha256, document_id, served_at.isoformat()])
    return hashlib.sha256(canonical.encode()).hexdigest()


def fallback_reason(rounds: int, last_round: Sequence[Refusal], fallback: Fallback) -> str:
    """Why the document goes to a grid worker or the post, for staff and the event."""
    way = "a grid worker" if fallback == Fallback.GRID_WORKER else "registered post"
    detail = "; ".join(refusal_text(r) for r in last_round)
    if rounds == 0:
        return (f"no confirmed electronic address (送达地址确认书) for any planned channel: "
                f"to be served by {way}" + (f" ({detail})" if detail else ""))
    return (f"not served electronically after {rounds} round(s): to be served by {way}; last: "
            f"{detail or 'no attempt was possible'}")


def in_person_refusal(served_at: datetime, *, now: datetime, opened_at: datetime) -> str | None:
    """Why a proof of service in person or by post cannot be taken, or None."""
    if served_at > now + timedelta(minutes=5):
        return f"served_at {served_at.isoformat()} is in the future"
    if served_at < opened_at:
        return (f"served_at {served_at.isoformat()} is before the delivery was opened "
                f"({opened_at.isoformat()})")
    return None
