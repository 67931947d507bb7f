"""`intake-service channel-key issue | rotate | revoke | list`: the channel key lifecycle (R-INT-1).

    intake-service channel-key issue --client hotline_12333 [--scope complaints:write]
    intake-service channel-key rotate --client hotline_12333 --overlap-hours 24
    intake-service channel-key revoke <key_id>
    intake-service channel-key list [--client hotline_12333]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from labor_runtime.db import create_engine
from sqlalchemy.ext.asyncio import AsyncSession

from intake.channels import keys
from intake.settings import IntakeSettings


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="intake-service channel-key",
                                   description="issue, rotate, revoke and list channel API keys")
    sub = root.add_subparsers(dest="action", required=True)
    issue = sub.add_parser("issue", help="a new key for a channel (printed once)")
    issue.add_argument("--client", required=True, help="a channel, or a client CHANNEL_CLIENTS maps")
    issue.add_argument("--scope", action="append", default=None,
                       help="repeatable; default complaints:write")
    rotate = sub.add_parser("rotate", help="a new key; the current ones expire after the overlap")
    rotate.add_argument("--client", required=True)
    rotate.add_argument("--overlap-hours", type=float, default=24.0,
                        help="how long the current keys keep working (default 24)")
    revoke = sub.add_parser("revoke", help="stop a key at once (cached for API_KEY_CACHE_SECONDS)")
    revoke.add_argument("key_id")
    listing = sub.add_parser("list", help="keys and their state, never their secrets")
    listing.add_argument("--client")
    return root


async def run(settings: IntakeSettings, args: argparse.Namespace) -> tuple[Any, bool]:
    """Do the action in one transaction; (what to print, success)."""
    now = datetime.now(UTC)
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine) as session, session.begin():
            if args.action == "issue":
                key = await keys.issue(session, client=args.client, scopes=args.scope,
                                       explicit=settings.channel_clients)
                return key, True
            if args.action == "rotate":
                return await keys.rotate(session, client=args.client, now=now,
                                         overlap=timedelta(hours=args.overlap_hours),
                                         explicit=settings.channel_clients), True
            if args.action == "revoke":
                ok = await keys.revoke(session, key_id=args.key_id, now=now)
                return {"revoked": ok}, ok
            return await keys.listing(session, client=args.client), True
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    try:
        result, ok = asyncio.run(run(IntakeSettings(), args))
    except keys.UnknownChannel as exc:
        raise SystemExit(f"refused: {exc}") from exc
    print(result if isinstance(result, str) else json.dumps(result, ensure_ascii=False))
    raise SystemExit(0 if ok else 1)
