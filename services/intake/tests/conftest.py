from __future__ import annotations

import pytest
from intake.__main__ import MIGRATIONS
from intake.app import create_app
from intake.settings import IntakeSettings
from labor_runtime.security import issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import running_service


@pytest.fixture
async def intake(infrastructure, bus_prefix):
    async with running_service(IntakeSettings, create_app, MIGRATIONS, infrastructure,
                               bus_prefix) as service:
        async with service.runtime.uow() as uow:
            service.hotline_key = await issue_api_key(
                uow.session, client="hotline_12333", kind="channel", scopes=["complaints:write"])
            await uow.commit()
        yield service


def staff_token(*roles: str, district: str | None = None, subject: str = "officer-1") -> str:
    return mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)
