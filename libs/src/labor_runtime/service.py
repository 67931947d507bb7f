"""Command line of every service: `<service> serve | migrate | issue-key | revoke-key`."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from labor_runtime.db import create_engine
from labor_runtime.migrations import migrate
from labor_runtime.security import issue_api_key, revoke_api_key
from labor_runtime.settings import ServiceSettings, SettingsT
from labor_runtime.telemetry import configure_logging


def serve(app_factory: Callable[[SettingsT], FastAPI], settings: SettingsT) -> None:
    """Serve with uvloop and httptools; `WEB_CONCURRENCY` > 1 runs that many processes, each
    with its own consumer and relay (competing consumers; the outbox is claimed row by row)."""
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_config": None,
                               "timeout_graceful_shutdown": 15, "access_log": False}
    if settings.web_concurrency > 1:
        uvicorn.run(f"{app_factory.__module__}:{app_factory.__name__}", factory=True,
                    workers=settings.web_concurrency, **options)
    else:
        uvicorn.run(app_factory(settings), **options)


async def _issue(settings: ServiceSettings, client: str, kind: str, scopes: list[str]) -> str:
    from sqlalchemy.ext.asyncio import AsyncSession

    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine) as session, session.begin():
            return await issue_api_key(session, client=client, kind=kind, scopes=scopes)
    finally:
        await engine.dispose()


async def _revoke(settings: ServiceSettings, key_id: str) -> bool:
    from datetime import UTC, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine) as session, session.begin():
            return await revoke_api_key(session, key_id, datetime.now(UTC))
    finally:
        await engine.dispose()


def main(
    settings_type: type[SettingsT],
    app_factory: Callable[[SettingsT], FastAPI],
    migrations: Path,
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"{settings_type.service_name}-service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP API, consumers, outbox relay and timer sweeper")
    sub.add_parser("migrate", help="create the database if needed and apply migrations")
    issue = sub.add_parser("issue-key", help="issue an API key for a channel or partner")
    issue.add_argument("--client", required=True)
    issue.add_argument("--kind", choices=["channel", "partner"], required=True)
    issue.add_argument("--scope", action="append", default=[])
    revoke = sub.add_parser("revoke-key", help="revoke an API key by its id")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)
    settings = settings_type()
    if args.command == "serve":
        configure_logging(settings.service_name, settings.log_level)
        serve(app_factory, settings)
    elif args.command == "migrate":
        migrate(migrations, settings.database_url)
        print(json.dumps({"service": settings.service_name, "migrated": True}))
    elif args.command == "issue-key":
        print(asyncio.run(_issue(settings, args.client, args.kind, args.scope)))
    elif args.command == "revoke-key":
        ok = asyncio.run(_revoke(settings, args.key_id))
        print(json.dumps({"revoked": ok}))
        raise SystemExit(0 if ok else 1)
