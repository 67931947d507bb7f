"""The adapter interface every delivery channel implements (R-DLV-2).

A channel hands a letter over and answers one of two ways:
- `Receipt`: the far end's answer is itself the proof of service (e-mail: the relay's reply to
  DATA, the system receipt of R-DLV-3);
- `HandedOver`: the far end took the letter and the proof comes later under `reference`: the
  WeChat read receipt (a signed callback), the DingTalk send result (`follow_up` polls it), the
  fax transmission record (a delivery status notification mailed back).
A hand-over that failed raises `DeliveryRefused`; `transient` says whether the same channel may
succeed later (busy line, rate limit) or will not serve this recipient (invalid openid, refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ChannelName(StrEnum):
    """R-DLV-2: the ways a document may be served electronically."""

    EMAIL = "email"
    FAX = "fax"
    WECHAT = "wechat"
    DINGTALK = "dingtalk"


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
    document_sha256: str | None = None  # the hash of what the party was shown, when the far end says


@dataclass(frozen=True)
class Refusal:
    """A failed hand-over: the far end's reply code when it gave one, and what went wrong."""

    channel: ChannelName
    address: str
    reply_code: int | None
    reply_text: str
    transient: bool = True  # False: this channel will not serve this address (skip it from now)



@dataclass(frozen=True)
class Letter:
    """What a channel hands over: the stored document, its recipient and the delivery's identity.

    `reference` is unique per hand-over: a channel whose proof comes back later may use it to
    match that proof (the fax DSN's envelope id, the WeChat mini-program page's parameter)."""

    delivery_id: str
    message_id: str
    reference: str
    document_id: str
    case_id: str
    kind: str
    title: str
    content_type: str
    content: bytes
    sha256: str
    verify_url: str
    recipient_name: str
    address: str


@dataclass(frozen=True)
class HandedOver:
    """The far end took the letter; its proof of service will come under `reference`."""

    channel: ChannelName
    address: str
    reference: str
    reply_code: int | None
    reply_text: str
    at: datetime


@dataclass(frozen=True)
class Pending:
    """A hand-over waiting for its proof, as `follow_up` sees it."""

    channel: ChannelName
    address: str
    reference: str
    handed_over_at: datetime


class ChannelUnusable(Exception):
    """This channel cannot serve this address at all (malformed, gateway not configured)."""


class DeliveryRefused(Exception):
    """A hand-over failed; `reply_code` is the far end's code when it answered one; `transient`:
    the same channel may take it on a later round (busy, rate limited, far end down)."""

    def __init__(self, reply_code: int | None, reply_text: str, *, transient: bool = True) -> None:
        super().__init__(f"{reply_code} {reply_text}" if reply_code is not None else reply_text)
        self.reply_code = reply_code
        self.reply_text = reply_text
        self.transient = transient


class ProofRejected(Exception):
    """A proof that contradicts its hand-over: another document's hash, another recipient."""


class Channel(Protocol):
    @property
    def name(self) -> ChannelName: ...

    def check_address(self, address: str) -> str:
        """The address in the form this channel sends to; raises `ChannelUnusable` with the
        reason when it cannot be used (or the channel is not configured)."""

    async def deliver(self, letter: Letter) -> Receipt | HandedOver:
        """Hand the letter over; raises `DeliveryRefused` when it was not taken. Must never claim
        a hand-over it did not see."""

    async def follow_up(self, pending: Pending) -> Receipt | Refusal | None:
        """Ask the far end what became of a hand-over: its proof, its failure, or None while
        neither is known (a channel whose proof arrives by callback always answers None)."""

    async def aclose(self) -> None:
        """Release what the adapter holds (its HTTP client) when the service stops."""


class ProofSink(Protocol):
    """Where proof arriving by callback goes (the delivery use cases implement it)."""

    async def proven(self, channel: ChannelName, reference: str, receipt: Receipt) -> bool:
        """Record the proof of the hand-over `reference`; False when no hand-over waits for it;
        raises `ProofRejected` when the proof is about another document or recipient."""

    async def refused(self, channel: ChannelName, reference: str, refusal: Refusal) -> bool:
        """Record that the hand-over `reference` failed after all (`refusal.transient` as for
        `DeliveryRefused`); False when no hand-over waits for it."""
