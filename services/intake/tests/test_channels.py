"""R-INT-1 channels: a key per channel, a known channel recorded, a quota, the key lifecycle."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from intake.channels import keys
from intake.channels.models import channel_quota_windows
from intake.channels.rules import QUOTA_WINDOW, channel_of, quota_window, retry_after_seconds
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.security import issue_api_key

from .conftest import at_next_window, start_intake
from .test_complaints import BODY

CLI = str(Path(sys.executable).parent / "intake-service")


def test_r_int_1_channel_of_client_names():
    assert channel_of("hotline_12333", {}) == "hotline_12333"
    assert channel_of("window_d01", {}) == "window"
    assert channel_of("sunshine_wage_platform_fj", {}) == "sunshine_wage_platform"
    assert channel_of("counter-3", {"counter-3": "window"}) == "window"
    assert channel_of("partner_bank", {}) is None
    assert channel_of("counter-3", {"counter-3": "fax"}) is None


def test_r_int_1_quota_windows_are_fixed_minutes_and_retry_after_counts_to_their_end():
    now = datetime(2026, 3, 2, 9, 30, 10, 250_000, tzinfo=UTC)
    start = quota_window(now)
    assert start == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert quota_window(start) == start
    assert quota_window(start + timedelta(seconds=59, microseconds=999_999)) == start
    assert quota_window(start + QUOTA_WINDOW) == start + QUOTA_WINDOW
    assert quota_window(now.astimezone(BUREAU_TZ)) == start  # the same instant on every replica
    assert retry_after_seconds(now, start) == 50  # 49.75 s, rounded up
    assert retry_after_seconds(start + timedelta(seconds=59, microseconds=900_000), start) == 1
    assert retry_after_seconds(start + QUOTA_WINDOW, start) == 1  # never 0


async def _key(service, client: str) -> str:
    async with service.runtime.uow() as uow:
        key = await issue_api_key(uow.session, client=client, kind="channel",
                                  scopes=["complaints:write"])
        await uow.commit()
    return key


async def test_r_int_1_channel_is_recorded_from_the_key(intake):
    key = await _key(intake, "window_d01")
    response = await intake.client.post("/v1/complaints", json=BODY,
                                        headers={"X-API-Key": key, "Idempotency-Key": "win-00001"})
    assert response.status_code == 201, response.text
    status = await intake.client.get(f"/v1/complaints/{response.json()['tracking_code']}")
    assert status.json()["channel"] == "window"
    event = (await intake.probe.wait_for("intake.complaint.accepted.v1"))[0]
    assert event.data["channel"] == "window"


async def test_r_int_1_key_of_an_unknown_client_is_refused(intake):
    key = await _key(intake, "some_app")
    response = await intake.client.post("/v1/complaints", json=BODY,
                                        headers={"X-API-Key": key, "Idempotency-Key": "app-00001"})
    assert response.status_code == 403 and response.json()["type"].endswith("/unknown-channel")
    async with intake.runtime.uow() as uow:
        with pytest.raises(keys.UnknownChannel):
            await keys.issue(uow.session, client="some_app")


async def test_r_int_1_past_the_quota_429_with_retry_after(infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path, channel_rate_limit_per_minute=2,
                            channel_rate_limits={"window": 5}) as intake:
        window = await _key(intake, "window_d02")
        await at_next_window(intake)

        def post(key: str, n: int):
            return intake.client.post("/v1/complaints", json=BODY,
                                      headers={"X-API-Key": key, "Idempotency-Key": f"rl-{n:06d}"})

        assert [(await post(intake.hotline_key, n)).status_code for n in range(2)] == [201, 201]
        refused = await post(intake.hotline_key, 2)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["limit_per_minute"] == 2
        # another channel has its own (overridden) quota
        assert [(await post(window, 10 + n)).status_code for n in range(5)] == [201] * 5
        # the next window admits the hotline again
        await intake.client.post("/v1/ops/clock", json={"advance_seconds": 60})
        assert (await post(intake.hotline_key, 3)).status_code == 201


async def spent(service) -> list[tuple[str, int]]:
    """The quota windows in the database: (client, used), oldest first."""
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(channel_quota_windows.c.client,
                                             channel_quota_windows.c.used)
                                   .order_by(channel_quota_windows.c.window_start))).all()
    return [tuple(row) for row in rows]


async def test_r_int_1_quota_is_shared_by_every_replica(infrastructure, bus_prefix, tmp_path):
    async with (
        start_intake(infrastructure, bus_prefix, tmp_path, channel_rate_limit_per_minute=3) as one,
        start_intake(infrastructure, bus_prefix, tmp_path, database_url=one.database_url,
                     channel_rate_limit_per_minute=3) as two,
    ):
        assert two.runtime is not one.runtime and two.database_url == one.database_url
        await at_next_window(one, two)

        def post(replica, n: int):
            return replica.client.post("/v1/complaints", json=BODY, headers={
                "X-API-Key": one.hotline_key, "Idempotency-Key": f"replica-{n:06d}"})

        assert [(await post(one, n)).status_code for n in range(2)] == [201, 201]
        assert (await post(two, 2)).status_code == 201  # the third of three, on the other replica
        for replica, n in ((two, 3), (one, 4)):  # spent on both: refused on both
            refused = await post(replica, n)
            assert refused.status_code == 429, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert 50 <= int(refused.headers["Retry-After"]) <= 59  # to the window's end
            assert refused.json()["limit_per_minute"] == 3
        assert await spent(two) == [("hotline_12333", 3)]  # the refused ones spent nothing
        for replica in (one, two):
            await replica.client.post("/v1/ops/clock", json={"advance_seconds": 60})
        # the next window admits again; a burst on both replicas at once gets exactly the limit
        burst = await asyncio.gather(*(post((one, two)[n % 2], 10 + n) for n in range(8)))
        assert sorted(r.status_code for r in burst) == [201] * 3 + [429] * 5
        assert await spent(one) == [("hotline_12333", 3), ("hotline_12333", 3)]


async def test_r_int_1_batch_larger_than_the_remaining_quota_is_refused_without_spending(
        infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path,
                            channel_rate_limit_per_minute=5) as intake:
        await at_next_window(intake)

        def send(n: int, prefix: str):
            items = [{"idempotency_key": f"{prefix}-{i:05d}", "complaint": BODY} for i in range(n)]
            return intake.client.post("/v1/complaints/batch", json={"items": items},
                                      headers={"X-API-Key": intake.hotline_key})

        too_big = await send(6, "over")  # more than the whole quota, in a fresh window
        assert too_big.status_code == 429 and int(too_big.headers["Retry-After"]) >= 50
        assert await spent(intake) == []
        assert (await send(3, "first")).json()["accepted"] == 3
        refused = await send(3, "second")  # 2 remain
        assert refused.status_code == 429, refused.text
        assert await spent(intake) == [("hotline_12333", 3)]
        assert (await send(2, "third")).json()["accepted"] == 2  # the refused batch took nothing
        assert (await send(1, "fourth")).status_code == 429
        assert await spent(intake) == [("hotline_12333", 5)]


async def test_r_int_1_quota_windows_older_than_an_hour_are_removed(intake):
    now = intake.runtime.clock.now()
    async with intake.runtime.engine.begin() as conn:
        await conn.execute(channel_quota_windows.insert(), [
            {"client": "window_d09", "window_start": quota_window(now) - timedelta(hours=2),
             "used": 7},
            {"client": "hotline_12333", "window_start": quota_window(now) - timedelta(minutes=30),
             "used": 1}])
    await at_next_window(intake)
    response = await intake.client.post("/v1/complaints", json=BODY, headers={
        "X-API-Key": intake.hotline_key, "Idempotency-Key": "fresh-00001"})
    assert response.status_code == 201, response.text
    # opening a window removed the two-hour-old one of another client, kept the recent one
    assert await spent(intake) == [("hotline_12333", 1), ("hotline_12333", 1)]


async def test_r_int_1_rotation_keeps_the_old_key_for_the_overlap_then_it_expires(
        infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path, api_key_cache_seconds=0) as intake:
        old = intake.hotline_key
        async with intake.runtime.uow() as uow:
            rotated = await keys.rotate(uow.session, client="hotline_12333",
                                        now=intake.runtime.clock.now(), overlap=timedelta(hours=24))
            await uow.commit()
        new = rotated["key"]
        assert rotated["scopes"] == ["complaints:write"] and len(rotated["previous_keys"]) == 1

        async def status(key: str, n: int) -> int:
            response = await intake.client.post(
                "/v1/complaints", json=BODY, headers={"X-API-Key": key, "Idempotency-Key": f"rot-{n:06d}"})
            return response.status_code

        assert (await status(old, 1), await status(new, 2)) == (201, 201)
        await intake.client.post("/v1/ops/clock", json={"advance_seconds": 24 * 3600 + 1})
        assert (await status(old, 3), await status(new, 4)) == (401, 201)
        async with intake.runtime.uow() as uow:
            assert await keys.revoke(uow.session, key_id=rotated["key_id"],
                                     now=intake.runtime.clock.now())
            await uow.commit()
        assert await status(new, 5) == 401


async def test_r_int_1_key_lifecycle_from_the_service_cli(intake):
    env = {**os.environ, "DATABASE_URL": intake.database_url, "LOG_LEVEL": "WARNING"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, "channel-key", *args], env=env, capture_output=True, text=True,
                              timeout=60, check=False)

    refused = await asyncio.to_thread(cli, "issue", "--client", "some_app")
    assert refused.returncode != 0 and "refused" in refused.stderr
    issued = await asyncio.to_thread(cli, "issue", "--client", "wechat_miniprogram")
    assert issued.returncode == 0 and issued.stdout.startswith("lk_")
    rotated = await asyncio.to_thread(cli, "rotate", "--client", "wechat_miniprogram",
                                      "--overlap-hours", "2")
    assert rotated.returncode == 0, rotated.stderr
    result = json.loads(rotated.stdout)
    assert result["previous_keys"] == [issued.stdout.strip().split("_")[1]]
    revoked = await asyncio.to_thread(cli, "revoke", result["key_id"])
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout) == {"revoked": True}
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT expires_at IS NOT NULL, revoked_at IS NOT NULL FROM api_keys "
            "WHERE client = 'wechat_miniprogram' ORDER BY created_at"))).all()
    assert [tuple(r) for r in rows] == [(True, False), (False, True)]
    listing = await asyncio.to_thread(cli, "list", "--client", "wechat_miniprogram")
    assert listing.returncode == 0, listing.stderr
    listed = json.loads(listing.stdout)
    assert len(listed) == 2 and all("secret" not in k for row in listed for k in row)
