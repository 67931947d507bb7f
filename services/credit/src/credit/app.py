"""Credit service (信用): the app factory."""

from __future__ import annotations

from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app
from labor_runtime.runtime import Runtime

from credit.employers.handlers import event_handlers
from credit.employers.routes import router as employers_router
from credit.grading.routes import router as grading_router
from credit.settings import CreditSettings


def create_app(settings: CreditSettings | None = None) -> FastAPI:
    settings = settings or CreditSettings()
    runtime = Runtime(settings, handlers=event_handlers(settings.grading_policy()))
    return create_service_app(
        runtime, title="Credit (信用)",
        description="The employer register (一户一档) and the integrity grade (诚信等级) of "
        "R-CRD-1 and R-CRD-2, kept from the penalty decisions of cases.",
        routers=[employers_router, grading_router])
