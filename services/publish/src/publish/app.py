"""Publish service (公示): the app factory and its runtime with the webhook delivery worker."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app
from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from prometheus_client import Gauge

from publish.disclosures.handlers import event_handlers
from publish.disclosures.models import platform_submissions
from publish.disclosures.routes import feed_router, platforms_router, public_router
from publish.partners.routes import router as partners_router
from publish.settings import PublishSettings
from publish.webhooks.models import webhook_deliveries
from publish.webhooks.worker import DeliveryWorker


class PublishRuntime(Runtime):
    """The shared runtime plus one more background task: pushing webhooks to partners."""

    def __init__(self, settings: PublishSettings, **kwargs: Any) -> None:
        super().__init__(settings, handlers=event_handlers(settings), **kwargs)
        self.webhooks = DeliveryWorker(self)
        self.add_worker(self.webhooks)
        registry = self.metrics.registry
        self.webhook_backlog = Gauge("webhook_deliveries_pending",
                                     "webhook deliveries not yet delivered or failed",
                                     registry=registry)
        self.webhook_failed = Gauge("webhook_deliveries_failed",
                                    "webhook deliveries given up on", registry=registry)
        self.submissions_pending = Gauge("platform_submissions_pending",
                                         "disclosures not yet on a national platform",
                                         ["platform"], registry=registry)

    async def refresh_gauges(self) -> None:
        await super().refresh_gauges()
        async with self.engine.connect() as conn:
            by_status: dict[str, int] = {row[0]: row[1] for row in (await conn.execute(
                sa.select(webhook_deliveries.c.status, sa.func.count())
                .where(webhook_deliveries.c.status != "delivered")
                .group_by(webhook_deliveries.c.status))).all()}
            pending: dict[str, int] = {row[0]: row[1] for row in (await conn.execute(
                sa.select(platform_submissions.c.platform, sa.func.count())
                .where(platform_submissions.c.status == "pending")
                .group_by(platform_submissions.c.platform))).all()}
        self.webhook_backlog.set(by_status.get("pending", 0))
        self.webhook_failed.set(by_status.get("failed", 0))
        settings = self.settings
        assert isinstance(settings, PublishSettings)
        for platform in settings.disclosure_platforms:
            self.submissions_pending.labels(platform=platform).set(pending.get(platform, 0))


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or PublishSettings()
    assert isinstance(settings, PublishSettings)
    runtime = PublishRuntime(settings)
    return create_service_app(
        runtime, title="Publish (公示)",
        description="Public disclosure of penalty results (R-PUB-1..3): public pages, submissions "
        "owed to Credit China and GSXT, signed webhooks (Standard Webhooks 1.0) and a cursor feed "
        "for partner regulators.",
        routers=[public_router, feed_router, partners_router, platforms_router])
