"""`labor-ops`: dead letters (list, replay), outbox backlog and lag, development tokens.

    labor-ops dlq list --service cases
    labor-ops dlq replay --service cases --all
    labor-ops dlq replay --service cases --message-id <id>
    labor-ops outbox --database-url postgresql+asyncpg://.../cases
    labor-ops audit --database-url postgresql+asyncpg://.../intake
    labor-ops token --role officer_a --district d01
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from dataclasses import dataclass
from typing import Any

import aio_pika

from labor_runtime.audit import verify_chain
from labor_runtime.bus import ATTEMPT_HEADER, ORIGINAL_KEY_HEADER, REASON_HEADER, Publisher, ServiceQueues
from labor_runtime.db import create_engine
from labor_runtime.outbox import backlog
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    routing_key: str
    reason: str
    body: bytes
    headers: dict[str, Any]


def _reason(headers: dict[str, Any]) -> str:
    if REASON_HEADER in headers:
        return str(headers[REASON_HEADER])
    deaths = headers.get("x-death") or []
    if deaths:
        return f"broker: {deaths[0].get('reason')}"  # e.g. delivery_limit
    return "unknown"


async def list_dead_letters(url: str, queues: ServiceQueues, limit: int = 1000) -> list[DeadLetter]:
    """Read dead letters without removing them (unacked messages return when the channel closes)."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queues.dead_letters, ensure=True)
        letters: list[DeadLetter] = []
        while len(letters) < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = dict(message.headers or {})
            letters.append(DeadLetter(message.message_id or "", str(headers.get(ORIGINAL_KEY_HEADER, "")),
                                      _reason(headers), message.body, headers))
        return letters
    finally:
        await connection.close()


async def replay(url: str, queues: ServiceQueues, message_id: str | None = None) -> int:
    """Move dead letters (all, or the one with `message_id`) back to the service's main queue."""
    connection = await aio_pika.connect(url)
    publisher = Publisher(url, queues.exchange)
    replayed = 0
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queues.dead_letters, ensure=True)
        seen: set[int] = set()
        while True:
            message = await queue.get(no_ack=False, fail=False)
            if message is None or (message.delivery_tag in seen):
                break
            seen.add(message.delivery_tag or 0)
            if message_id is not None and message.message_id != message_id:
                continue  # left unacked: back in the queue when the channel closes
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (REASON_HEADER, ATTEMPT_HEADER, "x-death")}
            headers["x-labor-replayed"] = 1
            await publisher.publish_raw(queues.main, message.body, message_id=message.message_id or "",
                                        headers=headers, exchange="")
            await message.ack()
            replayed += 1
        return replayed
    finally:
        await publisher.close()
        await connection.close()


async def outbox_status(database_url: str) -> dict[str, float]:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            pending, oldest = await backlog(conn)
        return {"unsent": pending, "oldest_unsent_seconds": round(oldest, 3)}
    finally:
        await engine.dispose()


async def audit_status(database_url: str) -> dict[str, object]:
    """Verify a service's hash-chained audit log (R-OVS-2): entries altered or missing."""
    from sqlalchemy.ext.asyncio import AsyncSession

    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(engine) as session:
            broken = await verify_chain(session)
        return {"intact": not broken, "broken_at_seq": broken}
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="labor-ops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--bus-prefix", default=os.environ.get("BUS_PREFIX", ""))
    sub = parser.add_subparsers(dest="command", required=True)
    dlq = sub.add_parser("dlq", help="dead letters of one service")
    dlq_sub = dlq.add_subparsers(dest="action", required=True)
    for name in ("list", "replay"):
        p = dlq_sub.add_parser(name)
        p.add_argument("--service", required=True)
        if name == "replay":
            group = p.add_mutually_exclusive_group(required=True)
            group.add_argument("--all", action="store_true")
            group.add_argument("--message-id")
    out = sub.add_parser("outbox", help="unsent events and the age of the oldest")
    out.add_argument("--database-url", required=True)
    aud = sub.add_parser("audit", help="verify a service's hash-chained audit log")
    aud.add_argument("--database-url", required=True)
    tok = sub.add_parser("token", help="mint a development staff token")
    tok.add_argument("--role", action="append", required=True)
    tok.add_argument("--subject", default=None)
    tok.add_argument("--district", default=None,
                     help="a district code, or 'city' for the city detachment; required for every "
                          "role but detachment_chief and ops, which are city-wide")
    tok.add_argument("--key", default=os.environ.get("AUTH_JWT_KEY", DEV_JWT_SECRET))
    args = parser.parse_args(argv)

    if args.command == "dlq":
        queues = ServiceQueues(service=args.service, event_types=(), prefix=args.bus_prefix)
        if args.action == "list":
            letters = asyncio.run(list_dead_letters(args.amqp_url, queues))
            for letter in letters:
                print(json.dumps({"message_id": letter.message_id, "routing_key": letter.routing_key,
                                  "reason": letter.reason, "bytes": len(letter.body)}, ensure_ascii=False))
            print(json.dumps({"dead_letters": len(letters)}))
        else:
            count = asyncio.run(replay(args.amqp_url, queues, None if args.all else args.message_id))
            print(json.dumps({"replayed": count}))
    elif args.command == "outbox":
        print(json.dumps(asyncio.run(outbox_status(args.database_url))))
    elif args.command == "audit":
        result = asyncio.run(audit_status(args.database_url))
        print(json.dumps(result))
        raise SystemExit(0 if result["intact"] else 1)
    elif args.command == "token":
        subject = args.subject or f"dev-{'-'.join(args.role)}"
        print(mint_token(args.key, subject=subject, roles=args.role, district=args.district,
                         name=subject))
