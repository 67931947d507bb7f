"""The HTTP side of one notice attempt: sign, POST, read the start of the channel's answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from labor_runtime.webhooks import signed_headers

USER_AGENT = "labor-inspection-notify-worker-notices/1.0"
REPLY_LIMIT_BYTES = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What came back: a status and the reply's first bytes, or no answer and why."""

    status_code: int | None
    reply: bytes = b""
    retry_after: str | None = None
    error: str = ""


class NoticeSender:
    """POSTs a signed notice. `wall_clock` stamps `webhook-timestamp`: receivers compare it with
    their own clock (±5 min), so it is real time even when the service's domain clock is shifted."""

    def __init__(self, *, timeout: float, wall_clock: Callable[[], float] = time.time) -> None:
        self.timeout = timeout
        self.wall_clock = wall_clock
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, *, url: str, secret: str, notice_id: str, body: str) -> Answer:
        headers = {**signed_headers(secret, notice_id, int(self.wall_clock()), body),
                   "content-type": "application/json", "user-agent": USER_AGENT}
        try:
            async with asyncio.timeout(self.timeout), self.client.stream(
                    "POST", url, content=body.encode(), headers=headers) as response:
                reply = b""
                async for chunk in response.aiter_bytes():
                    reply += chunk
                    if len(reply) >= REPLY_LIMIT_BYTES:
                        reply = reply[:REPLY_LIMIT_BYTES]
                        break
        except TimeoutError:
            return Answer(None, error=f"no answer within {self.timeout:g}s")
        except httpx.HTTPError as exc:
            return Answer(None, error=f"{type(exc).__name__}: {exc}"[:500])
        return Answer(response.status_code, reply, response.headers.get("retry-after"))
