"""RFC 9457 problem details for every error; bad input is a 4xx with a reason, never a traceback."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
PROBLEM_BASE = "https://inspection.example.gov.cn/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error a client can act on: `code` names the problem type, `detail` says what to fix."""

    def __init__(self, status: int, code: str, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(status: int, code: str, title: str, detail: str = "", *,
                     instance: str | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


_STATUS_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
                 405: "method-not-allowed", 406: "not-acceptable", 409: "conflict",
                 413: "payload-too-large", 415: "unsupported-media-type", 429: "too-many-requests"}


def install(app: FastAPI) -> None:
    """Answer every error of the app as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail,
                                instance=request.url.path, headers=exc.headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http-error")
        title = code.replace("-", " ").capitalize()
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else ""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem_response(exc.status_code, code, title, detail, instance=request.url.path,
                                headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", ""),
             "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(400, "malformed-json", "Malformed JSON body",
                                    "the request body is not valid JSON", instance=request.url.path,
                                    errors=errors)
        return problem_response(422, "validation-failed", "Request failed validation",
                                "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5]),
                                instance=request.url.path, errors=errors)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc, IntegrityError):
            # A concurrent request changed the same record first; the write is idempotent.
            return problem_response(409, "concurrent-update", "Concurrent update",
                                    "another request changed the same record; retry",
                                    instance=request.url.path, headers={"Retry-After": "1"})
        if (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
                or transient(exc)):
            log.warning("database unavailable on %s %s", request.method, request.url.path)
            return problem_response(503, "service-unavailable", "Database unavailable",
                                    "retry shortly; writes are idempotent with the same key",
                                    instance=request.url.path, headers={"Retry-After": "2"})
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem_response(500, "internal-error", "Internal error",
                                "the error was logged; retry later or contact operations",
                                instance=request.url.path)


def allowed_methods(request: Request) -> str:
    """Every method mounted on the request's path: Starlette's 405 names those of the first
    route matching the path only, though several routes (GET and POST of a collection) share it."""
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(path):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


# SQLSTATE classes a retry can cure: connection exceptions, insufficient resources (too many
# connections), operator intervention (the server is starting or shutting down), a deadlock or
# serialization failure. asyncpg raises them as plain DBAPIErrors.
TRANSIENT_SQLSTATES = ("08", "53", "57P", "40001", "40P01")


def transient(exc: DBAPIError) -> bool:
    """Whether the database refused for a moment, not for this request's content."""
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return sqlstate.startswith(TRANSIENT_SQLSTATES)


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413, declared length or streamed; routes
    matching a pattern of `route_limits` (e.g. evidence uploads) have a limit of their own."""

    def __init__(self, app: ASGIApp, limit: int,
                 route_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.route_limits = [(re.compile(p), n) for p, n in (route_limits or {}).items()]

    def _limit_for(self, path: str) -> int:
        return next((n for pattern, n in self.route_limits if pattern.fullmatch(path)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        refused = False

        async def limited() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now; the app sees the client go away and its response is dropped.
                    refused = True
                    await self._refuse(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(413, "payload-too-large", "Request body too large",
                                    f"the limit is {limit} bytes")
        await response(scope, receive, send)


# PostgreSQL text holds neither NUL nor a lone UTF-16 surrogate (no UTF-8 encoding exists for one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# \u0000 or \uD800-\uDFFF (a pair too: the parse tells), not after an escaped backslash.
_SUSPECT_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_JSON_TYPES = ("application/json", "application/problem+json", "application/merge-patch+json")


def unstorable_places(value: Any, location: str) -> Iterator[str]:
    """Where in a decoded JSON value, a path or a query a string holds text PostgreSQL cannot."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            yield location
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unstorable_places(key, f"{location}.<key {_shown(key)}>")
            yield from unstorable_places(item, f"{location}.{_shown(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_places(item, f"{location}.{index}")


def _shown(text: str) -> str:
    """Text fit to be shown back: what cannot be stored (nor sent as UTF-8) becomes U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


class UnstorableText:
    """Refuse, with one 422 naming the places, any path, query or JSON body string holding a NUL
    or a lone surrogate: PostgreSQL cannot store either, and every route would otherwise meet
    it as a database error. Bodies of other types (CSV, PDF, multipart) are their routes' to read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        places = list(unstorable_places(scope["path"], "path"))
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            places += unstorable_places(name, f"query.<name {_shown(name)}>")
            places += unstorable_places(value, f"query.{_shown(name)}")
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().decode("latin-1")
        if content_type.lower() not in _JSON_TYPES:
            if places:
                await self._refuse(scope, receive, send, places)
                return
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        # A NUL or a surrogate reaches JSON only escaped: parse (to name the places) only when a
        # body holds such an escape, not every body with escaped ordinary text.
        if _SUSPECT_ESCAPE.search(body):
            with contextlib.suppress(ValueError):
                places += unstorable_places(json.loads(body), "body")
        if places:
            await self._refuse(scope, receive, send, places)
            return
        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, places: list[str]) -> None:
        response = problem_response(
            422, "unstorable-text", "Text that cannot be stored",
            f"{', '.join(places[:5])}: a NUL character or a lone surrogate, which no record can "
            "hold", instance=_shown(scope["path"]),
            errors=[{"location": place, "message": "NUL character or lone surrogate",
                     "type": "unstorable_text"} for place in places])
        await response(scope, receive, send)
