"""The route guard of channels (R-INT-1): a valid key of a known channel, within its quota."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from labor_runtime.app import api_client, get_runtime
from labor_runtime.problems import Problem
from labor_runtime.security import Principal

from intake.channels.quota import QuotaBook
from intake.channels.rules import channel_of
from intake.settings import IntakeRuntime


@dataclass(frozen=True)
class ChannelClient:
    principal: Principal
    channel: str

    @property
    def subject(self) -> str:
        """The key's client (`channel:<client>`): idempotency keys are scoped to it."""
        return self.principal.subject


async def quota_book(request: Request) -> QuotaBook:
    """Async on purpose: FastAPI runs plain `def` dependencies in a thread pool (a thread hop on
    every request)."""
    book: QuotaBook = request.app.state.quota_book
    return book


QuotaBookDep = Annotated[QuotaBook, Depends(quota_book)]
# The app's runtime, which is intake's: routes read its IntakeSettings.
IntakeRuntimeDep = Annotated[IntakeRuntime, Depends(get_runtime)]


async def charge(book: QuotaBook, runtime: IntakeRuntime, client: ChannelClient, cost: int) -> None:
    """Spend `cost` of the client's quota, shared by every replica, or answer 429 with
    Retry-After (channels/quota.py)."""
    settings = runtime.settings
    limit = settings.channel_rate_limits.get(client.channel, settings.channel_rate_limit_per_minute)
    wait = await book.spend(client=client.principal.name, cost=cost, limit=limit,
                            now=runtime.clock.now())
    if wait:
        problem = Problem(429, "too-many-requests", "Channel rate limit exceeded",
                          f"{client.channel} may send {limit} complaints per minute; "
                          f"retry after {wait} s", limit_per_minute=limit)
        problem.headers["Retry-After"] = str(wait)
        raise problem


def channel(scope: str, *, cost: int = 1) -> Callable[..., Any]:
    """Dependency: a channel's key with `scope`, of a known channel; spends `cost` of its quota
    (0: the route charges itself, e.g. per batch item)."""
    authenticate = api_client("channel", scope=scope)

    async def guard(runtime: IntakeRuntimeDep, book: QuotaBookDep,
                    principal: Principal = Depends(authenticate)) -> ChannelClient:  # noqa: B008
        settings = runtime.settings
        name = channel_of(principal.name, settings.channel_clients)
        if name is None:
            raise Problem(403, "unknown-channel", "Not a complaint channel",
                          f"the key's client {principal.name!r} is not one of the R-INT-1 channels")
        client = ChannelClient(principal, name)
        if cost:
            await charge(book, runtime, client, cost)
        return client

    return guard
