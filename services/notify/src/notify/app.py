"""Notify service (电子送达): the app factory."""

from __future__ import annotations

from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app
from labor_runtime.clock import SystemClock
from labor_runtime.grids import grid_handlers
from labor_runtime.runtime import Runtime

from notify.addresses.routes import router as addresses_router
from notify.channels.wechat import read_receipts as wechat_read_receipts
from notify.delivery.handlers import handlers
from notify.delivery.proofs import CallbackProofs
from notify.delivery.routes import chains as proof_chains_router
from notify.delivery.routes import router as deliveries_router
from notify.delivery.worker import DeliveryWorker
from notify.documents.routes import router as documents_router
from notify.grids.models import employer_grids, grids
from notify.settings import NotifySettings
from notify.wiring import DsnListenerLoop, build_channels
from notify.worker_notices.handlers import handlers as worker_notice_handlers
from notify.worker_notices.routes import router as worker_notices_router
from notify.worker_notices.routes import webhooks as worker_notice_webhooks
from notify.worker_notices.worker import WorkerNoticeWorker


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    clock = SystemClock()
    channels = build_channels(settings, clock)
    runtime = Runtime(settings, handlers={**handlers(settings, channels),
                                          **worker_notice_handlers(settings),
                                          **grid_handlers(grids, employer_grids)}, clock=clock)
    runtime.add_worker(DeliveryWorker(runtime, channels))
    sink = CallbackProofs(runtime)
    runtime.add_worker(DsnListenerLoop(settings, sink))
    for channel in channels.values():
        runtime.add_closer(channel.aclose)
    runtime.add_worker(WorkerNoticeWorker(runtime))
    app = create_service_app(
        runtime, title="Notify (电子送达)",
        description="Serves the bureau's documents (R-DLV-1..4) on the addresses the party "
        "confirmed (送达地址确认书) by e-mail, fax, WeChat or DingTalk, and otherwise by its grid "
        "workers or the post, keeping each proof of service chained per case; tells the worker, "
        "through the channel that filed the complaint, what materials are missing (R-INT-2) and "
        "whether a case is registered (R-INT-3): signed webhooks, see `webhooks` below.",
        routers=[addresses_router, deliveries_router, proof_chains_router, documents_router,
                 worker_notices_router, wechat_read_receipts])
    app.webhooks.include_router(worker_notice_webhooks)
    app.state.channels = channels
    app.state.proof_sink = sink
    return app
