"""Cases service (案件): the app factory."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from labor_runtime.app import create_app as create_service_app
from labor_runtime.clock import Calendar
from labor_runtime.grids import grid_handlers
from labor_runtime.problems import problem_response
from labor_runtime.runtime import Runtime

from cases.documents.routes import router as documents_router
from cases.evidence.routes import router as evidence_router
from cases.execution import handlers as execution_handlers
from cases.execution.routes import router as execution_router
from cases.grids.models import employer_grids, grids
from cases.leads import handlers as lead_handlers
from cases.leads.routes import router as leads_router
from cases.lifecycle import handlers as lifecycle_handlers
from cases.lifecycle.routes import router as lifecycle_router
from cases.lifecycle.rules import IllegalTransition
from cases.major import flows as major_flows
from cases.major.routes import router as major_router
from cases.oversight.flows import MetricGauges
from cases.oversight.routes import router as oversight_router
from cases.penalty import handlers as penalty_handlers
from cases.penalty.routes import router as penalty_router
from cases.penalty.rules import SeparationOfDuties
from cases.rectification import flows as rectification_flows
from cases.rectification.routes import router as rectification_router
from cases.settings import CasesSettings
from cases.signatures.routes import router as signatures_router
from cases.workdays.flows import CalendarLoader
from cases.workdays.routes import router as workdays_router


def create_app(settings: CasesSettings | None = None) -> FastAPI:
    settings = settings or CasesSettings()
    calendar = Calendar()
    runtime = Runtime(
        settings, calendar=calendar,
        handlers={**lifecycle_handlers.handlers(settings, calendar),
                  **penalty_handlers.handlers(settings, calendar),
                  **lead_handlers.HANDLERS, **grid_handlers(grids, employer_grids)},
        timer_handlers={**penalty_handlers.TIMER_HANDLERS,
                        **execution_handlers.timer_handlers(settings, calendar),
                        **major_flows.TIMER_HANDLERS,
                        **rectification_flows.timer_handlers(settings, calendar)})
    runtime.add_worker(CalendarLoader(runtime))  # the holiday table feeds `calendar`
    gauges = MetricGauges(runtime)  # R-CASE-10 on /metrics
    runtime.add_worker(gauges)
    app = create_service_app(
        runtime, title="Cases (案件)",
        description="Case lifecycle from an accepted complaint to publication: registration "
        "(R-CASE-1..3), orders to rectify (the rectified path), hash-chained evidence (R-CASE-4), "
        "penalty proposal, legal review, notice, "
        "hearing and decision (R-CASE-5, R-CASE-6), payments, reminder and court enforcement "
        "(R-CASE-7), deadlines from the proven time of service, QR-verifiable documents (R-DLV-4) "
        "with Ed25519 electronic signatures; major-case emergency response (R-MAJ-1..3), the monthly "
        "review draw (R-CASE-9), case metrics (R-CASE-10), the working-day calendar; inspection leads "
        "from credit's early warnings and deposit findings (R-CRD-3, R-CRD-6).",
        routers=[lifecycle_router, rectification_router, penalty_router, documents_router, signatures_router,
                 evidence_router, execution_router, major_router, oversight_router,
                 workdays_router, leads_router])
    app.state.case_gauges = gauges
    app.add_exception_handler(IllegalTransition, _illegal_transition)  # type: ignore[arg-type]
    app.add_exception_handler(SeparationOfDuties, _separation_of_duties)  # type: ignore[arg-type]
    return app


async def _illegal_transition(request: Request, exc: IllegalTransition) -> JSONResponse:
    return problem_response(409, "illegal-transition", "Action not allowed in this case state",
                            str(exc), instance=request.url.path, state=str(exc.state),
                            action=str(exc.action), allowed_actions=[str(a) for a in exc.allowed])


async def _separation_of_duties(request: Request, exc: SeparationOfDuties) -> JSONResponse:
    return problem_response(403, "separation-of-duties", "Separation of duties (R-ORG-2)", str(exc),
                            instance=request.url.path)
