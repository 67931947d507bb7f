"""Finding 5 of issue 10 (R-INT-7): intake's migration 0010 leaves no employer address readable in
the read model (masked, the key a digest) and complaints filed against it still match it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from intake.__main__ import MIGRATIONS
from intake.employers.flows import match
from intake.employers.rules import normalized
from labor_runtime.db import create_engine
from labor_runtime.migrations import migrate
from labor_runtime.testing import temporary_database

pytestmark = pytest.mark.integration

NAME = "某某建筑工程有限公司"
ADDRESS = "某市某区某路1号（联系人13912345678，wxm.wage@example.org）"


async def test_issue10_finding_5_migration_masks_employer_addresses_and_keeps_them_matching(
        infrastructure):
    async with temporary_database(infrastructure.database_url, "intake_seal") as url:
        await asyncio.to_thread(migrate, MIGRATIONS, url, "0009")
        engine = create_engine(url)
        try:
            now = datetime.now(UTC)
            async with engine.begin() as conn:
                await conn.execute(sa.text(
                    "INSERT INTO employers (id, name, address, name_key, address_key, first_seen_at,"
                    " updated_at) VALUES ('na:stored', :name, :address, :name_key, :address_key,"
                    " :now, :now)"), {"name": NAME, "address": ADDRESS, "name_key": normalized(NAME),
                                      "address_key": normalized(ADDRESS), "now": now})
            await asyncio.to_thread(migrate, MIGRATIONS, url)
            async with engine.connect() as conn:
                stored = (await conn.execute(sa.text(
                    "SELECT address, address_key FROM employers"))).one()
                found = await match(conn, credit_code=None, name=NAME, address=f" {ADDRESS}")
        finally:
            await engine.dispose()
    assert stored.address == "某市某区某路1号（联系人139****5678，[邮箱]）"
    assert "13912345678" not in stored.address_key and len(stored.address_key) == 64
    assert found.id == "na:stored"
