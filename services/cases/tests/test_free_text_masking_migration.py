"""Finding 5 of issue 10 (R-INT-7): summaries cases stored before intake masked free text are
masked by migration 0010, as far as patterns go (the complainant's name never reached cases)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cases.__main__ import MIGRATIONS
from labor_runtime.db import create_engine
from labor_runtime.migrations import migrate
from labor_runtime.testing import temporary_database

pytestmark = pytest.mark.integration

STORED = {
    "personal": ("王小明（身份证350102199003075411，电话+86 139-1234-5678，座机0591-87654321，"
                 "邮箱wxm.wage@example.org）三个月工资未发", "某路1号（联系13912345678）"),
    "ordinary": ("六名工人欠薪120000.00元，2026-09-30前，信用代码91350100M000100Y43，"
                 "某劳监立〔2026〕0012号", None),
}
MASKED = {
    "personal": ("王小明（身份证[身份证号]，电话139****5678，座机0591-****4321，"
                 "邮箱[邮箱]）三个月工资未发", "某路1号（联系139****5678）"),
    "ordinary": STORED["ordinary"],
}


async def test_issue10_finding_5_migration_masks_stored_summaries_and_addresses(infrastructure):
    async with temporary_database(infrastructure.database_url, "cases_mask") as url:
        await asyncio.to_thread(migrate, MIGRATIONS, url, "0009")
        engine = create_engine(url)
        try:
            now = datetime.now(UTC)
            async with engine.begin() as conn:
                for case_id, (summary, address) in STORED.items():
                    await conn.execute(sa.text(
                        "INSERT INTO cases (id, state, employer_name, employer_address, worker_count,"
                        " arrears_amount, summary, opened_at, updated_at) VALUES (:id, 'registered',"
                        " '某某建筑工程有限公司', :address, 6, 120000, :summary, :now, :now)"),
                        {"id": case_id, "summary": summary, "address": address, "now": now})
            await asyncio.to_thread(migrate, MIGRATIONS, url)
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.text(
                    "SELECT id, summary, employer_address FROM cases"))).all()
        finally:
            await engine.dispose()
    assert {r.id: (r.summary, r.employer_address) for r in rows} == MASKED
