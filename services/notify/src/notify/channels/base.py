"""The adapter interface every delivery channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from labor_contracts.common import EmployerRef

from notify.delivery.rules import ChannelName, Receipt


@dataclass(frozen=True)
class Letter:
    """What a channel hands over: the stored document, its recipient and the delivery's identity."""

    delivery_id: str
    message_id: str
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


class ChannelUnusable(Exception):
    """This channel cannot serve this recipient at all (no address, gateway not integrated)."""


class DeliveryRefused(Exception):
    """A hand-over failed; `reply_code` is the far end's code when it answered one."""

    def __init__(self, reply_code: int | None, reply_text: str) -> None:
        super().__init__(f"{reply_code} {reply_text}" if reply_code is not None else reply_text)
        self.reply_code = reply_code
        self.reply_text = reply_text


class Channel(Protocol):
    @property
    def name(self) -> ChannelName: ...

    def address_for(self, recipient: EmployerRef) -> str:
        """The recipient's address on this channel; raises `ChannelUnusable` with the reason."""

    async def deliver(self, letter: Letter) -> Receipt:
        """Hand the letter over and return the far end's receipt (the proof of service, R-DLV-3);
        raises `DeliveryRefused` when it was not taken. Must never claim a hand-over it did not see."""
