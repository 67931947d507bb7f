"""Loading a batch (批次) of one source: the same content is the same batch; good rows are copied to
a staging table and merged into the source's table by its natural key, so a row that is already
stored as sent changes nothing; bad rows are kept with their number and reason; every employer
whose data changed is queued for re-evaluation (`evaluations_due`, early warnings work it off)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import asyncpg
import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.db import transaction_traceparent
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.workers import created_work
from sqlalchemy.ext.asyncio import AsyncSession

from credit.ingestion.models import evaluations_due, ingest_batches, ingest_rejections
from credit.ingestion.sources import READERS, SQL_TYPES, BadFile, Parsed, Source, parse_row

STAGE = "ingest_stage"
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class Actor:
    """Who sent the batch, for the audit log: a partner's key, a staff member, the watcher."""

    subject: str
    role: str
    reason: str = ""


@dataclass(frozen=True)
class Loaded:
    batch: dict[str, Any]
    replay: bool  # the same content was loaded before: this is that batch, nothing changed


def digest_of(file: IO[bytes]) -> str:
    """Hex SHA-256 of the whole file; leaves it at its start."""
    file.seek(0)
    sha = hashlib.sha256()
    while block := file.read(_HASH_BLOCK):
        sha.update(block)
    file.seek(0)
    return sha.hexdigest()


def _stage_sql(source: Source) -> str:
    columns = ", ".join(f"{c.name} {SQL_TYPES[c.kind]}" for c in source.columns)
    return f"CREATE TEMP TABLE {STAGE} (row_no integer NOT NULL, {columns}) ON COMMIT DROP"


def _repeats_sql(source: Source) -> str:
    """Rows repeating a key an earlier row of the batch has: rejected and taken off the stage
    (a batch states each key once; which of two differing rows is true cannot be told)."""
    key = ", ".join(source.key)
    return f"""
WITH firsts AS (
  SELECT row_no, first_value(row_no) OVER (PARTITION BY {key} ORDER BY row_no) AS first
  FROM {STAGE}),
rejected AS (
  INSERT INTO ingest_rejections (batch_id, row_number, reason)
  SELECT $1::text, row_no, 'repeats the key ({key}) of row ' || first FROM firsts WHERE row_no <> first
  RETURNING row_number)
DELETE FROM {STAGE} USING rejected WHERE {STAGE}.row_no = rejected.row_number"""  # noqa: S608


def _merge_sql(source: Source) -> str:
    """Insert new keys, update changed ones, leave equal ones alone; queue their employers."""
    stored = source.stored
    rest = [c for c in stored if c not in source.key]
    columns = ", ".join(stored)
    return f"""
WITH changed AS (
  INSERT INTO {source.table} AS t ({columns}, batch_id)
  SELECT {columns}, $1::text FROM {STAGE}
  ON CONFLICT ({", ".join(source.key)}) DO UPDATE
  SET {", ".join(f"{c} = EXCLUDED.{c}" for c in rest)}, batch_id = EXCLUDED.batch_id
  WHERE ({", ".join(f"t.{c}" for c in rest)}) IS DISTINCT FROM
        ({", ".join(f"EXCLUDED.{c}" for c in rest)})
  RETURNING t.credit_code),
queued AS (
  INSERT INTO evaluations_due (credit_code, queued_at, traceparent)
  SELECT DISTINCT credit_code, $2::timestamptz, $3::text FROM changed
  ON CONFLICT (credit_code) DO NOTHING)
SELECT count(*) FROM changed"""  # noqa: S608 - names from SOURCES


# A project's month that moves to another contractor changes the data of the one it leaves too.
_LEAVING_SQL = f"""
INSERT INTO evaluations_due (credit_code, queued_at, traceparent)
SELECT DISTINCT a.credit_code, $1::timestamptz, $2::text
FROM attendance_months a JOIN {STAGE} s USING (project_id, month)
WHERE a.credit_code <> s.credit_code
ON CONFLICT (credit_code) DO NOTHING"""  # noqa: S608

# The housing system's attendance names the project too: the latest month's name wins.
_PROJECTS_SQL = f"""
INSERT INTO projects AS p (project_id, name, credit_code, district, batch_id, updated_at)
SELECT DISTINCT ON (project_id) project_id, project_name, credit_code, district, $1::text, $2::timestamptz
FROM {STAGE} ORDER BY project_id, month DESC
ON CONFLICT (project_id) DO UPDATE
SET name = EXCLUDED.name, credit_code = EXCLUDED.credit_code,
    district = COALESCE(EXCLUDED.district, p.district), batch_id = EXCLUDED.batch_id,
    updated_at = EXCLUDED.updated_at
WHERE (p.name, p.credit_code, p.district) IS DISTINCT FROM
      (EXCLUDED.name, EXCLUDED.credit_code, COALESCE(EXCLUDED.district, p.district))"""  # noqa: S608


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    try:
        for line in text:  # noqa: UP028 - `yield from` would close the file with the generator
            yield line
    except UnicodeDecodeError as exc:
        raise BadFile(f"the file is not UTF-8 (byte {exc.start} of a line)") from None


async def _driver(session: AsyncSession) -> Any:
    """The session's asyncpg connection, in the session's transaction (for COPY)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _stage_and_merge(session: AsyncSession, source: Source, rows: Iterator[Parsed],
                           batch_id: str, chunk_rows: int, now: datetime) -> dict[str, int]:
    conn = await _driver(session)
    traceparent = transaction_traceparent(session)  # the queued employers' evaluation continues it
    await conn.execute(_stage_sql(source))
    stage_columns = ["row_no", *source.names]
    good: list[tuple[Any, ...]] = []
    bad: list[tuple[str, int, str]] = []
    total = rejected = 0

    async def flush() -> None:
        if good:
            await conn.copy_records_to_table(STAGE, records=good, columns=stage_columns)
            good.clear()
        if bad:
            await conn.copy_records_to_table(
                "ingest_rejections", records=bad, columns=["batch_id", "row_number", "reason"])
            bad.clear()

    for number, parsed in rows:
        total += 1
        if isinstance(parsed, str):
            rejected += 1
            bad.append((batch_id, number, parsed))
        else:
            good.append((number, *parsed))
        if len(good) + len(bad) >= chunk_rows:
            await flush()  # also lets the event loop serve others between chunks
    await flush()
    # A key twice in one batch makes the merge fail: only then are the repeats looked for (a sort
    # of the whole batch that files without repeats are spared).
    repeats = 0
    if source.name == "attendance":
        await conn.execute(_LEAVING_SQL, now, traceparent)
    await conn.execute("SAVEPOINT merge")
    try:
        changed = int(await conn.fetchval(_merge_sql(source), batch_id, now, traceparent))
    except asyncpg.CardinalityViolationError:
        await conn.execute("ROLLBACK TO SAVEPOINT merge")
        repeats = int((await conn.execute(_repeats_sql(source), batch_id)).split()[-1])
        changed = int(await conn.fetchval(_merge_sql(source), batch_id, now, traceparent))
    if source.name == "attendance":
        await conn.execute(_PROJECTS_SQL, batch_id, now)
    rejected += repeats
    return {"rows_total": total, "rows_changed": changed,
            "rows_unchanged": total - rejected - changed, "rows_rejected": rejected}


async def _existing(session: AsyncSession, source: str, digest: str) -> dict[str, Any] | None:
    row = (await session.execute(sa.select(ingest_batches).where(
        ingest_batches.c.source == source, ingest_batches.c.digest == digest))).mappings().first()
    return dict(row) if row else None


async def _claim(session: AsyncSession, batch: dict[str, Any]) -> bool:
    """Insert the batch row; False when the same content of the source is already a batch (a
    concurrent identical upload waits here for the first one's commit)."""
    inserted = await session.execute(
        sa.dialects.postgresql.insert(ingest_batches).values(**batch)
        .on_conflict_do_nothing(index_elements=["source", "digest"])
        .returning(ingest_batches.c.id))
    return inserted.first() is not None


async def load(runtime: Runtime[Any], source: Source, file: IO[bytes], *, digest: str, fmt: str,
               via: str, filename: str, actor: Actor) -> Loaded:
    """Load a batch file of `source` (`fmt` csv or jsonl); `digest` is the file's SHA-256."""
    now = runtime.clock.now()
    batch_id = new_id()
    batch: dict[str, Any] = {
        "id": batch_id, "source": source.name, "digest": digest, "via": via,
        "filename": filename[:200], "format": fmt, "status": "loading", "received_at": now,
        "rows_total": 0, "rows_changed": 0, "rows_unchanged": 0, "rows_rejected": 0, "error": "",
        "finished_at": None}
    error = ""
    async with runtime.uow() as uow:
        if not await _claim(uow.session, batch):
            existing = await _existing(uow.session, source.name, digest)
            if existing is None:  # the first one failed and rolled back in between
                raise Problem(409, "batch-in-flux", "Batch being loaded", "send it again")
            return Loaded(existing, replay=True)
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        try:
            counts = await _stage_and_merge(
                uow.session, source, READERS[fmt](source, _lines(text)), batch_id,
                runtime.settings.ingest_chunk_rows, now)
        except BadFile as exc:
            error = str(exc)
        else:
            finished = runtime.clock.now()
            batch |= counts | {"status": "done", "finished_at": finished}
            await uow.session.execute(ingest_batches.update()
                                      .where(ingest_batches.c.id == batch["id"])
                                      .values(status="done", finished_at=finished, **counts))
            if counts["rows_changed"]:
                created_work(uow.session, evaluations_due)
            await _audit(uow.session, batch, actor, now)
            await uow.commit()
            return Loaded(batch, replay=False)
        finally:
            text.detach()  # the caller closes its file
    # The whole file is unreadable: what was staged is undone, the batch stays as failed so that
    # its sender can query why (and a re-send of the same bytes answers the same).
    batch |= {"status": "failed", "error": error, "finished_at": runtime.clock.now()}
    async with runtime.uow() as uow:
        if not await _claim(uow.session, batch):
            existing = await _existing(uow.session, source.name, digest)
            return Loaded(existing or batch, replay=True)
        await _audit(uow.session, batch, actor, now)
        await uow.commit()
    return Loaded(batch, replay=False)


async def _audit(session: AsyncSession, batch: dict[str, Any], actor: Actor,
                 now: datetime) -> None:
    await audit.record(session, audit.AuditEntry(
        at=now, actor=actor.subject, role=actor.role, action=f"ingest.{batch['source']}.batch",
        subject=f"ingest-batch:{batch['id']}", reason=actor.reason))


def record_content(source: Source, body: bytes) -> tuple[bytes, str]:
    """A single record as a one-line JSON Lines batch (its canonical form, so that the same record
    sent again is the same batch); 422 with the reason when it is refused."""
    try:
        record = json.loads(body, parse_float=str)
    except ValueError as exc:
        raise Problem(422, "invalid-record", "Not JSON", str(exc)) from None
    if not isinstance(record, dict):
        raise Problem(422, "invalid-record", "Record refused", "the body must be a JSON object")
    parsed = parse_row(source, record)
    if isinstance(parsed, str):
        raise Problem(422, "invalid-record", "Record refused", parsed)
    known = {name: record.get(name) for name in source.names}
    content = json.dumps(known, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    return content, hashlib.sha256(content).hexdigest()


async def batch_of(runtime: Runtime[Any], batch_id: str) -> dict[str, Any] | None:
    async with runtime.reader.connect() as conn:
        row = (await conn.execute(sa.select(ingest_batches)
                                  .where(ingest_batches.c.id == batch_id))).mappings().first()
    return dict(row) if row else None


async def batches(runtime: Runtime[Any], sources: set[str] | None, limit: int,
                  before: str | None) -> list[dict[str, Any]]:
    """Newest first (ids grow in time); `before` is the last id of the previous page."""
    query = sa.select(ingest_batches).order_by(ingest_batches.c.id.desc()).limit(limit)
    if sources is not None:
        query = query.where(ingest_batches.c.source.in_(sorted(sources)))
    if before:
        query = query.where(ingest_batches.c.id < before)
    async with runtime.reader.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings()]


async def rejections(runtime: Runtime[Any], batch_id: str, after: int,
                     limit: int) -> list[dict[str, Any]]:
    query = (sa.select(ingest_rejections.c.row_number, ingest_rejections.c.reason)
             .where(ingest_rejections.c.batch_id == batch_id,
                    ingest_rejections.c.row_number > after)
             .order_by(ingest_rejections.c.row_number).limit(limit))
    async with runtime.reader.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings()]
