"""Publish settings: every term, deadline and webhook parameter of R-PUB-* with its default."""

from __future__ import annotations

import os
from typing import ClassVar

from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from pydantic import Field, model_validator

from publish.disclosures.rules import Category, Platform


class PublishSettings(ServiceSettings):
    service_name: ClassVar[str] = "publish"
    default_port: ClassVar[int] = 8005

    # Disclosure (公示) -----------------------------------------------------------------------
    publicity_term_years: dict[Category, int] = Field(
        default_factory=lambda: {Category.PENALTY_DECISION: 3},
        description="R-PUB-4 how long a disclosure of each category stays public, unless the "
        "event names its own end date",
    )
    platform_publish_within_days: int = Field(
        default=7, description="R-PUB-1 on Credit China and GSXT within this many days of the decision")
    disclosure_platforms: list[Platform] = Field(
        default_factory=lambda: [Platform.CREDIT_CHINA, Platform.GSXT],
        description="R-PUB-1 national platforms every disclosure is submitted to")
    feed_page_size: int = Field(default=100, ge=1, description="default page of the partner feed")
    feed_max_page_size: int = Field(default=500, ge=1, description="largest page a partner may ask")

    # Credit repair notices (信用修复公示) ------------------------------------------------------
    objections_per_address_per_hour: int = Field(
        default=5, ge=1, description="R-PUB-5 objections one network address may file in an "
        "hour (the route is anonymous); more answer 429 with Retry-After")

    # Partner webhooks (Standard Webhooks 1.0) -------------------------------------------------
    webhook_retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: [5.0, 300, 1800, 7200, 18000, 36000, 36000],
        description="pause after each failed attempt (the first attempt is immediate); the "
        "attempt after the last pause failing too, the delivery is failed. A Retry-After "
        "(429/503) postpones an attempt up to the longest pause",
    )
    webhook_timeout_seconds: float = Field(default=15, gt=0, description="2xx within this is success")
    webhook_disable_after_failing_days: float = Field(
        default=5, gt=0, description="an endpoint failing without a success this long is disabled")
    webhook_allow_private_networks: bool = Field(
        default=False,
        description="allow partner URLs on loopback, link-local and private ranges (tests, dev)")
    webhook_require_https: bool = Field(
        default=True, description="refuse plain-http partner URLs (tests and dev may allow them)")
    webhook_poll_seconds: float = Field(
        default=5.0, gt=0, description="catch deliveries other processes queued (this process's "
        "own wake the worker at once, and it sleeps until the next due retry)")
    webhook_concurrency: int = Field(default=8, ge=1, description="deliveries in flight at once")

    @model_validator(mode="after")
    def _webhook_safety(self) -> PublishSettings:
        if Category.PENALTY_DECISION not in self.publicity_term_years:
            raise ValueError("publicity_term_years needs a term for penalty_decision")
        if not self.webhook_retry_schedule_seconds:
            raise ValueError("webhook_retry_schedule_seconds needs at least one pause")
        if min(self.webhook_retry_schedule_seconds) <= 0:
            raise ValueError("webhook_retry_schedule_seconds lists the pause after each failed "
                             "attempt, each above 0 (a list starting with 0 is the retired 'wait "
                             "before each attempt' form: drop the 0)")
        if any(name.upper() == "WEBHOOK_RETRY_AFTER_MAX_SECONDS" for name in os.environ):
            raise ValueError("WEBHOOK_RETRY_AFTER_MAX_SECONDS is no longer read: a Retry-After is "
                             "honoured up to the longest pause of WEBHOOK_RETRY_SCHEDULE_SECONDS")
        if self.environment == "production" and (self.webhook_allow_private_networks
                                                 or not self.webhook_require_https):
            raise ValueError("private or plain-http partner URLs are refused in production")
        return self


# The runtime of this service: its `settings` are PublishSettings.
PublishRuntime = Runtime[PublishSettings]
