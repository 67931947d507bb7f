"""Channel adapters (R-DLV-2): e-mail over SMTP for real; fax, WeChat and DingTalk refuse until
their provincial gateways are integrated."""

from __future__ import annotations

from labor_runtime.clock import Clock

from notify.channels.base import Channel, ChannelUnusable, DeliveryRefused, Letter
from notify.channels.email import SmtpEmailChannel
from notify.channels.gateways import DINGTALK, FAX, WECHAT
from notify.delivery.rules import ChannelName
from notify.settings import NotifySettings

__all__ = ["Channel", "ChannelUnusable", "DeliveryRefused", "Letter", "build_channels"]


def build_channels(settings: NotifySettings, clock: Clock) -> dict[ChannelName, Channel]:
    """Every channel by name; each document kind's delivery plan picks from them."""
    return {
        ChannelName.EMAIL: SmtpEmailChannel(settings, clock),
        ChannelName.FAX: FAX,
        ChannelName.WECHAT: WECHAT,
        ChannelName.DINGTALK: DINGTALK,
    }
