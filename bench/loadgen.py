"""A minimal keep-alive HTTP/1.1 load generator on raw asyncio streams.

httpx tops out near 250 req/s on this 2-core machine (its own CPU); this client spends little
per request, so the figures describe the server, not the generator.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def summary(self) -> dict[str, float | int | dict[int, int]]:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "concurrency": self.concurrency,
            "requests": len(self.latencies_ms),
            "requests_per_second": round(len(self.latencies_ms) / self.seconds, 1),
            "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
            "statuses": self.statuses,
        }


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def run_load(url: str, concurrency: int, seconds: float,
                   request: Callable[[int], tuple[bytes, dict[str, str]]]) -> LoadResult:
    """Closed loop: `concurrency` connections each POST `request(n)` back to back for `seconds`."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = LoadResult(concurrency, seconds)
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                body, headers = request(next(counter))
                head = f"POST {parts.path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                head += f"Content-Length: {len(body)}\r\n\r\n"
                start = time.perf_counter()
                writer.write(head.encode() + body)
                status = await _read_response(reader)
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result
