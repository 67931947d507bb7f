"""Fax, WeChat mini-program and DingTalk government edition (R-DLV-2): not integrated.

Each needs the province's gateway: its endpoint, credentials, message format and the receipt it
returns (fax transmission record, read receipt), and a recipient address that
`cases.document.issued.v1` does not carry yet (fax number, WeChat openid, DingTalk user id). Until
then these adapters refuse, with that reason, instead of pretending a document was served: the
delivery plan skips them and a delivery with no usable channel fails at once, telling staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from notify.channels.base import ChannelUnusable, DeliveryRefused, HandedOver, Letter, Pending
from notify.delivery.rules import ChannelName, Receipt, Refusal


@dataclass(frozen=True)
class NotIntegrated:
    """A channel whose gateway is not integrated: every use is refused with `reason`."""

    name: ChannelName
    reason: str

    def check_address(self, address: str) -> str:
        raise ChannelUnusable(self.reason)

    async def deliver(self, letter: Letter) -> Receipt | HandedOver:
        raise DeliveryRefused(None, self.reason, transient=False)

    async def follow_up(self, pending: Pending) -> Receipt | Refusal | None:
        return None


FAX = NotIntegrated(
    ChannelName.FAX,
    "fax gateway (传真) not integrated: needs the province's fax gateway endpoint and the "
    "recipient's fax number")
WECHAT = NotIntegrated(
    ChannelName.WECHAT,
    "WeChat mini-program (微信小程序) not integrated: needs the province's mini-program "
    "message gateway and the recipient's openid")
DINGTALK = NotIntegrated(
    ChannelName.DINGTALK,
    "DingTalk government edition (政务钉钉) not integrated: needs the province's gateway "
    "endpoint and the recipient's DingTalk id")
