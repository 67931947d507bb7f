"""Notify settings: the e-mail relay, the delivery plans with their proof waits, retry schedule
and fallback (R-DLV-2/3), each gateway's settings (in its channel's class), and the filing
channels' notice endpoints for notices to the worker (R-INT-2, R-INT-3)."""

from __future__ import annotations

from typing import ClassVar

from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from labor_runtime.webhooks import secret_key
from pydantic import AnyHttpUrl, BaseModel, Field, PositiveFloat, SecretStr, model_validator

from notify.channels.base import ChannelName
from notify.channels.dingtalk import DingTalkSettings
from notify.channels.email import EmailSettings
from notify.channels.fax import FaxSettings
from notify.channels.wechat import WechatSettings
from notify.delivery.rules import Fallback
from notify.worker_notices.rules import FilingChannel

_SIGNING = ("Each POST carries Standard Webhooks 1.0 headers: `webhook-id` (the notice_id, the same "
            "on every retry), `webhook-timestamp` (Unix seconds) and `webhook-signature` "
            "(`v1,<base64 HMAC-SHA256 over \"{webhook-id}.{webhook-timestamp}.{body}\">`, keyed with "
            "the base64-decoded part of the channel's `whsec_` secret)")


class DeliveryPlan(BaseModel):
    """How one kind of document is served (R-DLV-2, R-DLV-3): the channels tried in order on the
    party's confirmed addresses, how long each hand-over's proof is awaited, and who serves it
    when no channel proved service."""

    channels: list[ChannelName] = Field(
        default_factory=lambda: [ChannelName.EMAIL, ChannelName.FAX, ChannelName.WECHAT,
                                 ChannelName.DINGTALK],
        description="channels in the order they are tried; one without a confirmed address "
        "(送达地址确认书) is skipped")
    proof_wait_seconds: dict[ChannelName, PositiveFloat] = Field(
        default_factory=lambda: {ChannelName.FAX: 3600.0, ChannelName.WECHAT: 259200.0,
                                 ChannelName.DINGTALK: 259200.0},
        description="how long a hand-over's proof is awaited before the next channel is tried: "
        "the fax DSN 1 hour, the WeChat read receipt and the DingTalk read 3 days (e-mail's "
        "receipt is immediate)")
    fallback: Fallback = Field(
        default=Fallback.GRID_WORKER,
        description="grid_worker: the employer's grid workers serve it with photo and signature; "
        "post: registered post with its return receipt")

    @model_validator(mode="after")
    def _each_channel_once(self) -> DeliveryPlan:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a delivery plan names each channel once")
        return self


class NotifySettings(EmailSettings, WechatSettings, DingTalkSettings, FaxSettings, ServiceSettings):
    """The e-mail relay and the delivery plans here; each gateway's settings in its own class."""

    service_name: ClassVar[str] = "notify"
    default_port: ClassVar[int] = 8004


    delivery_plan: DeliveryPlan = Field(
        default_factory=DeliveryPlan,
        description="R-DLV-2/3 how a document is served unless `delivery_plans` names its kind")
    delivery_plans: dict[str, DeliveryPlan] = Field(
        default_factory=dict,
        description="plan per document kind (penalty_notice, penalty_decision, reminder, "
        "rectification_order, credit_repair_notice, blacklist_notice, ...), e.g. "
        "{\"reminder\": {\"channels\": [\"email\"], \"fallback\": \"post\"}}")
    delivery_retry_seconds: list[PositiveFloat] = Field(
        default_factory=lambda: [30.0, 300.0, 1800.0, 7200.0],
        description="pause after each round in which no channel took the document; after the "
        "last, it goes to the plan's fallback and notify.delivery.failed.v1 tells staff")
    delivery_follow_up_seconds: PositiveFloat = Field(
        default=300, description="how often a hand-over whose channel is asked for its proof "
        "(DingTalk's send result) is asked again")
    delivery_poll_seconds: PositiveFloat = Field(
        default=5.0, description="catch deliveries other processes opened (this process's own "
        "wake the worker at once, and it sleeps until the next due retry)")
    delivery_batch_size: int = Field(default=10, ge=1, le=500, description="deliveries sent concurrently")
    delivery_attempt_timeout_seconds: PositiveFloat = Field(
        default=120, description="a channel's hand-over taking longer counts as failed")
    delivery_lease_seconds: PositiveFloat = Field(
        default=600, description="a claimed delivery is retried by another worker after this")

    worker_notice_endpoints: dict[FilingChannel, AnyHttpUrl] = Field(
        default_factory=dict,
        description="R-INT-2/R-INT-3 URL per filing channel that notices to the worker are POSTed "
        "to as JSON, e.g. {\"hotline_12333\": \"https://12333.example.gov.cn/notices\"}; a channel "
        "without one gets no notice (failed at once, staff see why). " + _SIGNING)
    worker_notice_secrets: dict[FilingChannel, SecretStr] = Field(
        default_factory=dict,
        description="signing secret per filing channel, `whsec_` + base64 of at least 24 random "
        "bytes, shared with the channel's vendor (also WORKER_NOTICE_SECRETS__<CHANNEL>=...); "
        "every configured endpoint needs one")
    worker_notice_retry_seconds: list[PositiveFloat] = Field(
        default_factory=lambda: [10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0],
        description="pause after each attempt answered 408/425/429/5xx or not at all; the attempt "
        "after the last pause failing too, the notice is failed. A Retry-After (429/503) "
        "postpones an attempt up to the longest pause")
    worker_notice_timeout_seconds: PositiveFloat = Field(
        default=15, description="a channel answering later counts as no answer (retried)")
    worker_notice_poll_seconds: PositiveFloat = Field(
        default=5.0, description="catch notices other processes made (this process's own wake "
        "the worker at once, and it sleeps until the next due retry)")
    worker_notice_batch_size: int = Field(default=10, ge=1, le=500,
                                          description="notices sent concurrently")
    worker_notice_lease_seconds: PositiveFloat = Field(
        default=120, description="a claimed notice is tried again by another worker after this")

    # The one-time correction notice (一次性补正告知书) notify renders for the worker (R-INT-2, R-DLV-4)
    authority_name: str = Field(default="某市人力资源和社会保障局",
                                description="the authority printed on the documents notify renders")
    correction_notice_number_prefix: str = Field(
        default="某劳监补", description="补正告知书编号: {prefix}〔{year}〕{first 8 of the document id}号")
    materials_office: str = Field(
        default="某市劳动保障监察支队投诉受理窗口",
        description="where a worker may bring the missing materials in person, printed on the "
        "correction notice (uploading them through the filing channel is the other way)")

    @model_validator(mode="after")
    def _coherent_worker_notices(self) -> NotifySettings:
        for channel, url in self.worker_notice_endpoints.items():
            secret = self.worker_notice_secrets.get(channel)
            if secret is None:
                raise ValueError(f"worker_notice_endpoints[{channel}] needs worker_notice_secrets[{channel}]")
            try:
                secret_key(secret.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"worker_notice_secrets[{channel}]: {exc}") from None
            if self.environment == "production" and url.scheme != "https":
                raise ValueError(f"worker_notice_endpoints[{channel}] must be https in production")
        if not self.worker_notice_retry_seconds:
            raise ValueError("worker_notice_retry_seconds needs at least one pause")
        if self.worker_notice_lease_seconds <= self.worker_notice_timeout_seconds:
            raise ValueError("worker_notice_lease_seconds must exceed worker_notice_timeout_seconds")
        return self

    @model_validator(mode="after")
    def _coherent_delivery(self) -> NotifySettings:
        if self.delivery_lease_seconds <= self.delivery_attempt_timeout_seconds * len(ChannelName):
            raise ValueError("delivery_lease_seconds must exceed one round: "
                             "delivery_attempt_timeout_seconds × the number of channels")
        if self.environment == "production" and self.smtp_username and not (
                self.smtp_starttls or self.smtp_implicit_tls):
            raise ValueError("SMTP credentials are refused over a plain connection in production")
        if self.environment == "production" and self.fax_smtp_username and not (
                self.fax_smtp_starttls or self.fax_smtp_implicit_tls):
            raise ValueError("fax gateway credentials are refused over a plain connection in "
                             "production")
        return self

    def plan_for(self, kind: str) -> DeliveryPlan:
        return self.delivery_plans.get(kind, self.delivery_plan)



# The runtime of this service: its `settings` are NotifySettings.
NotifyRuntime = Runtime[NotifySettings]
