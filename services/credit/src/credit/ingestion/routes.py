"""HTTP API of ingestion: partners' systems (an API key with the scope `ingest:<source>`) and ops
or officers (manual uploads) send batch files or single records; batches are queried by id."""

from __future__ import annotations

import hashlib
import io
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from labor_runtime.app import ClientKeyDeclared, RuntimeDep, StaffTokenDeclared, route_guard, staff
from labor_runtime.problems import Problem
from labor_runtime.security import Principal, Role

from credit.ingestion import flows
from credit.ingestion.schemas import BatchPage, BatchRead, Rejection, RejectionPage
from credit.ingestion.sources import MEDIA_TYPES, SOURCES, Source

router = APIRouter(prefix="/v1/ingest", tags=["ingestion"])
BATCH_UPLOADS = r"/v1/ingest/[^/]+/batches"  # the app lets these bodies exceed the usual limit
KEY_KINDS = frozenset({"partner", "channel"})
_SPOOL_IN_MEMORY = 8 << 20

_staff = staff(Role.OPS, Role.OFFICER_A)


@route_guard
async def _caller(request: Request, runtime: RuntimeDep, token: StaffTokenDeclared = None,
                  _: ClientKeyDeclared = None) -> Principal:
    """A partner's or channel's API key, else a staff token of ops or an officer."""
    presented = request.headers.get("x-api-key", "")
    if not presented:
        principal: Principal = await _staff(request, runtime, token)
        return principal
    cached = runtime.api_keys.cached(presented)
    if cached is None:
        async with runtime.session() as session:
            cached = await runtime.api_keys.verify(session, presented, runtime.clock.now())
    if cached.kind not in KEY_KINDS:
        raise Problem(403, "forbidden", "Wrong kind of client",
                      "ingestion is for partner and channel keys")
    return cached


Caller = Annotated[Principal, Depends(_caller)]
SourceName = Annotated[str, Path(description=f"one of: {', '.join(SOURCES)}")]
Reason = Annotated[str, Query(max_length=500, description="why (required of staff: audited)")]


def _may_send(who: Principal, source: str) -> bool:
    return who.kind == "staff" or f"ingest:{source}" in who.scopes


def _source(who: Principal, name: str) -> Source:
    source = SOURCES.get(name)
    if source is None:
        raise Problem(404, "unknown-source", "No such source",
                      f"{name[:40]!r} is not one of: {', '.join(SOURCES)}")
    if not _may_send(who, name):
        raise Problem(403, "forbidden", "Missing scope", f"the key lacks the scope 'ingest:{name}'")
    return source


def _storable(name: str, value: str) -> str:
    if "\x00" in value:
        raise Problem(422, "invalid-parameter", "Invalid parameter", f"{name} contains NUL")
    return value


def _actor(who: Principal, reason: str) -> flows.Actor:
    _storable("reason", reason)
    if who.kind == "staff" and not reason.strip():
        raise Problem(422, "reason-required", "Reason required",
                      "staff uploads give a reason (query parameter 'reason'): it is audited")
    role = who.kind if who.kind != "staff" else ",".join(sorted(who.roles))
    return flows.Actor(subject=who.subject, role=role, reason=reason.strip())


def _answer(loaded: flows.Loaded, response: Response) -> BatchRead:
    response.status_code = 200 if loaded.replay else 201
    return BatchRead(**loaded.batch, replay=loaded.replay)


@router.post("/{source}/batches", response_model=BatchRead, status_code=201,
             summary="Load a batch file of a source (R-CRD-3): CSV with a header or JSON Lines",
             responses={200: {"description": "the same content was loaded before: that batch"},
                        403: {"description": "the key lacks the scope ingest:<source>"},
                        413: {"description": "larger than ingest_max_batch_bytes"},
                        415: {"description": "not text/csv or application/x-ndjson"}})
async def upload_batch(runtime: RuntimeDep, who: Caller, source: SourceName, request: Request,
                       response: Response, filename: Annotated[str, Query(max_length=200)] = "",
                       reason: Reason = "") -> BatchRead:
    chosen = _source(who, source)
    actor = _actor(who, reason)
    _storable("filename", filename)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = MEDIA_TYPES.get(media)
    if fmt is None:
        raise Problem(415, "unsupported-media-type", "Unsupported batch format",
                      f"send Content-Type {' or '.join(MEDIA_TYPES)}")
    limit = runtime.settings.ingest_max_batch_bytes
    sha, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Problem(413, "payload-too-large", "Batch too large",
                              f"the limit is {limit} bytes: drop larger files in the watched "
                              "directory")
            sha.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise Problem(422, "empty-batch", "Empty batch", "the body holds no rows")
        spool.seek(0)
        loaded = await flows.load(runtime, chosen, spool, digest=sha.hexdigest(),
                                  fmt=fmt, via="upload", filename=filename, actor=actor)
    return _answer(loaded, response)


@router.post("/{source}/records", response_model=BatchRead, status_code=201,
             summary="Load one record of a source (R-CRD-3), validated like a batch row",
             responses={200: {"description": "the same record was loaded before"},
                        422: {"description": "the record is refused, with the reason"}})
async def send_record(runtime: RuntimeDep, who: Caller, source: SourceName, request: Request,
                      response: Response, reason: Reason = "") -> BatchRead:
    chosen = _source(who, source)
    actor = _actor(who, reason)
    content, digest = flows.record_content(chosen, await request.body())
    loaded = await flows.load(runtime, chosen, io.BytesIO(content), digest=digest, fmt="jsonl",
                              via="record", filename="", actor=actor)
    return _answer(loaded, response)


async def _visible_batch(runtime: Any, who: Principal, batch_id: str) -> dict[str, Any]:
    batch = await flows.batch_of(runtime, batch_id)
    if batch is None or not _may_send(who, batch["source"]):
        raise Problem(404, "not-found", "No such batch", f"no batch {batch_id[:40]!r}")
    return batch


BatchId = Annotated[str, Path(max_length=64)]


@router.get("/batches/{batch_id}", response_model=BatchRead,
            summary="A batch's outcome: rows changed, unchanged and rejected (R-CRD-3)",
            responses={404: {"description": "no such batch (or not of the key's sources)"}})
async def get_batch(runtime: RuntimeDep, who: Caller, batch_id: BatchId) -> BatchRead:
    return BatchRead(**await _visible_batch(runtime, who, batch_id))


@router.get("/batches/{batch_id}/rejections", response_model=RejectionPage,
            summary="A batch's rejected rows with their numbers and reasons, in row order")
async def get_rejections(runtime: RuntimeDep, who: Caller, batch_id: BatchId,
                         after: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,
                         limit: Annotated[int | None, Query(ge=1)] = None) -> RejectionPage:
    await _visible_batch(runtime, who, batch_id)
    size = min(limit or runtime.settings.ingest_rejections_page,
               runtime.settings.ingest_rejections_page)
    rows = await flows.rejections(runtime, batch_id, after, size)
    return RejectionPage(batch_id=batch_id, items=[Rejection(**r) for r in rows],
                         next_after=rows[-1]["row_number"] if len(rows) == size else None)


@router.get("/batches", response_model=BatchPage, summary="Batches, newest first (R-CRD-3)")
async def list_batches(runtime: RuntimeDep, who: Caller,
                       source: Annotated[str | None, Query(max_length=40)] = None,
                       before: Annotated[str | None, Query(max_length=64)] = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> BatchPage:
    allowed = {name for name in SOURCES if _may_send(who, name)}
    if source is not None:
        allowed &= {source}
    rows = await flows.batches(runtime, allowed, limit, before)
    return BatchPage(items=[BatchRead(**r) for r in rows],
                     next_before=rows[-1]["id"] if len(rows) == limit else None)
