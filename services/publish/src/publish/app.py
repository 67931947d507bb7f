"""Publish service (公示): the app factory, with the webhook delivery worker and its gauges."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app
from labor_runtime.runtime import Runtime
from prometheus_client import Gauge

from publish.blacklist.handlers import event_handlers as blacklist_handlers
from publish.disclosures.handlers import event_handlers
from publish.disclosures.models import platform_submissions
from publish.disclosures.routes import feed_router, platforms_router, public_router
from publish.partners.routes import router as partners_router
from publish.repair_notices.handlers import event_handlers as repair_notice_handlers
from publish.repair_notices.routes import public_router as repair_notices_router
from publish.settings import PublishSettings
from publish.webhooks.models import webhook_deliveries
from publish.webhooks.worker import DeliveryWorker


class PublishGauges:
    """Webhook backlog and platform submissions, read when /metrics is scraped."""

    def __init__(self, runtime: Runtime, settings: PublishSettings) -> None:
        self.runtime = runtime
        self.settings = settings
        registry = runtime.metrics.registry
        self.webhook_backlog = Gauge("webhook_deliveries_pending",
                                     "webhook deliveries not yet delivered or failed",
                                     registry=registry)
        self.webhook_failed = Gauge("webhook_deliveries_failed",
                                    "webhook deliveries given up on", registry=registry)
        self.submissions_pending = Gauge("platform_submissions_pending",
                                         "disclosures not yet on a national platform",
                                         ["platform"], registry=registry)

    async def refresh(self) -> None:
        async with self.runtime.engine.connect() as conn:
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
        for platform in self.settings.disclosure_platforms:
            self.submissions_pending.labels(platform=platform).set(pending.get(platform, 0))


def create_app(settings: PublishSettings | None = None) -> FastAPI:
    settings = settings or PublishSettings()
    runtime = Runtime(settings, handlers={**event_handlers(settings), **blacklist_handlers(),
                                          **repair_notice_handlers()})
    runtime.add_worker(DeliveryWorker(runtime))  # pushes webhooks to partners
    runtime.add_gauges(PublishGauges(runtime, settings).refresh)
    return create_service_app(
        runtime, title="Publish (公示)",
        description="Public disclosure of penalty results and of the wage-arrears blacklist "
        "(R-PUB-1..4, R-CRD-4): public pages, submissions owed to Credit China and GSXT, signed "
        "webhooks (Standard Webhooks 1.0) and a cursor feed for partner regulators, each told "
        "the joint punishments its agency enforces (R-MAJ-3); credit repairs' public notices "
        "and the public's objections (R-CRD-5, R-PUB-5).",
        routers=[public_router, feed_router, partners_router, platforms_router,
                 repair_notices_router])
