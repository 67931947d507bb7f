"""Open-loop load on a whole stack (issue 9): complaints at fixed rates from many employers.

    python -m bench.load [--rates 50,100,300,600] [--seconds 20] [--preload N]

Starts a stack like `make up` (its own state directory, ports, databases and bus prefix; purged at
the end), then:

1. idle: each process's CPU for a few seconds before any load;
2. per rate: complaints (6 workers, materials complete, a unique Idempotency-Key, one of
   `--employers` distinct employers) POSTed to intake open loop by a generator in its own process
   (bench/openloop.py); an outside consumer, in its own process, bound to the stack's exchange
   with `cases.case.registered.v1`, records when each complaint id arrives. Figures: achieved rate,
   HTTP latency, accepted → registered latency (both from the moment the POST was *scheduled*),
   lost = accepted ids never seen registered (reconciled by id, after a bounded drain and again
   at the end of the run), and CPU per process over the steady part of the rate;
3. during one rate (`--walk-rate`), the scenario of scripts/scenario.py walked a few times, one
   after another: decision signed → partner webhook verified;
4. intake vs the bare reference (bench/bare.py) closed loop at 1 and 16 connections, interleaved
   bare, intake, bare, intake, in the same run; the ratio;
5. a table, and JSON in bench/results/load.json.

`--preload N` calls `bench.seed.seed(database_urls, N)` (when bench/seed.py exists) before the
rates, to measure with N complaints already stored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from labor_runtime.db import asyncpg_dsn, drop_database

from bench.messaging import write
from bench.openloop import OpenLoopProcess, call_in_process, closed_loop, percentile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from stack import SERVICES, SINKS, Stack, _records, free_port_base, port_free, start_stack, stop_stack

ROOT = Path(__file__).resolve().parents[1]

REGISTERED = "cases.case.registered.v1"
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
TICK = os.sysconf("SC_CLK_TCK")


# --- the complaints --------------------------------------------------------------------------


def credit_code(i: int) -> str:
    """The i-th synthetic unified social credit code (GB 32100: weights 3^k mod 31, check
    character (31 - sum mod 31) mod 31). The `LD` organization codes never meet a real one or the
    scenario's employer."""
    first17 = f"91350100LD{i:07d}"
    total = sum(CREDIT_ALPHABET.index(ch) * pow(3, k, 31) for k, ch in enumerate(first17))
    return first17 + CREDIT_ALPHABET[(31 - total % 31) % 31]


@dataclass
class ComplaintRequests:
    """request(n): a complaint of 6 workers with materials, against employer (offset + n) mod
    `employers`, under its own Idempotency-Key. Pickles into the generator's process."""

    api_key: str
    tag: str
    employers: int = 10_000
    offset: int = 0

    def __call__(self, n: int) -> tuple[bytes, dict[str, str]]:
        i = (self.offset + n) % self.employers
        body = {
            "complaint_type": "wage_arrears",
            "complainant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"},
            "employer": {"credit_code": credit_code(i), "name": f"负载测试建筑工程有限公司{i:05d}",
                         "address": f"某市某区某路{i % 900 + 1}号"},
            "district": "d01", "worker_count": 6, "arrears_amount": "120000.00",
            "summary": "六名工人三个月工资未发",
            "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}],
        }
        return (json.dumps(body, ensure_ascii=False).encode(),
                {"X-API-Key": self.api_key, "Idempotency-Key": f"load-{self.tag}-{n:08d}"})


# --- the outside consumer, in a process of its own ---------------------------------------------


def _consume(conn: multiprocessing.connection.Connection, amqp_url: str, exchange_name: str,
             routing_key: str) -> None:
    """Bind an exclusive queue to the stack's exchange; log (arrival, complaint ids) per event.
    A thread answers the parent (`("since", i)` → the log from i on) so that the event loop never
    waits on the pipe."""
    import aio_pika

    from bench.openloop import _new_loop

    log: list[tuple[float, list[str]]] = []

    def answer(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
        try:
            while True:
                command, argument = conn.recv()
                if command != "since":
                    break
                conn.send(("log", log[argument:]))
        except (EOFError, OSError):
            pass
        loop.call_soon_threadsafe(stop.set)

    async def main() -> None:
        connection = await aio_pika.connect(amqp_url, timeout=10)
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=1000)
            exchange = await channel.get_exchange(exchange_name, ensure=True)
            queue = await channel.declare_queue("", exclusive=True, durable=False, auto_delete=True)
            await queue.bind(exchange, routing_key=routing_key)

            async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                arrived = time.perf_counter()
                try:
                    ids = [str(c) for c in json.loads(message.body)["data"]["complaint_ids"]]
                except (ValueError, KeyError, TypeError):
                    ids = []
                log.append((arrived, ids))

            await queue.consume(on_message, no_ack=True)
            conn.send(("ready", None))
            stop = asyncio.Event()
            threading.Thread(target=answer, args=(asyncio.get_running_loop(), stop), daemon=True).start()
            await stop.wait()
        finally:
            await connection.close()

    try:
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            runner.run(main())
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
        raise


class RegisteredConsumer:
    """The parent's side: `arrivals` (complaint id → first arrival, perf_counter), `events`,
    `duplicates` (an id seen again: at-least-once delivery)."""

    def __init__(self, amqp_url: str, exchange_name: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=_consume, args=(child, amqp_url, exchange_name, REGISTERED),
                                       name="registered-consumer", daemon=True)
        self.process.start()
        child.close()
        self.arrivals: dict[str, float] = {}
        self.events = 0
        self.duplicates = 0
        self._cursor = 0
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def _receive(self, timeout: float) -> Any:
        if not self._conn.poll(timeout):
            raise TimeoutError(f"the consumer process said nothing for {timeout:.0f} s")
        kind, value = self._conn.recv()
        if kind == "error":
            raise RuntimeError(f"the consumer process failed:\n{value}")
        return value

    async def ready(self, timeout: float = 60) -> None:
        await asyncio.to_thread(self._receive, timeout)

    async def poll(self) -> None:
        async with self._lock:
            def ask() -> list[tuple[float, list[str]]]:
                self._conn.send(("since", self._cursor))
                value: list[tuple[float, list[str]]] = self._receive(30)
                return value

            entries = await asyncio.to_thread(ask)
        self._cursor += len(entries)
        for arrived, ids in entries:
            self.events += 1
            for complaint_id in ids:
                if complaint_id in self.arrivals:
                    self.duplicates += 1
                else:
                    self.arrivals[complaint_id] = arrived

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(("stop", None))
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        with contextlib.suppress(OSError):
            self._conn.close()


# --- CPU per process, from /proc -----------------------------------------------------------------


@dataclass
class CpuSample:
    at: float
    procs: dict[int, tuple[str, int, int]]  # pid -> (comm, process group, utime+stime ticks)
    machine_busy: int  # ticks of every CPU not idle
    databases: dict[int, str | None]  # PostgreSQL pid -> the database its backend serves


def _postgres_database(pid: int) -> str | None:
    """The database of a PostgreSQL backend (`postgres: 15/main: user db host(port) state`, or
    `... autovacuum worker db`); None for the server's shared processes (checkpointer, WAL...)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            title = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    tokens = title.split(": ", 2)[-1].split()
    if tokens[:2] == ["autovacuum", "worker"]:
        return tokens[2] if len(tokens) > 2 else None
    if len(tokens) >= 3 and ("(" in tokens[2] or tokens[2].startswith("[local]")):
        return tokens[1]
    return None


def take_sample() -> CpuSample:
    procs = {}
    databases = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        close = stat.rindex(")")
        fields = stat[close + 2:].split()
        pid, comm = int(entry.name), stat[stat.index("(") + 1:close]
        procs[pid] = (comm, int(fields[2]), int(fields[11]) + int(fields[12]))
        if comm == "postgres":
            databases[pid] = _postgres_database(pid)
    with open("/proc/stat") as handle:
        cpu = [int(v) for v in handle.readline().split()[1:]]
    busy = sum(cpu[:8]) - cpu[3] - cpu[4]  # user..steal, less idle and iowait
    return CpuSample(time.perf_counter(), procs, busy, databases)


@dataclass
class Groups:
    """Which processes are whose: the stack's by process group (each service starts its own
    session); PostgreSQL's backends of this run's databases and the server's shared processes
    (checkpointer, WAL writer, ...; other databases' backends are `other`); RabbitMQ by name
    (one node, shared with whatever else uses it); ours by pid."""

    stack: Stack
    pids: dict[int, str] = field(default_factory=dict)

    def ours(self, database: str | None) -> bool:
        return (database is None or database.endswith(self.stack.config.db_suffix)
                or database.startswith("bench_bare_"))

    def of(self, pid: int, comm: str, pgrp: int, groups: dict[int, str],
           sample: CpuSample) -> str | None:
        if pid in self.pids:
            return self.pids[pid]
        if pgrp in groups:
            return groups[pgrp]
        if comm == "postgres":
            return "postgres" if self.ours(sample.databases.get(pid)) else None
        if comm == "beam.smp":
            return "rabbitmq"
        return None

    def cpu(self, a: CpuSample, b: CpuSample) -> dict[str, float]:
        """CPU seconds per group between two samples, with `machine` (all busy CPU) and `other`
        (busy CPU of nothing here: other stacks, tests, the system)."""
        groups = {r.pid: ("sinks" if name in SINKS else name)
                  for name, r in _records(self.stack.config).items()}
        seconds: dict[str, float] = {}
        for pid, (comm, pgrp, ticks) in b.procs.items():
            name = self.of(pid, comm, pgrp, groups, b)
            if name is None:
                continue
            before = a.procs.get(pid)
            used = ticks - (before[2] if before and before[0] == comm else 0)
            seconds[name] = seconds.get(name, 0.0) + max(used, 0) / TICK
        machine = (b.machine_busy - a.machine_busy) / TICK
        seconds["machine"] = machine
        seconds["other"] = max(0.0, machine - sum(v for k, v in seconds.items() if k != "machine"))
        return seconds


STACK_GROUPS = (*SERVICES, "sinks", "postgres", "rabbitmq")
COLUMNS = (*STACK_GROUPS, "generator", "consumer", "bench", "other", "machine")


def cores(cpu: dict[str, float], window: float) -> dict[str, float]:
    return {k: round(v / window, 3) for k, v in cpu.items()}


# --- database I/O, from PostgreSQL's statistics -----------------------------------------------------

_DATABASE_IO = """
SELECT (SELECT wal_bytes FROM pg_stat_wal)::float8 AS wal_bytes,
       (SELECT wal_fpi FROM pg_stat_wal)::float8 AS wal_fpi,
       coalesce(sum(blks_read), 0)::float8 AS blocks_read,
       coalesce(sum(blks_hit), 0)::float8 AS blocks_hit,
       coalesce(sum(xact_commit), 0)::float8 AS commits
  FROM pg_stat_database WHERE datname LIKE '%' || $1
"""


async def database_io(stack: Stack) -> dict[str, float]:
    """The server's WAL written so far (bytes, full-page images) and this stack's databases' block
    reads outside shared buffers, hits and commits: the differences over a rate, per complaint,
    show whether stored data makes each complaint cost more (bigger indexes, colder pages)."""
    conn = await asyncpg.connect(asyncpg_dsn(stack.config.postgres_url))
    try:
        row = await conn.fetchrow(_DATABASE_IO, stack.config.db_suffix)
    finally:
        await conn.close()
    return dict(row)


# --- helpers -------------------------------------------------------------------------------------


async def sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


def stats_ms(values: Iterable[float]) -> dict[str, float] | None:
    ms = [v * 1000 for v in values]
    if not ms:
        return None
    return {"p50": round(percentile(ms, 0.5), 1), "p99": round(percentile(ms, 0.99), 1),
            "max": round(max(ms), 1), "n": len(ms)}


@dataclass
class Context:
    stack: Stack
    consumer: RegisteredConsumer | None
    groups: Groups
    employers: int
    max_connections: int
    drain: float
    http_drain: float
    employer_offset: int = 0
    idle_stack_cores: float = 0.0

    @property
    def intake(self) -> str:
        return self.stack.url("intake")

    def requests(self, tag: str, count: int) -> ComplaintRequests:
        made = ComplaintRequests(self.stack.api_key("hotline_12333"), tag, self.employers,
                                 self.employer_offset % self.employers)
        self.employer_offset += count
        return made

    async def settle(self, limit: float = 45.0) -> float:
        """Wait (at most `limit` s) until the stack is back near its idle CPU: registrations no
        longer arriving and the stack's processes within 0.25 core of what they used at idle."""
        start = time.perf_counter()
        consumer = self.consumer
        if consumer is None:  # nothing downstream to wait for
            return 0.0
        while time.perf_counter() - start < limit:
            await consumer.poll()
            seen = len(consumer.arrivals)
            a = take_sample()
            await asyncio.sleep(1.0)
            b = take_sample()
            await consumer.poll()
            cpu = self.groups.cpu(a, b)
            busy = sum(cpu.get(g, 0.0) for g in STACK_GROUPS) / (b.at - a.at)
            if len(consumer.arrivals) == seen and busy < self.idle_stack_cores + 0.25:
                break
        return round(time.perf_counter() - start, 1)


# --- the phases ------------------------------------------------------------------------------------


async def idle(ctx: Context, seconds: float = 3.0) -> dict[str, Any]:
    a = take_sample()
    await asyncio.sleep(seconds)
    b = take_sample()
    per = cores(ctx.groups.cpu(a, b), b.at - a.at)
    ctx.idle_stack_cores = sum(per.get(g, 0.0) for g in STACK_GROUPS)
    return {"seconds": seconds, "cores": per}


async def walks(ctx: Context, start: float, end: float, count: int, timeout: float) -> list[dict[str, Any]]:
    """Scenario walks one after another while the rate runs: decision → partner webhook."""
    from scenario import Scenario

    urls = {s: ctx.stack.url(s) for s in SERVICES}
    done: list[dict[str, Any]] = []
    await sleep_until(start)
    for _ in range(count):
        if time.perf_counter() >= end:
            break
        scenario = Scenario(urls, ctx.stack.api_key("hotline_12333"), ctx.stack.mail_dir,
                            timeout=min(60.0, timeout))
        began = time.perf_counter()
        try:
            outcome = await asyncio.wait_for(scenario.run(), timeout)
        except Exception as exc:  # a walk that fails is reported, the load goes on
            done.append({"error": f"{type(exc).__name__}: {exc}"[:400],
                         "seconds": round(time.perf_counter() - began, 1)})
            continue
        decided = getattr(scenario, "_decided_at", None)
        done.append({
            "decided_to_webhook_ms": round(outcome.latencies["decided_to_webhook"] * 1000, 1),
            "accepted_to_registered_ms": round(outcome.latencies["accepted_to_registered"] * 1000, 1),
            "decided_during_load": decided is not None and decided < end,
            "seconds": round(time.perf_counter() - began, 1)})
    return done


async def one_rate(ctx: Context, rate: float, seconds: float, walk_count: int,
                   walk_timeout: float) -> dict[str, Any]:
    settled = await ctx.settle()
    tag = f"r{rate:g}-{uuid.uuid4().hex[:6]}"
    total = int(rate * seconds)
    generator = OpenLoopProcess(ctx.intake + "/v1/complaints", rate, seconds, ctx.requests(tag, total),
                                max_connections=ctx.max_connections, drain=ctx.http_drain)
    walk_task: asyncio.Task[list[dict[str, Any]]] | None = None
    try:
        await generator.ready()
        if generator.pid:
            ctx.groups.pids[generator.pid] = "generator"
        start = time.perf_counter() + 0.2
        generator.go(start)
        end = start + seconds
        warm = start + min(2.0, 0.2 * seconds)
        if walk_count:
            walk_task = asyncio.create_task(walks(ctx, start, end, walk_count, walk_timeout))
        await sleep_until(warm)
        io_before = await database_io(ctx.stack)
        a = take_sample()
        await sleep_until(end)
        b = take_sample()
        io_after = await database_io(ctx.stack)
        result = await generator.result()
    except BaseException:
        if walk_task is not None:
            walk_task.cancel()
        raise
    finally:
        generator.close()
    accepted: dict[str, tuple[float, float, float]] = {}  # id -> (scheduled, sent, done)
    bad_bodies = 0
    for _, scheduled, sent, done, status, body in result.records:
        if status == 201:
            try:
                accepted[str(json.loads(body)["complaint_id"])] = (scheduled, sent, done)
            except (ValueError, KeyError, TypeError):
                bad_bodies += 1
    last_sent = max((r[2] for r in result.records), default=end)
    deadline = max(last_sent, end) + ctx.drain
    consumer = ctx.consumer
    assert consumer is not None, "a rate needs the outside consumer"
    while True:
        await consumer.poll()
        missing = sum(1 for c in accepted if c not in consumer.arrivals)
        if not missing or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.25)
    drained_at = time.perf_counter()
    walked: list[dict[str, Any]] = []
    if walk_task is not None:
        try:
            walked = await walk_task
        except Exception as exc:
            walked = [{"error": f"{type(exc).__name__}: {exc}"[:400]}]
    window = b.at - a.at
    cpu = ctx.groups.cpu(a, b)
    in_window = [c for c, (_, _, done) in accepted.items() if a.at <= done <= b.at]
    registered_in_window = sum(1 for t in consumer.arrivals.values() if a.at <= t <= b.at)
    per_complaint = {k: round(v * 1000 / len(in_window), 2) for k, v in cpu.items()} if in_window else {}
    stack_cpu = sum(cpu.get(g, 0.0) for g in STACK_GROUPS)
    return {
        "rate": rate, "seconds": seconds, "settled_before_s": settled,
        "http": result.summary(),
        "unparsable_201_bodies": bad_bodies,
        "accepted": len(accepted),
        "unregistered_at_drain": missing,
        "drain_s": round(drained_at - max(last_sent, end), 1),
        "steady_window_s": round(window, 2),
        "accepted_in_window_rps": round(len(in_window) / window, 1),
        "registered_in_window_rps": round(registered_in_window / window, 1),
        "cores": cores(cpu, window),
        "stack_cores": round(stack_cpu / window, 3),
        "cpu_ms_per_accepted_complaint": per_complaint,
        "stack_cpu_ms_per_accepted_complaint": (round(stack_cpu * 1000 / len(in_window), 2)
                                                if in_window else None),
        "database_io_per_accepted_complaint": (
            {k: round((io_after[k] - io_before[k]) / len(in_window), 1) for k in io_after}
            if in_window else {}),
        "walks": walked,
        "_accepted": accepted,  # removed before writing; the final reconciliation needs it
    }


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


async def ratio(ctx: Context, seconds: float, levels: tuple[int, ...] = (1, 16),
                rounds: int = 2) -> dict[str, Any]:
    """Closed loop, interleaved bare, intake, bare, intake, at each level; the ratio intake/bare.

    `ctx.stack` runs intake alone (with its relay, every check on): the issue compares intake
    with the bare endpoint, not with the stack downstream of it."""
    from bench import bare

    config = ctx.stack.config
    port = next(p for p in range(config.port_base + 60, config.port_base + 99)
                if port_free("127.0.0.1", p))
    database = f"bench_bare_{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bare", "--port", str(port), "--database-url",
         config.postgres_url, "--database-name", database],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ctx.groups.pids[process.pid] = "bare"
    runs: list[dict[str, Any]] = []
    try:
        await asyncio.to_thread(_wait_http, f"http://127.0.0.1:{port}/healthz", 60)
        urls = {"bare": f"http://127.0.0.1:{port}/v1/complaints",
                "intake": ctx.intake + "/v1/complaints"}
        for level in levels:
            for round_ in range(rounds):
                for target in ("bare", "intake"):
                    settled = await ctx.settle()
                    tag = f"c{level}-{target}-{round_}-{uuid.uuid4().hex[:6]}"
                    request = ctx.requests(tag, 0)
                    a = take_sample()
                    summary, generator_cpu, _ = await call_in_process(
                        closed_loop, urls[target], level, seconds, request, timeout=seconds + 120)
                    b = take_sample()
                    ctx.employer_offset += int(summary["requests"])
                    cpu = ctx.groups.cpu(a, b)
                    served = max(int(summary["requests"]), 1)
                    runs.append({"connections": level, "target": target, "round": round_ + 1,
                                 "settled_before_s": settled, **summary,
                                 "target_cpu_ms_per_request": round(cpu.get(target, 0.0) * 1000 / served, 3),
                                 "target_cores": round(cpu.get(target, 0.0) / summary["seconds"], 3),
                                 "generator_cpu_s": round(generator_cpu, 3)})
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 10)
        stderr = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
        await drop_database(bare.database_url(config.postgres_url, database))
    levels_out = []
    for level in levels:
        row: dict[str, Any] = {"connections": level}
        for target in ("bare", "intake"):
            mine = [r for r in runs if r["connections"] == level and r["target"] == target]
            requests = sum(int(r["requests"]) for r in mine)
            row[target] = {
                "requests_per_second": round(requests / sum(r["seconds"] for r in mine), 1),
                "rounds_rps": [r["requests_per_second"] for r in mine],
                "p50_ms": round(statistics.mean(r["p50_ms"] for r in mine), 2),
                "p99_ms": round(max(r["p99_ms"] for r in mine), 2),
                "cpu_ms_per_request": round(statistics.mean(
                    r["target_cpu_ms_per_request"] for r in mine), 3),
                "cores": round(statistics.mean(r["target_cores"] for r in mine), 3),
                "statuses": _merge(r["statuses"] for r in mine)}
        bare_rps = row["bare"]["requests_per_second"]
        row["ratio_intake_to_bare"] = round(row["intake"]["requests_per_second"] / bare_rps, 3) \
            if bare_rps else None
        levels_out.append(row)
    return {"seconds_per_run": seconds, "rounds": rounds, "levels": levels_out, "runs": runs,
            "bare_stderr": stderr.strip() or None}


def _merge(dicts: Iterable[dict[Any, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            merged[str(k)] = merged.get(str(k), 0) + v
    return merged


async def preload(stack: Stack, n: int) -> dict[str, Any]:
    try:
        seed_module = importlib.import_module("bench.seed")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.seed":
            raise
        return {"requested": n, "seeded": False, "note": "bench/seed.py is not there: nothing seeded"}
    urls = {s: stack.config.database_url(s) for s in SERVICES}
    started = time.perf_counter()
    outcome = seed_module.seed(urls, n)
    if inspect.isawaitable(outcome):
        outcome = await outcome
    seeded = round(time.perf_counter() - started, 1)
    quiet = await _after_bulk_write(stack)
    return {"requested": n, "seeded": True, "seconds": seeded, "settled_after_s": quiet,
            "returned": outcome if isinstance(outcome, dict | list | int | str | None) else repr(outcome)}


async def _after_bulk_write(stack: Stack, limit: float = 180.0) -> float:
    """A large seed leaves gigabytes of WAL and dirty pages: checkpoint, then wait (at most
    `limit` s) until the machine is near idle, so that the rates measure the stack, not the
    write-back of the seed."""
    admin = await asyncpg.connect(asyncpg_dsn(stack.config.postgres_url))
    started = time.perf_counter()
    try:
        await admin.execute("CHECKPOINT")
    finally:
        await admin.close()
    while time.perf_counter() - started < limit:
        a = take_sample()
        await asyncio.sleep(2.0)
        b = take_sample()
        if (b.machine_busy - a.machine_busy) / TICK / (b.at - a.at) < 0.25:
            break
    return round(time.perf_counter() - started, 1)


def finish(rates: list[dict[str, Any]], consumer: RegisteredConsumer) -> None:
    """Reconcile every rate's accepted ids against every registration seen by the end of the run:
    latencies counted with late arrivals, `lost` = never seen."""
    arrivals = consumer.arrivals
    for run in rates:
        accepted: dict[str, tuple[float, float, float]] = run.pop("_accepted")
        seen = [(arrivals[c], times) for c, times in accepted.items() if c in arrivals]
        run["lost"] = len(accepted) - len(seen)
        run["registered_late"] = run["unregistered_at_drain"] - run["lost"]
        run["accepted_to_registered_from_schedule_ms"] = stats_ms(t - s for t, (s, _, _) in seen)
        run["accepted_to_registered_from_send_ms"] = stats_ms(t - sent for t, (_, sent, _) in seen)
        run["registered_after_201_ms"] = stats_ms(t - done for t, (_, _, done) in seen)


async def run_all(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    consumer = RegisteredConsumer(stack.config.amqp_url, f"{stack.config.bus_prefix}labor.events")
    groups = Groups(stack)
    ctx = Context(stack, consumer, groups, args.employers, args.max_connections, args.drain,
                  args.http_drain if args.http_drain is not None else min(30.0, max(10.0, args.seconds)))
    out: dict[str, Any] = {
        "benchmark": "open-loop complaints → case registered (outside consumer), whole stack; "
                     "intake vs bare reference",
        "stack": {"port_base": stack.config.port_base, "bus_prefix": stack.config.bus_prefix,
                  "db_suffix": stack.config.db_suffix},
        "latency_origin": "the moment each POST was scheduled (open loop, no coordinated omission)",
        "complaints": f"6 workers, 120000.00 yuan, materials complete, {args.employers} distinct "
                      "employers in turn, district d01, one Idempotency-Key each",
    }
    try:
        await consumer.ready()
        if consumer.pid:
            groups.pids[consumer.pid] = "consumer"
        groups.pids[os.getpid()] = "bench"
        if args.preload:
            out["preload"] = await preload(stack, args.preload)
        out["idle"] = await idle(ctx)
        rates: list[dict[str, Any]] = []
        walk_rate = args.walk_rate if args.walk_rate is not None else _default_walk_rate(args.rates)
        for rate in args.rates:
            walk_count = args.walks if rate == walk_rate else 0
            run = await one_rate(ctx, rate, args.seconds, walk_count, args.walk_timeout)
            rates.append(run)
            print(_rate_line(run, pending=True), flush=True)
        out["rates"] = rates
        out["walks"] = {
            "rate": walk_rate, "requested": args.walks,
            "how": "scripts/scenario.py walked one after another (not concurrently) from the start "
                   "of the rate while it sends; each walk signs a penalty decision and times it to the "
                   "partner's verified webhook",
            "why_not_concurrent": "a Scenario files every complaint against one employer "
                                  "(scenario.CREDIT_CODE): concurrent walks would join one case "
                                  "(R-INT-6) and collide on its penalty proposal",
            "caveat": "each walk advances every service's clock by 3 days + 60 s, so the deadlines "
                      "the load has stored so far fall due and the sweepers fire during the rate",
        }
        out["final_wait"] = await final_wait(consumer, [c for r in rates for c in r["_accepted"]],
                                             args.final_wait)
        finish(rates, consumer)
        out["registered_events"] = consumer.events
        out["duplicate_registrations"] = consumer.duplicates
        out["lost_total"] = sum(r["lost"] for r in rates)
        return out
    finally:
        consumer.close()


async def final_wait(consumer: RegisteredConsumer, ids: list[str], limit: float,
                     stall: float = 10.0) -> dict[str, Any]:
    """Before counting losses: wait while registrations of accepted ids still arrive; stop when
    all are in, when none has come for `stall` s (what is missing then is lost, or stuck), or at
    `limit` s (what is missing then is reported as lost but was maybe only slow: `ended` says)."""
    started = last_progress = time.perf_counter()
    await consumer.poll()
    missing = [c for c in ids if c not in consumer.arrivals]
    ended = "all registered"
    while missing:
        now = time.perf_counter()
        if now - last_progress > stall:
            ended = f"no registration of a missing id for {stall:g} s"
            break
        if now - started > limit:
            ended = f"time limit {limit:g} s, registrations still arriving"
            break
        await asyncio.sleep(0.5)
        await consumer.poll()
        still = [c for c in missing if c not in consumer.arrivals]
        if len(still) < len(missing):
            last_progress = time.perf_counter()
        missing = still
    return {"ended": ended, "seconds": round(time.perf_counter() - started, 1), "missing": len(missing)}


def _default_walk_rate(rates: list[float]) -> float | None:
    """The highest rate up to 300/s (the issue's target load), else the lowest."""
    if not rates:
        return None
    under = [r for r in rates if r <= 300]
    return max(under) if under else min(rates)


def main(rates: list[float], seconds: float, *, preload: int = 0, walks: int = 3,
         walk_rate: float | None = None, walk_timeout: float = 120.0, ratio_seconds: float = 5.0,
         employers: int = 10_000, drain: float = 30.0, http_drain: float | None = None,
         final_wait: float = 120.0, max_connections: int = 256,
         port_base: int | None = None) -> dict[str, Any]:
    """Start a stack, run everything, purge the stack; the JSON result (also printed as a table)."""
    args = argparse.Namespace(rates=rates, seconds=seconds, preload=preload, walks=walks,
                              walk_rate=walk_rate, walk_timeout=walk_timeout,
                              ratio_seconds=ratio_seconds, employers=employers, drain=drain,
                              http_drain=http_drain, final_wait=final_wait,
                              max_connections=max_connections)
    started = time.perf_counter()
    comparison = None
    if ratio_seconds > 0:
        with _stack(port_base, services=("intake",)) as alone:
            ctx = Context(alone, None, Groups(alone), employers, max_connections, drain, 10.0)
            comparison = asyncio.run(ratio(ctx, ratio_seconds))
            comparison["how"] = ("intake alone (its relay publishing, every check on: key, "
                                 "quota, validation, encryption, idempotency, employer matching, "
                                 "deadlines, outbox) against the bare endpoint, one after the other")
    result: dict[str, Any] = {"benchmark": "intake vs bare reference"}
    if rates:
        with _stack(port_base) as stack:
            result = asyncio.run(run_all(stack, args))
    if comparison is not None:
        result["bare_vs_intake"] = comparison
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    return result


@contextlib.contextmanager
def _stack(port_base: int | None, services: tuple[str, ...] = SERVICES) -> Iterator[Stack]:
    """A stack of its own (ports, databases, bus prefix), purged afterwards."""
    state = Path(tempfile.mkdtemp(prefix="bench-load-"))
    tag = uuid.uuid4().hex[:6]
    try:
        yield start_stack(
            state, port_base=port_base or free_port_base(), db_suffix=f"_load{tag}",
            bus_prefix=f"load{tag}.", services=services, log_level="WARNING",
            extra_env={"CHANNEL_RATE_LIMIT_PER_MINUTE": str(10**9), "LOG_LEVEL": "WARNING"})
    finally:
        stop_stack(state, purge=True)
        shutil.rmtree(state, ignore_errors=True)


# --- the table -------------------------------------------------------------------------------------


def _fmt(stats: dict[str, float] | None, keys: tuple[str, ...] = ("p50", "p99", "max")) -> str:
    if not stats:
        return "-"
    return "/".join(f"{stats[k]:.0f}" for k in keys)


def _rate_line(run: dict[str, Any], pending: bool = False) -> str:
    http = run["http"]
    lost = (f"≤{run['unregistered_at_drain']}" if pending
            else f"{run['lost']}/{run['registered_late']}")
    e2e = "(at the end)" if pending else _fmt(run["accepted_to_registered_from_schedule_ms"])
    gen = f"{http['generator_cpu_s']:.2f}s/{http['generator_cores']:.2f}c"
    ms = run["stack_cpu_ms_per_accepted_complaint"]
    return (f"{run['rate']:>6g}  {http['achieved_rps']:>8.1f}  {run['registered_in_window_rps']:>6.1f}  "
            f"{run['accepted']:>6}  {_fmt(http['latency_from_schedule_ms'], ('p50', 'p99')):>11}  "
            f"{e2e:>17}  {lost:>9}  {gen:>12}  {run['stack_cores']:>5.2f}  "
            f"{(f'{ms:.1f}' if ms is not None else '-'):>7}  {_statuses(http['statuses'])}")


def _statuses(statuses: dict[str, int]) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))


RATE_HEADER = (f"{'rate/s':>6}  {'achieved':>8}  {'reg/s':>6}  {'201s':>6}  {'http p50/p99':>11}  "
               f"{'e2e p50/p99/max':>17}  {'lost/late':>9}  {'generator':>12}  {'stack':>5}  "
               f"{'ms/cmpl':>7}  statuses")


def report(result: dict[str, Any]) -> str:
    lines = ["", "open loop, latencies in ms from the scheduled send; e2e = POST scheduled → "
             "cases.case.registered.v1 at an outside consumer;",
             "achieved = HTTP responses/s; reg/s = registrations/s in the steady window; lost = never "
             "registered, late = registered after the rate's drain;",
             "generator = its CPU s / cores; stack = cores of the 5 services + sinks + PostgreSQL + "
             "RabbitMQ; ms/cmpl = their CPU ms per accepted complaint", RATE_HEADER]
    rates = result.get("rates", [])
    lines += [_rate_line(run) for run in rates]
    if rates:
        lines += ["", "cores per process over the steady window (idle: before any load)",
                  f"{'rate/s':>6}  " + "  ".join(f"{c:>9}" for c in COLUMNS)]
        idle_cores = result.get("idle", {}).get("cores", {})
        lines.append(f"{'idle':>6}  " + "  ".join(f"{idle_cores.get(c, 0.0):>9.2f}" for c in COLUMNS))
        for run in rates:
            lines.append(f"{run['rate']:>6g}  " + "  ".join(
                f"{run['cores'].get(c, 0.0):>9.2f}" for c in COLUMNS))
        lines += ["CPU ms per accepted complaint"]
        for run in rates:
            per = run["cpu_ms_per_accepted_complaint"]
            lines.append(f"{run['rate']:>6g}  " + "  ".join(
                f"{per.get(c, 0.0):>9.1f}" for c in COLUMNS))
        lines += ["database per accepted complaint: WAL bytes and full-page images (the whole "
                  "server), blocks read outside shared buffers and hit, commits (this stack)"]
        for run in rates:
            io = run.get("database_io_per_accepted_complaint", {})
            lines.append(f"{run['rate']:>6g}  " + "  ".join(
                f"{k} {io.get(k, 0.0):g}" for k in ("wal_bytes", "wal_fpi", "blocks_read",
                                                   "blocks_hit", "commits")))
    walks_info = result.get("walks", {})
    walked = [w for r in rates for w in r.get("walks", [])]
    if walks_info.get("rate") is not None and walks_info.get("requested"):
        good = [w["decided_to_webhook_ms"] for w in walked if "decided_to_webhook_ms" in w]
        during = sum(1 for w in walked if w.get("decided_during_load"))
        failed = [w["error"] for w in walked if "error" in w]
        figure = (f"p50 {statistics.median(good):.0f} ms, max {max(good):.0f} ms" if good else "none")
        lines += ["", f"decision → partner webhook at {walks_info['rate']:g}/s: {len(good)} walks, "
                      f"{figure} ({during} decided while the load was sending; walks run one after "
                      "another: a Scenario uses one employer, concurrent walks would share its case)"]
        lines += [f"  walk failed: {e}" for e in failed]
    ratio_info = result.get("bare_vs_intake")
    if ratio_info:
        lines += ["", f"closed loop, {ratio_info['seconds_per_run']:g} s per run, interleaved bare/intake "
                      f"x{ratio_info['rounds']}",
                  f"{'conns':>5}  {'target':<7} {'req/s':>8}  {'rounds':<16} {'p50 ms':>7} {'p99 ms':>7} "
                  f"{'cores':>6} {'CPU ms/req':>10}"]
        for row in ratio_info["levels"]:
            for target in ("bare", "intake"):
                r = row[target]
                rounds_text = ", ".join(f"{v:g}" for v in r["rounds_rps"])
                lines.append(f"{row['connections']:>5}  {target:<7} {r['requests_per_second']:>8.1f}  "
                             f"{rounds_text:<16} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
                             f"{r['cores']:>6.2f} {r['cpu_ms_per_request']:>10.2f}  "
                             f"{_statuses(r['statuses'])}")
            lines.append(f"{'':>5}  ratio intake/bare at {row['connections']} connection(s): "
                         f"{row['ratio_intake_to_bare']}")
    if "preload" in result:
        lines += ["", f"preload: {json.dumps(result['preload'], ensure_ascii=False)}"]
    wait = result.get("final_wait", {})
    lines += ["", f"lost (accepted, never registered): {result.get('lost_total')} (final wait "
                  f"{wait.get('seconds')} s: {wait.get('ended')}); registered events "
                  f"{result.get('registered_events')}, duplicate ids "
                  f"{result.get('duplicate_registrations')}; total {result.get('total_seconds')} s"]
    return "\n".join(lines)


def run_and_write(**kwargs: Any) -> dict[str, Any]:
    """`make bench` / CLI: run, write bench/results/load.json, print the table last."""
    result = main(**kwargs)
    write("load", result)
    print(report(result))
    return result


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,100,300,600", help="complaints per second, in order")
    parser.add_argument("--seconds", type=float, default=20, help="sending time per rate")
    parser.add_argument("--preload", type=int, default=0,
                        help="seed this many complaints first (bench/seed.py)")
    parser.add_argument("--walks", type=int, default=3, help="scenario walks during --walk-rate")
    parser.add_argument("--walk-rate", type=float, default=None,
                        help="the rate to walk the scenario at (default: highest ≤ 300, else lowest)")
    parser.add_argument("--walk-timeout", type=float, default=120.0)
    parser.add_argument("--ratio-seconds", type=float, default=5.0,
                        help="closed-loop seconds per bare/intake run (0: skip the comparison)")
    parser.add_argument("--employers", type=int, default=10_000)
    parser.add_argument("--drain", type=float, default=30.0,
                        help="seconds after the last send to wait for registrations")
    parser.add_argument("--http-drain", type=float, default=None,
                        help="seconds for responses after the last scheduled request "
                             "(default: the rate's seconds, between 10 and 30)")
    parser.add_argument("--final-wait", type=float, default=120.0,
                        help="at most this long at the end for late registrations before counting "
                             "losses (stops earlier when none arrives for 10 s)")
    parser.add_argument("--max-connections", type=int, default=256)
    parser.add_argument("--port-base", type=int, default=None, help="default: a free block")
    args = parser.parse_args(argv)
    run_and_write(rates=[float(r) for r in args.rates.split(",") if r.strip()], seconds=args.seconds,
                  preload=args.preload, walks=args.walks, walk_rate=args.walk_rate,
                  walk_timeout=args.walk_timeout, ratio_seconds=args.ratio_seconds,
                  employers=args.employers, drain=args.drain, http_drain=args.http_drain,
                  final_wait=args.final_wait, max_connections=args.max_connections,
                  port_base=args.port_base)


if __name__ == "__main__":
    # Through the module's importable name, so that what is pickled into the generator's and the
    # consumer's processes is `bench.load.X`, not `__main__.X`.
    from bench.load import cli as _cli

    _cli()
