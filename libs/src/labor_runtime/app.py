"""The FastAPI app every service is built from: problems, limits, tracing, health, metrics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labor_runtime import problems
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal, Role, unauthorized
from labor_runtime.tracing import context_from


async def get_runtime(request: Request) -> Runtime[Any]:
    """Async on purpose: FastAPI runs plain `def` dependencies in a thread pool. The app holds
    its own service's runtime, which app.state does not type: `Any` settings let each service's
    routes hand it to flows that take that service's runtime."""
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime[Any], Depends(get_runtime)]

# The schemes the guards check, declared so that every guarded operation's OpenAPI lists its
# security requirement (and public ones none). They never refuse: the guards answer problem+json.
STAFF_TOKEN = HTTPBearer(scheme_name="staffToken", bearerFormat="JWT", auto_error=False,
                         description="a staff token (JWT) with the roles and district of DOMAIN.md")
CLIENT_KEY = APIKeyHeader(name="X-API-Key", scheme_name="clientKey", auto_error=False,
                          description="the API key of a filing channel or a partner")
StaffTokenDeclared = Annotated[HTTPAuthorizationCredentials | None, Security(STAFF_TOKEN)]
ClientKeyDeclared = Annotated[str | None, Security(CLIENT_KEY)]


def link(path: str, method: str = "get", **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation `method path`, its parameters taken from the answer
    (`partner_id="$response.body#/id"`): how a client, and schemathesis' stateful runs, go on
    from a created or listed object to its own routes."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "parameters": parameters}


GuardT = Callable[[Request, Runtime[Any]], Any]


def route_guard(guard: GuardT) -> GuardT:
    """Marks a dependency `(request, runtime) -> Principal` that decides who may call a route, so
    that its answer precedes the body's (see `_guards_first`)."""
    setattr(guard, "labor_route_guard", True)  # noqa: B010 - a mark on a function object
    return guard


def _route_guards(dependant: Dependant) -> Iterator[GuardT]:
    for sub in dependant.dependencies:
        if getattr(sub.call, "labor_route_guard", False):
            yield sub.call  # type: ignore[misc]
        else:
            yield from _route_guards(sub)


def _guards_first(app: FastAPI) -> None:
    """FastAPI decodes a JSON body before it resolves a route's dependencies, so a caller who may
    not act at all learnt that its body was malformed (400) before it learnt that (401/403), and
    any 422 must likewise never speak for an unauthorised caller: on a validation error the
    route's guards run first, and their refusal is the answer (finding 8)."""
    Handler = Callable[[Request, Exception], Awaitable[Response]]
    validation = cast(Handler, app.exception_handlers[RequestValidationError])  # problems.install's
    refusal = cast(Handler, app.exception_handlers[Problem])

    async def handler(request: Request, exc: Exception) -> Response:
        dependant = getattr(request.scope.get("route"), "dependant", None)
        if dependant is not None:
            try:
                for guard in _route_guards(dependant):
                    await guard(request, request.app.state.runtime)
            except Problem as refused:
                return await refusal(request, refused)
        return await validation(request, exc)

    app.add_exception_handler(RequestValidationError, handler)


def staff(*roles: Role, city_wide: bool = False) -> Callable[..., Any]:
    """Dependency: a valid staff bearer token holding one of `roles` (and reaching the whole city
    when `city_wide`: an action on the city's data, not a district's)."""

    async def guard(request: Request, runtime: RuntimeDep,
                    _token: StaffTokenDeclared = None) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("send 'Authorization: Bearer <token>'")
        principal = runtime.tokens.verify(token.strip())
        if roles and not principal.has_any(set(roles)):
            raise Problem(403, "forbidden", "Role not allowed",
                          f"this action needs one of: {', '.join(sorted(roles))}")
        if city_wide and not principal.city_wide:
            raise Problem(403, "forbidden", "City-level action",
                          "this acts on the whole city's data: only city-wide staff may")
        return principal

    return route_guard(guard)


def api_client(kind: str, scope: str | None = None) -> Callable[..., Any]:
    """Dependency: an `X-API-Key` of a channel or partner (with `scope` when given)."""

    async def guard(request: Request, runtime: RuntimeDep,
                    _key: ClientKeyDeclared = None) -> Principal:
        presented = request.headers.get("x-api-key", "")
        if not presented:
            raise unauthorized("send the client's key in the 'X-API-Key' header")
        principal = runtime.api_keys.cached(presented)
        if principal is None:  # no session opened for a key seen in the last seconds
            async with runtime.session() as session:
                principal = await runtime.api_keys.verify(session, presented, runtime.clock.now())
        if principal.kind != kind:
            raise Problem(403, "forbidden", "Wrong kind of client", f"this API is for {kind} clients")
        if scope is not None and scope not in principal.scopes:
            raise Problem(403, "forbidden", "Missing scope", f"the key lacks the scope {scope!r}")
        return principal

    return route_guard(guard)


class ClockShift(BaseModel):
    advance_seconds: float = Field(ge=0, le=400 * 86400, description="move the clock forward")


class ClockState(BaseModel):
    now: str
    offset_seconds: float


def _ops_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.service}

    @router.get("/readyz", summary="Readiness: database and broker reachable",
                responses={503: {"description": "not ready"}})
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                            status_code=200 if ready else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        try:
            await runtime.refresh_gauges()
        except Exception:  # database down: serve the in-memory metrics anyway
            runtime.metrics.consumer_up.set(0)
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if runtime.settings.clock_control:

        @router.post("/v1/ops/clock", summary="Advance this service's clock (tests, demos)")
        async def advance_clock(shift: ClockShift) -> ClockState:
            now = runtime.clock.advance(timedelta(seconds=shift.advance_seconds))
            runtime.clock_moved()
            return ClockState(now=now.isoformat(), offset_seconds=runtime.clock.offset.total_seconds())

    return router


class TracingMiddleware:
    """A server span per request, continuing the caller's `traceparent`; request metrics."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        status = 500
        start = time.perf_counter()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                ctx = trace.get_current_span().get_span_context()
                if ctx.is_valid:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"],
                                          (b"trace-id", format(ctx.trace_id, "032x").encode())]
            await send(message)

        with self.runtime.tracer.start_as_current_span(
            f"{scope['method']} {scope['path']}", context=context_from(headers), kind=SpanKind.SERVER,
        ) as span:
            try:
                await self.app(scope, receive, capture)
            finally:
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                self.runtime.metrics.http_requests.labels(scope["method"], route, str(status)).inc()
                self.runtime.metrics.http_latency.labels(route).observe(time.perf_counter() - start)


def create_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    version: str = "1.0.0",
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """The service's app; `body_limits` maps route patterns (regex) to their own body limit."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  responses={"4XX": {"description": "problem+json (RFC 9457)",
                                     "content": {"application/problem+json": {}}}})
    app.state.runtime = runtime
    problems.install(app)
    _guards_first(app)
    app.include_router(_ops_router(runtime))
    for router in routers:
        app.include_router(router)
    app.add_middleware(problems.UnstorableText)
    app.add_middleware(TracingMiddleware, runtime=runtime)
    app.add_middleware(problems.BodySizeLimit, limit=runtime.settings.max_body_bytes,
                       route_limits=body_limits)
    return app
