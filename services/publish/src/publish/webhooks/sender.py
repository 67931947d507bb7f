"""The HTTP side of a webhook attempt: resolve and check the address, sign, POST, classify."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from labor_runtime.webhooks import signed_headers

from publish.partners.destinations import (
    DestinationRefused,
    DestinationUnresolvable,
    resolve_destination,
)

USER_AGENT = "labor-inspection-publish-webhooks/1.0"


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    retry_after: str | None = None
    error: str = ""
    duration_ms: int = 0


class WebhookSender:
    """Sends one signed message. `wall_clock` stamps `webhook-timestamp`: partners compare it with
    their own clock (±5 min), so it is real time even when the service's domain clock is shifted."""

    def __init__(self, *, timeout: float, wall_clock: Callable[[], float] = time.time) -> None:
        self.timeout = timeout
        self.wall_clock = wall_clock
        # No keep-alive: connections are made to a pinned address per partner host name, and a
        # pooled TLS connection must never be reused for another name on the same address.
        self.client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0))

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, *, url: str, secret: str, msg_id: str, body: str,
                   allow_private: bool) -> AttemptResult:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            destination = await resolve_destination(url, allow_private=allow_private)
        except DestinationRefused as exc:
            return AttemptResult(None, error=f"refused: {exc}", duration_ms=elapsed())
        except DestinationUnresolvable as exc:
            return AttemptResult(None, error=f"dns: {exc}", duration_ms=elapsed())
        headers = {
            **signed_headers(secret, msg_id, int(self.wall_clock()), body),
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "host": destination.host_header,
        }
        try:
            async with asyncio.timeout(self.timeout), self.client.stream(
                "POST", destination.url, content=body.encode(), headers=headers,
                extensions={"sni_hostname": destination.hostname},
            ) as response:
                pass  # the status is the answer; the partner's body is never read
        except TimeoutError:
            return AttemptResult(None, error=f"no answer within {self.timeout:g} s",
                                 duration_ms=elapsed())
        except httpx.HTTPError as exc:
            return AttemptResult(None, error=f"{type(exc).__name__}: {exc}"[:500],
                                 duration_ms=elapsed())
        error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return AttemptResult(response.status_code, retry_after=response.headers.get("retry-after"),
                             error=error, duration_ms=elapsed())
