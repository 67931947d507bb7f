"""Messaging benchmarks: outbox relay throughput with confirms, publish → consume latency.

    python bench/messaging.py relay --events 20000
    python bench/messaging.py latency --rate 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import sqlalchemy as sa
from labor_runtime.bus import Publisher, declare_exchange, remove_namespace
from labor_runtime.db import create_engine, drop_database, ensure_database
from labor_runtime.migrations import runtime_v1_statements
from labor_runtime.outbox import OutboxRelay

RESULTS = Path(__file__).parent / "results"
PG = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def write(name: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    result["machine"] = f"{os.cpu_count()} cores"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


async def relay_throughput(events: int, batch: int) -> dict[str, Any]:
    """Rows already committed in the outbox → confirmed on a quorum queue, events/s."""
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    url = PG.rsplit("/", 1)[0] + f"/bench_{uuid.uuid4().hex[:8]}"
    await ensure_database(url)
    engine = create_engine(url, pool_size=4, max_overflow=0)
    connection = await aio_pika.connect(AMQP)
    try:
        async with engine.begin() as conn:
            for statement in runtime_v1_statements():
                await conn.execute(sa.text(statement))
            body = b"x" * 1024
            await conn.execute(sa.text(
                "INSERT INTO outbox (event_id, routing_key, body) "
                "SELECT gen_random_uuid()::text, 'bench.event.v1', :body FROM generate_series(1, :n)"),
                {"body": body, "n": events})
        channel = await connection.channel()
        exchange = await declare_exchange(channel, f"{prefix}labor.events")
        queue = await channel.declare_queue(f"{prefix}bench", durable=True,
                                            arguments={"x-queue-type": "quorum"})
        await queue.bind(exchange, routing_key="#")
        relay = OutboxRelay(engine, Publisher(AMQP, f"{prefix}labor.events"), batch_size=batch)
        start = time.perf_counter()
        sent = 0
        while sent < events:
            sent += await relay.relay_once()
        elapsed = time.perf_counter() - start
        await relay.publisher.close()
        await queue.delete(if_unused=False, if_empty=False)
        await remove_namespace(AMQP, prefix, [])
        return {"benchmark": "outbox relay, publisher confirms, quorum queue, 1 KiB",
                "events": events, "batch": batch, "seconds": round(elapsed, 3),
                "events_per_second": round(events / elapsed)}
    finally:
        await connection.close()
        await engine.dispose()
        await drop_database(url)


async def publish_consume_latency(rate: int, seconds: float) -> dict[str, Any]:
    """Open-loop publishing at `rate`/s with confirms; latency to the consumer's callback."""
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=500)
    exchange = await declare_exchange(channel, f"{prefix}labor.events")
    queue = await channel.declare_queue(f"{prefix}lat", durable=True,
                                        arguments={"x-queue-type": "quorum"})
    await queue.bind(exchange, routing_key="#")
    latencies: list[float] = []
    total = int(rate * seconds)
    done = asyncio.Event()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        latencies.append(time.perf_counter() - float(message.headers["sent"]))  # type: ignore[arg-type]
        await message.ack()
        if len(latencies) >= total:
            done.set()

    await queue.consume(on_message)
    publisher = Publisher(AMQP, f"{prefix}labor.events")
    body = b"x" * 1024
    start = time.perf_counter()
    pending: set[asyncio.Task[None]] = set()
    for n in range(total):
        target = start + n / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(publisher.publish_raw(
            "bench.event.v1", body, message_id=str(n), headers={"sent": str(time.perf_counter())}))
        pending.add(task)
        task.add_done_callback(pending.discard)
    offered_seconds = time.perf_counter() - start
    await asyncio.wait_for(done.wait(), timeout=60)
    await publisher.close()
    await queue.delete(if_unused=False, if_empty=False)
    await connection.close()
    await remove_namespace(AMQP, prefix, [])
    ms = [v * 1000 for v in latencies]
    return {"benchmark": "publish (confirms) → consume latency, quorum queue, 1 KiB",
            "offered_rate": rate, "achieved_rate": round(total / offered_seconds),
            "messages": total, "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    relay = sub.add_parser("relay")
    relay.add_argument("--events", type=int, default=20_000)
    relay.add_argument("--batch", type=int, default=500)
    latency = sub.add_parser("latency")
    latency.add_argument("--rate", type=int, default=1000)
    latency.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if args.command == "relay":
        write("relay", asyncio.run(relay_throughput(args.events, args.batch)))
    else:
        write("latency", asyncio.run(publish_consume_latency(args.rate, args.seconds)))


if __name__ == "__main__":
    main()
