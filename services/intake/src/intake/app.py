"""Intake service (投诉云): the app factory."""

from __future__ import annotations

from fastapi import FastAPI
from labor_runtime.app import create_app as create_service_app
from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings

from intake.complaints.handlers import HANDLERS
from intake.complaints.routes import router as complaints_router
from intake.settings import IntakeSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    runtime = Runtime(settings, handlers=HANDLERS)
    return create_service_app(
        runtime, title="Intake (投诉云)",
        description="Complaints from the 12333 hotline, the WeChat mini-program, service windows, "
        "the sunshine-wage platform and petition transfers; deadlines of R-INT-3.",
        routers=[complaints_router])
