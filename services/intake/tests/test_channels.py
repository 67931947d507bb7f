"""R-INT-1 channels: a key per channel, a known channel recorded, a quota, the key lifecycle."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from intake.channels import keys
from intake.channels.rules import FixedWindowLimiter, channel_of
from labor_runtime.security import issue_api_key

from .conftest import start_intake
from .test_complaints import BODY

CLI = str(Path(sys.executable).parent / "intake-service")


def test_r_int_1_channel_of_client_names():
    assert channel_of("hotline_12333", {}) == "hotline_12333"
    assert channel_of("window_d01", {}) == "window"
    assert channel_of("sunshine_wage_platform_fj", {}) == "sunshine_wage_platform"
    assert channel_of("counter-3", {"counter-3": "window"}) == "window"
    assert channel_of("partner_bank", {}) is None
    assert channel_of("counter-3", {"counter-3": "fax"}) is None


def test_r_int_1_fixed_window_refuses_past_the_quota_until_the_window_ends():
    limiter = FixedWindowLimiter(window_seconds=60)
    assert [limiter.take("a", 2, 120.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("a", 2, 130.0) == 50  # seconds until 180
    assert limiter.take("b", 2, 130.0) == 0.0  # each client its own quota
    assert limiter.take("a", 2, 180.0) == 0.0
    assert limiter.take("a", 2, 181.0, cost=2) == 59  # a batch that would not fit takes nothing
    assert limiter.take("a", 2, 181.0) == 0.0


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
