"""R-INT-5 offline batches: every item applied exactly once by its own key, answered on its own."""

from __future__ import annotations

import sqlalchemy as sa

from .conftest import at_next_window, start_intake
from .test_complaints import BODY

BAD_CODE = {**BODY, "employer": {"credit_code": "91350100M000100Y44", "name": "x"}}


def batch(*complaints, prefix: str = "off"):
    return {"items": [{"idempotency_key": f"{prefix}-{n:05d}", "complaint": c}
                      for n, c in enumerate(complaints)]}


async def test_r_int_5_batch_resent_applies_each_item_exactly_once(intake):
    headers = {"X-API-Key": intake.hotline_key}
    sent = batch(BODY, BAD_CODE, {**BODY, "materials": []}, {"worker_count": "many"},
                 {**BODY, "worker_count": 2})
    first = await intake.client.post("/v1/complaints/batch", json=sent, headers=headers)
    assert first.status_code == 200, first.text
    result = first.json()
    assert [i["outcome"] for i in result["items"]] == [
        "accepted", "rejected", "accepted", "rejected", "accepted"]
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (3, 0, 2)
    assert "check character" in result["items"][1]["problem"]["detail"]
    assert result["items"][3]["problem"]["status"] == 422
    assert result["items"][2]["receipt"]["status"] == "awaiting_materials"
    assert result["items"][2]["receipt"]["missing"] == ["identity_proof", "preliminary_evidence"]

    again = (await intake.client.post("/v1/complaints/batch", json=sent, headers=headers)).json()
    assert [i["outcome"] for i in again["items"]] == [
        "duplicate", "rejected", "duplicate", "rejected", "duplicate"]
    for before, after in zip(result["items"], again["items"], strict=True):
        if before["receipt"]:
            assert after["receipt"]["complaint_id"] == before["receipt"]["complaint_id"]
    async with intake.runtime.engine.connect() as conn:
        counts = (await conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM outbox), "
            "(SELECT count(*) FROM timers)"))).one()
    assert tuple(counts) == (3, 3, 6)  # 2 complete (3 clocks each) + 1 awaiting (no clocks yet)
    await intake.probe.wait_for("intake.complaint.accepted.v1", 2)
    await intake.probe.wait_for("intake.correction_notice.issued.v1", 1)


async def test_r_int_5_same_key_twice_in_one_batch_and_across_single_and_batch(intake):
    headers = {"X-API-Key": intake.hotline_key}
    single = await intake.client.post("/v1/complaints", json=BODY,
                                      headers={**headers, "Idempotency-Key": "off-00000"})
    body = {"items": [{"idempotency_key": "off-00000", "complaint": BODY},
                      {"idempotency_key": "off-00001", "complaint": BODY},
                      {"idempotency_key": "off-00001", "complaint": BODY},
                      {"idempotency_key": "off-00001", "complaint": {**BODY, "worker_count": 9}}]}
    items = (await intake.client.post("/v1/complaints/batch", json=body, headers=headers)).json()["items"]
    assert [i["outcome"] for i in items] == ["duplicate", "accepted", "duplicate", "rejected"]
    assert items[0]["receipt"]["complaint_id"] == single.json()["complaint_id"]
    assert items[3]["problem"]["status"] == 409
    short = {"items": [{"idempotency_key": "k1", "complaint": BODY},
                       {"idempotency_key": "off-00002", "complaint": BODY}]}
    items = (await intake.client.post("/v1/complaints/batch", json=short, headers=headers)).json()["items"]
    assert [i["outcome"] for i in items] == ["rejected", "accepted"]


async def test_r_int_5_batch_size_limit_and_quota(infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path, batch_max_items=3,
                            channel_rate_limit_per_minute=4) as intake:
        await at_next_window(intake)
        headers = {"X-API-Key": intake.hotline_key}
        too_many = await intake.client.post("/v1/complaints/batch", json=batch(*[BODY] * 4),
                                            headers=headers)
        assert too_many.status_code == 413 and too_many.json()["max_items"] == 3
        ok = await intake.client.post("/v1/complaints/batch", json=batch(*[BODY] * 3, prefix="batch-a"),
                                      headers=headers)
        assert ok.status_code == 200 and ok.json()["accepted"] == 3
        # each item counts against the channel's quota: 3 used, 2 more do not fit
        refused = await intake.client.post("/v1/complaints/batch", json=batch(BODY, BODY, prefix="batch-b"),
                                           headers=headers)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        unauthenticated = await intake.client.post("/v1/complaints/batch", json=batch(BODY))
        assert unauthenticated.status_code == 401


async def test_r_int_5_batch_of_fifty_by_default(intake):
    body = batch(*[{**BODY, "worker_count": n + 1} for n in range(50)], prefix="fifty")
    response = await intake.client.post("/v1/complaints/batch", json=body,
                                        headers={"X-API-Key": intake.hotline_key})
    assert response.status_code == 200 and response.json()["accepted"] == 50
    body["items"].append({"idempotency_key": "fifty-extra", "complaint": BODY})
    response = await intake.client.post("/v1/complaints/batch", json=body,
                                        headers={"X-API-Key": intake.hotline_key})
    assert response.status_code == 413
