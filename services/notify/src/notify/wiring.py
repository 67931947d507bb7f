"""The service's channels, and the loop that runs the fax DSN listener with the service."""

from __future__ import annotations

from labor_runtime.clock import Clock
from labor_runtime.workers import Loop

from notify.channels.base import Channel, ChannelName, ProofSink
from notify.channels.dingtalk import DingTalkChannel
from notify.channels.email import SmtpEmailChannel
from notify.channels.fax import FaxChannel, FaxDsnListener
from notify.channels.wechat import WechatMiniProgramChannel
from notify.settings import NotifySettings


def build_channels(settings: NotifySettings, clock: Clock) -> dict[ChannelName, Channel]:
    """Every channel by name; each document kind's delivery plan picks from them. A gateway
    whose settings are unset refuses every address, saying which setting is missing."""
    return {
        ChannelName.EMAIL: SmtpEmailChannel(settings, clock),
        ChannelName.FAX: FaxChannel(settings, clock),
        ChannelName.WECHAT: WechatMiniProgramChannel(settings, clock),
        ChannelName.DINGTALK: DingTalkChannel(settings, clock),
    }


class DsnListenerLoop(Loop):
    """Runs the fax DSN listener (an SMTP server) with the service: started on the first cycle,
    tried again at the poll while its port cannot be bound, closed when the service stops."""

    follows_clock = False

    def __init__(self, settings: NotifySettings, sink: ProofSink) -> None:
        super().__init__(poll_seconds=30)
        self.listener = FaxDsnListener(settings, sink)
        self.started = False

    async def cycle(self) -> float | None:
        if not self.started:
            await self.listener.start()
            self.started = True
        return None

    async def close(self) -> None:
        await self.listener.stop()
