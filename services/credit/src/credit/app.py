"""Credit service (信用): the app factory; each folder adds its part (`credit.wiring`)."""

from __future__ import annotations

from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app

from credit.blacklist import wiring as blacklist
from credit.conduct import wiring as conduct
from credit.deposits import wiring as deposits
from credit.early_warnings import wiring as early_warnings
from credit.employers.handlers import event_handlers
from credit.employers.routes import router as employers_router
from credit.grading import wiring as grading
from credit.grids import wiring as grids
from credit.ingestion import wiring as ingestion
from credit.ingestion.routes import BATCH_UPLOADS
from credit.repair import wiring as repair
from credit.sanctions import wiring as sanctions
from credit.settings import CreditRuntime, CreditSettings
from credit.wiring import Part

FOLDERS = (grids, ingestion, early_warnings, deposits, conduct, grading, blacklist, sanctions,
           repair)


def create_app(settings: CreditSettings | None = None) -> FastAPI:
    settings = settings or CreditSettings()
    parts = [Part(routers=[employers_router],
                  handlers=event_handlers(settings.grading_policy()))]
    parts += [folder.part(settings) for folder in FOLDERS]
    handlers = {}
    for part in parts:
        clash = handlers.keys() & part.handlers.keys()
        if clash:
            raise RuntimeError(f"two credit folders handle {sorted(clash)}")
        handlers |= part.handlers
    runtime = CreditRuntime(
        settings, handlers=handlers,
        timer_handlers={kind: handler for part in parts
                        for kind, handler in part.timer_handlers.items()})
    for part in parts:
        for worker in part.workers:
            runtime.add_worker(worker(runtime))
    return create_service_app(
        runtime, title="Credit (信用)",
        description="The employer register (一户一档) on its grids, shared-data early warnings, "
        "the integrity grade (诚信等级), the blacklist with joint punishment, credit repair and "
        "wage guarantee deposits (R-ORG-1, R-CRD-1…6, R-MAJ-3).",
        routers=[router for part in parts for router in part.routers],
        body_limits={BATCH_UPLOADS: settings.ingest_max_batch_bytes})
