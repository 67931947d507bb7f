from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from intake.__main__ import MIGRATIONS
from intake.app import create_app
from intake.settings import IntakeSettings
from labor_runtime.security import issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import Probe, running_service


@asynccontextmanager
async def start_intake(infrastructure, bus_prefix, tmp_path, **overrides):
    """Intake on a fresh database, storing materials under `tmp_path`, with a hotline key and a
    probe on the exchange."""
    probe = Probe()
    await probe.start(infrastructure.amqp_url, f"{bus_prefix}labor.events", ["intake.#"])
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
