"""The one outbound-webhook sender (partners' webhooks, channels' notice endpoints): sign per
Standard Webhooks 1.0, POST once with a deadline, never follow a redirect, read at most a set
number of reply bytes; and, for URLs someone outside registered, where a URL really points.

A pinned destination is resolved once, every address checked (SSRF), and the connection made to
the checked address (no second lookup), so a name that resolves to a public address when
registered and to 127.0.0.1 at delivery (DNS rebinding) is still refused.

httpx: https://www.python-httpx.org/advanced/clients/ (redirects, limits, streaming) and
https://www.python-httpx.org/advanced/extensions/#sni_hostname; SSRF:
https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
("Server side request forgery"); address ranges: https://docs.python.org/3/library/ipaddress.html.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from labor_runtime.webhooks import signed_headers

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}
ERROR_CHARS = 500


class DestinationRefused(Exception):
    """The URL resolves to an address we must not call (loopback, private, link-local, ...)."""


class DestinationUnresolvable(Exception):
    """The host name does not resolve (now)."""


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refused_reason(address: IPAddress) -> str | None:
    """Why an address is off limits for outbound calls (SSRF), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified or address.is_reserved or not address.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True)
class Destination:
    url: httpx.URL  # the URL with the host replaced by the checked address
    host_header: str  # what the receiver's server expects in `Host`
    hostname: str  # for TLS: SNI and certificate verification use the name, not the address
    address: IPAddress


async def resolve_destination(url: str, *, allow_private: bool) -> Destination:
    """Resolve `url`'s host once and pin its first address; DestinationRefused when any address
    is not public (unless `allow_private`), DestinationUnresolvable when it has none."""
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 443)
    literal = literal_address(hostname)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                hostname, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise DestinationUnresolvable(f"{hostname} does not resolve: {exc}") from exc
        addresses = []
        for info in infos:
            address = literal_address(str(info[4][0]).split("%")[0])
            if address is not None and address not in addresses:
                addresses.append(address)
        if not addresses:
            raise DestinationUnresolvable(f"{hostname} has no address")
    if not allow_private:
        for address in addresses:
            reason = refused_reason(address)
            if reason is not None:
                raise DestinationRefused(f"{hostname} resolves to {address} ({reason})")
    chosen = addresses[0]
    return Destination(url=httpx.URL(url).copy_with(host=str(chosen)), host_header=parts.netloc,
                       hostname=hostname, address=chosen)


Resolve = Callable[[str], Awaitable[Destination]]


@dataclass(frozen=True)
class SendResult:
    """One attempt: the receiver's status and the start of its reply, or no answer and why."""

    status_code: int | None  # None: no answer (timeout, refused or reset, destination refused)
    retry_after: str | None = None  # the raw `Retry-After` header (webhooks.pause_after reads it)
    error: str = ""  # empty on 2xx; `HTTP <status>` for another answer; else why there was none
    duration_ms: int = 0
    reply: bytes = b""  # at most the sender's `reply_limit_bytes`


class WebhookSender:
    """POSTs signed messages. `wall_clock` stamps `webhook-timestamp`: receivers compare it with
    their own clock (±5 min), so it is real time even when the service's domain clock is shifted.

    With `resolve`, every attempt goes to the address it pins, with the URL's name as `Host` and
    TLS server name, and without keep-alive: a pooled connection to one pinned address must never
    carry a request for another name served there."""

    def __init__(self, *, user_agent: str, timeout: float, reply_limit_bytes: int,
                 resolve: Resolve | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.reply_limit_bytes = reply_limit_bytes
        self.resolve = resolve
        self.wall_clock = wall_clock
        limits = httpx.Limits(max_keepalive_connections=0) if resolve else httpx.Limits()
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                                        limits=limits)

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, *, url: str, secret: str, msg_id: str, body: str) -> SendResult:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        headers = {**signed_headers(secret, msg_id, int(self.wall_clock()), body),
                   "content-type": "application/json", "user-agent": self.user_agent}
        target: str | httpx.URL = url
        extensions: dict[str, str] = {}
        if self.resolve is not None:
            try:
                destination = await self.resolve(url)
            except DestinationRefused as exc:
                return SendResult(None, error=f"refused: {exc}", duration_ms=elapsed())
            except DestinationUnresolvable as exc:
                return SendResult(None, error=f"dns: {exc}", duration_ms=elapsed())
            target = destination.url
            headers["host"] = destination.host_header
            extensions["sni_hostname"] = destination.hostname
        try:
            async with asyncio.timeout(self.timeout), self.client.stream(
                    "POST", target, content=body.encode(), headers=headers,
                    extensions=extensions) as response:
                reply = await self._read(response)
        except TimeoutError:
            return SendResult(None, error=f"no answer within {self.timeout:g}s",
                              duration_ms=elapsed())
        except httpx.HTTPError as exc:
            return SendResult(None, error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS],
                              duration_ms=elapsed())
        error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return SendResult(response.status_code, retry_after=response.headers.get("retry-after"),
                          error=error, duration_ms=elapsed(), reply=reply)

    async def _read(self, response: httpx.Response) -> bytes:
        """The reply's first `reply_limit_bytes`; the rest is never read (nor waited for)."""
        reply = b""
        if self.reply_limit_bytes <= 0:
            return reply
        async for chunk in response.aiter_bytes():
            reply += chunk
            if len(reply) >= self.reply_limit_bytes:
                return reply[:self.reply_limit_bytes]
        return reply
