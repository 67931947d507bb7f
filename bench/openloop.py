"""An open-loop, fixed-rate HTTP/1.1 POST generator on raw asyncio streams.

Request `n` is *scheduled* at `start + n / rate`, whatever the server does; its latency is taken
from that scheduled moment (no coordinated omission: a slow server makes later requests late, and
that lateness is counted). Keep-alive connections are taken from a pool that grows when every one
is busy, up to `max_connections`; past the cap, due requests wait in a backlog (still timed from
their schedule). After the last request is scheduled, what is in flight or waiting gets `drain`
seconds, then is abandoned and counted, so a saturated server ends a run with figures instead of
a hang.

Run it in its own process (`OpenLoopProcess`) so that its CPU time is its own (reported as
`generator_cpu_s`) and it never shares an event loop with whatever measures the server's side.
Times are `time.perf_counter()`, CLOCK_MONOTONIC on Linux: one clock for every process on the
machine, so another process can compare its own timestamps with the scheduled times.

    result = run(url, rate=100, seconds=10, request=lambda n: (body, {"Idempotency-Key": ...}))
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import multiprocessing
import multiprocessing.connection
import resource
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

Request = Callable[[int], tuple[bytes, dict[str, str]]]
"""request(n) -> (body, extra headers) of the n-th request."""

# A record per scheduled request: (n, scheduled, sent, done, status, body). status is the HTTP
# status, or one of the negative codes below; sent/done are 0.0 when it never got that far.
ERROR, ABANDONED, UNSENT = -1, -2, -3
STATUS_NAMES = {ERROR: "error", ABANDONED: "abandoned", UNSENT: "unsent"}
Record = tuple[int, float, float, float, int, bytes]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class OpenLoopResult:
    url: str
    rate: float
    seconds: float
    scheduled: int
    start: float = 0.0  # perf_counter of request 0's schedule
    schedule_end: float = 0.0  # when the last request was handed to a connection or the backlog
    finished: float = 0.0  # when the drain ended
    records: list[Record] = field(default_factory=list)
    connections_opened: int = 0
    max_connections: int = 0
    peak_connections: int = 0
    peak_backlog: int = 0
    max_schedule_lag_ms: float = 0.0  # how late the scheduler itself ran (the generator's own lag)
    cpu_seconds: float = 0.0  # the generator process's user+system CPU over start..finished

    def completed(self) -> list[Record]:
        return [r for r in self.records if r[4] > 0]

    def summary(self) -> dict[str, Any]:
        done = self.completed()
        statuses: dict[str, int] = {}
        for record in self.records:
            name = STATUS_NAMES.get(record[4], str(record[4]))
            statuses[name] = statuses.get(name, 0) + 1
        last_done = max((r[3] for r in done), default=self.start)
        elapsed = max(last_done - self.start, 1e-9)
        in_window = sum(1 for r in done if r[3] <= self.start + self.seconds)
        from_schedule = [(r[3] - r[1]) * 1000 for r in done]
        from_send = [(r[3] - r[2]) * 1000 for r in done]
        wall = max(self.finished - self.start, 1e-9)
        return {
            "offered_rps": self.rate,
            "scheduled": self.scheduled,
            "completed": len(done),
            "achieved_rps": round(len(done) / elapsed, 1),
            "completed_in_window_rps": round(in_window / self.seconds, 1),
            "statuses": statuses,
            "latency_from_schedule_ms": _stats(from_schedule),
            "latency_from_send_ms": _stats(from_send),
            "connections_opened": self.connections_opened,
            "peak_connections": self.peak_connections,
            "connection_cap": self.max_connections,
            "peak_backlog": self.peak_backlog,
            "max_schedule_lag_ms": round(self.max_schedule_lag_ms, 2),
            "generator_cpu_s": round(self.cpu_seconds, 3),
            "generator_cores": round(self.cpu_seconds / wall, 3),
        }


def _stats(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    return {"p50": round(percentile(ms, 0.5), 1), "p99": round(percentile(ms, 0.99), 1),
            "max": round(max(ms), 1)}


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep_alive) of one response; Content-Length or chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    keep = b"\r\nconnection: close" not in lower
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        length = int(head[at + 17:end])
        return status, (await reader.readexactly(length) if length else b""), keep
    if b"\r\ntransfer-encoding: chunked" in lower:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return status, b"".join(chunks), keep
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    return status, b"", keep and status in (204, 304)


class _Connection:
    __slots__ = ("last_used", "reader", "writer")

    def __init__(self) -> None:
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def stale(self) -> bool:
        return (self.reader is None or self.writer is None or self.reader.at_eof()
                or self.writer.is_closing())


async def open_loop(url: str, rate: float, seconds: float, payloads: list[bytes], *,
                    start_at: float | None = None, max_connections: int = 256,
                    drain: float = 30.0) -> OpenLoopResult:
    """Send `payloads` (complete HTTP requests, one per scheduled slot) at `rate`/s.

    `start_at`: the perf_counter time of request 0 (another process may choose it); default now.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    total = len(payloads)
    result = OpenLoopResult(url, rate, seconds, total, max_connections=max_connections)
    records = result.records
    idle: collections.deque[_Connection] = collections.deque()
    backlog: collections.deque[tuple[int, float]] = collections.deque()
    active: set[asyncio.Task[None]] = set()
    current: dict[asyncio.Task[None], tuple[int, float, float]] = {}
    opened = 0

    async def exchange(connection: _Connection, n: int, scheduled: float) -> Record:
        """One request on `connection`; a keep-alive connection the server closed while idle
        (uvicorn's keep-alive timeout) is replaced once before anything was sent on it."""
        nonlocal opened
        for attempt in (0, 1):
            if connection.stale():
                connection.close()
                connection.reader, connection.writer = await asyncio.open_connection(host, port)
                opened += 1
            assert connection.reader is not None and connection.writer is not None
            sent = time.perf_counter()
            current[asyncio.current_task()] = (n, scheduled, sent)  # type: ignore[index]
            reused_idle = sent - connection.last_used > 1.0 and connection.last_used > 0
            connection.writer.write(payloads[n])
            try:
                status, body, keep = await _read_response(connection.reader)
            except asyncio.IncompleteReadError as exc:
                connection.close()
                if attempt == 0 and reused_idle and not exc.partial:
                    continue
                raise
            done = time.perf_counter()
            connection.last_used = done
            if not keep:
                connection.close()
            return (n, scheduled, sent, done, status, body)
        raise AssertionError("unreachable")

    async def serve(connection: _Connection, item: tuple[int, float]) -> None:
        next_item: tuple[int, float] | None = item
        try:
            while next_item is not None:
                n, scheduled = next_item
                current[asyncio.current_task()] = (n, scheduled, 0.0)  # type: ignore[index]
                try:
                    records.append(await exchange(connection, n, scheduled))
                except Exception as exc:  # refused, reset, a malformed answer: counted, not fatal
                    connection.close()
                    records.append((n, scheduled, 0.0, time.perf_counter(), ERROR,
                                    f"{type(exc).__name__}: {exc}".encode()))
                current.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
                next_item = backlog.popleft() if backlog else None
            idle.append(connection)
        except asyncio.CancelledError:
            connection.close()
            raise

    connections = 0

    def dispatch(n: int, scheduled: float) -> None:
        nonlocal connections
        if idle:
            connection = idle.pop()  # the most recently used: the least likely to be timed out
        elif connections < max_connections:
            connections += 1
            result.peak_connections = max(result.peak_connections, connections)
            connection = _Connection()
        else:
            backlog.append((n, scheduled))
            result.peak_backlog = max(result.peak_backlog, len(backlog))
            return
        task = asyncio.get_running_loop().create_task(serve(connection, (n, scheduled)))
        active.add(task)
        task.add_done_callback(active.discard)

    now = time.perf_counter()
    start = max(start_at or now, now)
    result.start = start
    cpu_before = cpu_seconds()
    interval = 1.0 / rate
    lag = 0.0
    for n in range(total):
        scheduled = start + n * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, time.perf_counter() - scheduled)
        dispatch(n, scheduled)
    result.schedule_end = time.perf_counter()
    result.max_schedule_lag_ms = lag * 1000
    deadline = result.schedule_end + drain
    while active and time.perf_counter() < deadline:
        await asyncio.wait(set(active), timeout=max(0.0, deadline - time.perf_counter()))
    abandoned_at = time.perf_counter()
    for task, (n, scheduled, sent) in list(current.items()):
        if not task.done():
            records.append((n, scheduled, sent, abandoned_at, ABANDONED, b""))
    for task in list(active):
        task.cancel()
    if active:
        await asyncio.wait(set(active), timeout=5)
    while backlog:
        n, scheduled = backlog.popleft()
        records.append((n, scheduled, 0.0, 0.0, UNSENT, b""))
    for connection in idle:
        connection.close()
    result.finished = time.perf_counter()
    result.cpu_seconds = cpu_seconds() - cpu_before
    result.connections_opened = opened
    records.sort()
    return result


def render(url: str, request: Request, count: int) -> list[bytes]:
    """The complete HTTP/1.1 POST of each request (built before the clock starts)."""
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    payloads = []
    for n in range(count):
        body, headers = request(n)
        head = f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        payloads.append(head.encode() + body)
    return payloads


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the workspace
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(url: str, rate: float, seconds: float, request: Request, *, max_connections: int = 256,
        drain: float = 30.0) -> OpenLoopResult:
    """In this process (blocking); prefer OpenLoopProcess when something else runs here."""
    payloads = render(url, request, int(rate * seconds))
    with asyncio.Runner(loop_factory=_new_loop) as runner:
        return runner.run(open_loop(url, rate, seconds, payloads,
                                    max_connections=max_connections, drain=drain))


# --- in a process of its own -----------------------------------------------------------------


def _child(conn: multiprocessing.connection.Connection, url: str, rate: float, seconds: float,
           request: Request, max_connections: int, drain: float) -> None:
    with _reporting(conn):
        payloads = render(url, request, int(rate * seconds))
        conn.send(("ready", None))
        if not conn.poll(120):
            return
        command, start_at = conn.recv()
        if command != "go":
            return
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            result = runner.run(open_loop(url, rate, seconds, payloads, start_at=start_at,
                                          max_connections=max_connections, drain=drain))
        conn.send(("result", result))


@contextlib.contextmanager
def _reporting(conn: multiprocessing.connection.Connection) -> Iterator[None]:
    """In a child: send the parent the traceback of whatever fails, and close the pipe."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


class OpenLoopProcess:
    """The generator in a spawned process: `await ready()`, `go(at)`, `await result()`.

    `request` is sent to the child by pickling: a module-level function or an instance of a
    module-level class.
    """

    def __init__(self, url: str, rate: float, seconds: float, request: Request, *,
                 max_connections: int = 256, drain: float = 30.0) -> None:
        self.seconds, self.drain = seconds, drain
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self.process = context.Process(
            target=_child, args=(child_conn, url, rate, seconds, request, max_connections, drain),
            name=f"openloop-{rate}", daemon=True)
        self.process.start()
        child_conn.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    async def _receive(self, timeout: float) -> tuple[str, Any]:
        def wait() -> tuple[str, Any]:
            if not self._conn.poll(timeout):
                raise TimeoutError(f"the generator process said nothing for {timeout:.0f} s")
            message: tuple[str, Any] = self._conn.recv()
            return message

        try:
            kind, value = await asyncio.to_thread(wait)
        except EOFError as exc:
            raise RuntimeError(f"the generator process died (exit {self.process.exitcode})") from exc
        if kind == "error":
            raise RuntimeError(f"the generator process failed:\n{value}")
        return kind, value

    async def ready(self, timeout: float = 120.0) -> None:
        await self._receive(timeout)

    def go(self, start_at: float) -> None:
        self._conn.send(("go", start_at))

    async def result(self) -> OpenLoopResult:
        _, value = await self._receive(self.seconds + self.drain + 60)
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)


def _call_child(conn: multiprocessing.connection.Connection, fn: Callable[..., Any],
                args: tuple[Any, ...]) -> None:
    with _reporting(conn):
        before = cpu_seconds()
        value = fn(*args)
        conn.send(("result", (value, cpu_seconds() - before)))


async def call_in_process(fn: Callable[..., Any], *args: Any, timeout: float = 300.0
                          ) -> tuple[Any, float, int]:
    """fn(*args) in a spawned process: (its value, the CPU seconds the call took there, the pid).
    `fn` and its arguments must pickle (module-level)."""
    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    process = context.Process(target=_call_child, args=(child_conn, fn, args), daemon=True)
    process.start()
    child_conn.close()

    def wait() -> tuple[str, Any]:
        if not conn.poll(timeout):
            raise TimeoutError(f"{getattr(fn, '__name__', fn)} took more than {timeout:.0f} s")
        message: tuple[str, Any] = conn.recv()
        return message

    try:
        kind, value = await asyncio.to_thread(wait)
    except EOFError as exc:
        raise RuntimeError(f"the child process died (exit {process.exitcode})") from exc
    finally:
        conn.close()
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
    if kind == "error":
        raise RuntimeError(f"the child process failed:\n{value}")
    result, cpu = value
    return result, cpu, process.pid or 0


def closed_loop(url: str, concurrency: int, seconds: float, request: Request) -> dict[str, Any]:
    """bench.loadgen.run_load (closed loop, keep-alive) on uvloop; its summary and CPU seconds."""
    from bench.loadgen import run_load

    before = cpu_seconds()
    with asyncio.Runner(loop_factory=_new_loop) as runner:
        loaded = runner.run(run_load(url, concurrency, seconds, request))
    summary = loaded.summary()
    summary["seconds"] = round(loaded.seconds, 2)
    summary["generator_cpu_s"] = round(cpu_seconds() - before, 3)
    return summary
