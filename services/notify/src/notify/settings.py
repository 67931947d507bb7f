"""Notify settings: the SMTP relay, the channel order and the retry schedule of R-DLV-2/3; the
filing channels' notice endpoints for notices to the worker (R-INT-2, R-INT-3)."""

from __future__ import annotations

from typing import ClassVar

from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from labor_runtime.webhooks import secret_key
from pydantic import AnyHttpUrl, Field, PositiveFloat, SecretStr, model_validator

from notify.delivery.rules import ChannelName
from notify.worker_notices.rules import FilingChannel

_SIGNING = ("Each POST carries Standard Webhooks 1.0 headers: `webhook-id` (the notice_id, the same "
            "on every retry), `webhook-timestamp` (Unix seconds) and `webhook-signature` "
            "(`v1,<base64 HMAC-SHA256 over \"{webhook-id}.{webhook-timestamp}.{body}\">`, keyed with "
            "the base64-decoded part of the channel's `whsec_` secret)")


class NotifySettings(ServiceSettings):
    service_name: ClassVar[str] = "notify"
    default_port: ClassVar[int] = 8004

    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay the e-mail channel hands to")
    smtp_port: int = Field(default=8025, description="8025: the development SMTP sink; set in production")
    smtp_username: str | None = Field(default=None, description="AUTH user; none = no login")
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=False, description="require STARTTLS on a plain connection")
    smtp_implicit_tls: bool = Field(default=False, description="TLS from the first byte (port 465)")
    smtp_validate_certs: bool = True
    smtp_timeout_seconds: PositiveFloat = Field(default=30, description="per SMTP command")
    smtp_sender: str = Field(default="songda@inspection.example.gov.cn",
                             description="envelope and From address; its domain ends each Message-ID")
    smtp_sender_name: str = "劳动保障监察电子送达"

    channel_priority: list[ChannelName] = Field(
        default_factory=lambda: [ChannelName.EMAIL, ChannelName.FAX, ChannelName.WECHAT,
                                 ChannelName.DINGTALK],
        description="R-DLV-2 channels in the order they are tried; a channel the recipient has no "
        "address for, or whose gateway is not integrated, is skipped")
    delivery_retry_seconds: list[PositiveFloat] = Field(
        default_factory=lambda: [30.0, 300.0, 1800.0, 7200.0],
        description="pause after each failed round before the next one; after the last, "
        "notify.delivery.failed.v1 tells staff to serve the document another way")
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
        if not self.channel_priority or len(set(self.channel_priority)) != len(self.channel_priority):
            raise ValueError("channel_priority must name each channel once")
        if self.smtp_starttls and self.smtp_implicit_tls:
            raise ValueError("choose smtp_starttls or smtp_implicit_tls, not both")
        if "@" not in self.smtp_sender:
            raise ValueError("smtp_sender must be an e-mail address")
        if self.delivery_lease_seconds <= self.delivery_attempt_timeout_seconds * len(self.channel_priority):
            raise ValueError("delivery_lease_seconds must exceed one round: "
                             "delivery_attempt_timeout_seconds × the number of channels")
        if self.environment == "production" and self.smtp_username and not (
                self.smtp_starttls or self.smtp_implicit_tls):
            raise ValueError("SMTP credentials are refused over a plain connection in production")
        return self

    @property
    def sender_domain(self) -> str:
        return self.smtp_sender.rpartition("@")[2]


# The runtime of this service: its `settings` are NotifySettings.
NotifyRuntime = Runtime[NotifySettings]
