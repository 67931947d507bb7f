from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from intake.__main__ import MIGRATIONS
from intake.app import create_app
from intake.channels.rules import QUOTA_WINDOW, quota_window
from intake.settings import IntakeSettings
from labor_runtime.bus import Publisher
from labor_runtime.security import CITY, issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import probing, running_service


@asynccontextmanager
async def start_intake(infrastructure, bus_prefix, tmp_path, **overrides):
    """Intake on a fresh database, storing materials under `tmp_path`, with a hotline key and a
    probe on the exchange."""
    exchange = f"{bus_prefix}labor.events"
    async with probing(infrastructure.amqp_url, exchange, ["intake.#"]) as probe, \
            running_service(IntakeSettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                            material_storage_dir=tmp_path / "materials", **overrides) as service:
        async with service.runtime.uow() as uow:
            service.hotline_key = await issue_api_key(
                uow.session, client="hotline_12333", kind="channel", scopes=["complaints:write"])
            await uow.commit()
        service.probe = probe
        yield service


async def at_next_window(*services) -> None:
    """Move every instance's clock by the same amount to one second into the next channel quota
    window (R-INT-1), so that a test's requests all fall into one window."""
    now = services[0].runtime.clock.now()
    advance = (quota_window(now) + QUOTA_WINDOW - now).total_seconds() + 1
    for service in services:
        await service.client.post("/v1/ops/clock", json={"advance_seconds": advance})


@pytest.fixture
async def intake(infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path) as service:
        yield service


def staff_token(*roles: str, district: str | None = CITY, subject: str = "officer-1") -> str:
    return mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)


@pytest.fixture
async def cases_bus(infrastructure, bus_prefix):
    """Publishes as another service does (cases, notify): to the events exchange, routing key =
    event type."""
    publisher = Publisher(infrastructure.amqp_url, f"{bus_prefix}labor.events", timeout=5)
    try:
        yield publisher
    finally:
        await publisher.close()
