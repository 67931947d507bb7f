"""Intake service (投诉云): the app factory."""

from __future__ import annotations

from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app
from labor_runtime.grids import grid_handlers
from labor_runtime.runtime import Runtime

from intake.channels.quota import QuotaBook
from intake.complaints.handlers import handlers
from intake.complaints.routes import router as complaints_router
from intake.deadlines.metrics import OnTimeGaugeWorker
from intake.deadlines.routes import router as deadlines_router
from intake.employers.handlers import HANDLERS as EMPLOYER_HANDLERS
from intake.employers.routes import router as employers_router
from intake.grids.models import grids
from intake.materials.routes import router as materials_router
from intake.materials.storage import open_store
from intake.privacy.routes import router as privacy_router
from intake.settings import IntakeSettings


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    runtime = Runtime(settings, handlers=handlers(settings) | EMPLOYER_HANDLERS
                      | grid_handlers(grids))
    runtime.add_worker(OnTimeGaugeWorker(runtime, settings.on_time_gauge_refresh_seconds))
    app = create_service_app(
        runtime, title="Intake (投诉云)",
        description="Complaints from the 12333 hotline, the WeChat mini-program, service windows, "
        "the sunshine-wage platform and petition transfers; offline batches, evidence uploads "
        "and the one-time correction notice; deadlines of R-INT-3.",
        routers=[complaints_router, materials_router, privacy_router, deadlines_router,
                 employers_router],
        body_limits={r"/v1/complaints/[^/]+/materials": settings.material_body_bytes})
    app.state.material_store = store = open_store(settings)
    runtime.add_closer(store.close)
    app.state.quota_book = book = QuotaBook(settings.database_url)
    runtime.add_closer(book.close)
    return app

