"""The bare reference endpoint of issue 9: what one FastAPI worker does with a complaint when
nothing but the essentials happens.

`POST /v1/complaints` parses a complaint-shaped JSON body (a pydantic model, as any FastAPI app
would), then with asyncpg directly (a pool) inserts the complaint row and an outbox row in ONE
transaction and answers 201 with JSON. No auth, quota, encryption, idempotency lookup, employer
matching or deadlines: the floor intake is compared with. uvicorn with uvloop and httptools,
access log off, one worker.

    python -m bench.bare --port 18999 --database-url postgresql://postgres@127.0.0.1:5432/postgres

The database named by `--database-name` (default: a unique `bench_bare_<hex>`) is created on the
server of `--database-url` at start-up and dropped at shutdown (SIGTERM or Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import asyncpg
import uvicorn
from fastapi import FastAPI, Header
from labor_runtime.db import asyncpg_dsn, drop_database, ensure_database
from pydantic import BaseModel, Field
from sqlalchemy.engine import make_url

SCHEMA = (
    """CREATE TABLE complaints (
        id uuid PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        tracking_code text NOT NULL,
        employer_credit_code text,
        employer_name text NOT NULL,
        district text,
        worker_count integer NOT NULL,
        arrears_amount numeric(14, 2) NOT NULL,
        body jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        routing_key text NOT NULL,
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz)""",
    "CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL",
)
INSERT_COMPLAINT = (
    "INSERT INTO complaints (id, idempotency_key, tracking_code, employer_credit_code, employer_name,"
    " district, worker_count, arrears_amount, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " RETURNING received_at")
INSERT_OUTBOX = "INSERT INTO outbox (event_id, routing_key, body) VALUES ($1, $2, $3)"


class Complainant(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=18, max_length=18)
    phone: str = Field(pattern=r"^\+?[0-9]{6,15}$")


class Employer(BaseModel):
    credit_code: str | None = Field(default=None, min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)


class Material(BaseModel):
    kind: str
    sha256: str | None = None
    description: str = ""


class Complaint(BaseModel):
    complaint_type: str = "wage_arrears"
    complainant: Complainant
    employer: Employer
    district: str | None = Field(default=None, max_length=32)
    worker_count: int = Field(ge=1, le=100_000)
    arrears_amount: Decimal = Field(ge=0, le=Decimal("1e11"), decimal_places=2)
    suspected_crime: bool = False
    mass_incident: bool = False
    summary: str = Field(default="", max_length=4000)
    project: str | None = None
    materials: list[Material] = Field(default_factory=list, max_length=100)


def database_url(url: str, name: str) -> str:
    """The URL of database `name` on the server of `url` (plain or `postgresql+asyncpg://`)."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def create_database(url: str) -> None:
    await ensure_database(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in SCHEMA:
            await conn.execute(statement)
    finally:
        await conn.close()


def create_app(server_url: str, database_name: str, pool_size: int = 16) -> FastAPI:
    url = database_url(server_url, database_name)
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        nonlocal pool
        await create_database(url)
        try:
            pool = await asyncpg.create_pool(asyncpg_dsn(url),
                                             min_size=pool_size, max_size=pool_size)
            try:
                yield
            finally:
                await pool.close()
        finally:
            await drop_database(url)

    app = FastAPI(title="bare reference", lifespan=lifespan, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "database": database_name}

    @app.post("/v1/complaints", status_code=201)
    async def accept(complaint: Complaint, idempotency_key: str = Header()) -> dict[str, str]:
        assert pool is not None
        complaint_id = uuid.uuid4()
        tracking_code = complaint_id.hex[:12].upper()
        body = complaint.model_dump_json()
        async with pool.acquire() as conn, conn.transaction():
            received_at = await conn.fetchval(
                INSERT_COMPLAINT, complaint_id, idempotency_key, tracking_code,
                complaint.employer.credit_code, complaint.employer.name, complaint.district,
                complaint.worker_count, complaint.arrears_amount, body)
            event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/bench/bare",
                     "type": "bare.complaint.accepted.v1", "time": received_at.isoformat(),
                     "data": {"complaint_id": str(complaint_id),
                              "employer": complaint.employer.model_dump(),
                              "worker_count": complaint.worker_count,
                              "arrears_amount": str(complaint.arrears_amount)}}
            await conn.execute(INSERT_OUTBOX, uuid.UUID(event["id"]), event["type"],
                               json.dumps(event).encode())
        return {"complaint_id": str(complaint_id), "tracking_code": tracking_code,
                "status": "received", "received_at": received_at.isoformat()}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="the server (and its maintenance database) to create the database on")
    parser.add_argument("--database-name", default=None, help="default: bench_bare_<random>")
    parser.add_argument("--pool-size", type=int, default=16)
    args = parser.parse_args()
    name = args.database_name or f"bench_bare_{uuid.uuid4().hex[:8]}"
    uvicorn.run(create_app(args.database_url, name, args.pool_size), host=args.host, port=args.port,
                loop="uvloop", http="httptools", access_log=False, log_level="warning", workers=1)


if __name__ == "__main__":
    main()
