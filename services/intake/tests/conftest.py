from __future__ import annotations

from contextlib import asynccontextmanager

import aio_pika
import pytest
from intake.__main__ import MIGRATIONS
from intake.app import create_app
from intake.settings import IntakeSettings
from labor_contracts.envelope import Envelope
from labor_runtime.bus import declare_exchange
from labor_runtime.security import issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import eventually, running_service


class Probe:
    """A queue of the test's own bound to the run's exchange: what intake really published."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def start(self, amqp_url: str, exchange_name: str) -> None:
        self._connection = await aio_pika.connect(amqp_url)
        channel = await self._connection.channel()
        exchange = await declare_exchange(channel, exchange_name)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="intake.#")

        async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.events.append(Envelope.from_bytes(message.body))

        await queue.consume(collect)

    def of(self, event_type: str) -> list[Envelope]:
        return [e for e in self.events if e.type == event_type]

    async def wait_for(self, event_type: str, count: int = 1) -> list[Envelope]:
        async def arrived() -> bool:
            return len(self.of(event_type)) >= count

        await eventually(arrived)
        return self.of(event_type)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


@asynccontextmanager
async def start_intake(infrastructure, bus_prefix, tmp_path, **overrides):
    """Intake on a fresh database, storing materials under `tmp_path`, with a hotline key and a
    probe on the exchange."""
    probe = Probe()
    await probe.start(infrastructure.amqp_url, f"{bus_prefix}labor.events")
    try:
        async with running_service(IntakeSettings, create_app, MIGRATIONS, infrastructure,
                                   bus_prefix, material_storage_dir=tmp_path / "materials",
                                   **overrides) as service:
            async with service.runtime.uow() as uow:
                service.hotline_key = await issue_api_key(
                    uow.session, client="hotline_12333", kind="channel", scopes=["complaints:write"])
                await uow.commit()
            service.probe = probe
            yield service
    finally:
        await probe.close()


@pytest.fixture
async def intake(infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path) as service:
        yield service


def staff_token(*roles: str, district: str | None = None, subject: str = "officer-1") -> str:
    return mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)
