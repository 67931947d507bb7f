"""Intake and notify together on one bus: a complaint filed on the hotline without materials, then
registered, reaches the hotline's notice endpoint twice, verified (R-INT-2, R-INT-3); intake's
registration deadline is met when notify says the channel took the answer, and a channel with no
endpoint flags the complaint for staff, whose telling meets it."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from intake.__main__ import MIGRATIONS as INTAKE_MIGRATIONS
from intake.app import create_app as create_intake
from intake.settings import IntakeSettings
from labor_contracts.cases import CaseNotRegistered, CaseRegistered
from labor_contracts.envelope import Envelope
from labor_runtime.security import issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import eventually, running_service
from standardwebhooks import Webhook

from .conftest import CHANNEL_SECRET, NOTICES, publish

pytestmark = pytest.mark.integration

COMPLAINT = {
    "complaint_type": "wage_arrears",
    "complainant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"},
    "employer": {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司"},
    "district": "d01", "worker_count": 2, "arrears_amount": "8000.00", "materials": [],
}


OFFICER = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, subject="officer-1",
                                                   roles=["officer_a"], district="d01")}


@asynccontextmanager
async def intake_with_key(infrastructure, bus_prefix, tmp_path, client: str):
    """Intake on the same bus, with a channel key for `client`; yields (service, key)."""
    async with running_service(IntakeSettings, create_intake, INTAKE_MIGRATIONS, infrastructure,
                               bus_prefix, material_storage_dir=tmp_path / "materials",
                               db_pool_size=2) as intake:
        async with intake.runtime.uow() as uow:
            key = await issue_api_key(uow.session, client=client, kind="channel",
                                      scopes=["complaints:write"])
            await uow.commit()

        async def consuming() -> bool:
            return intake.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        yield intake, key


async def registration_deadline(intake, complaint_id: str) -> tuple[dict, dict]:
    view = (await intake.client.get(f"/v1/complaints/by-id/{complaint_id}/handling",
                                    headers=OFFICER)).json()
    return view, next(d for d in view["deadlines"] if d["kind"] == "intake.registration_answer")


async def test_r_int_2_and_r_int_3_from_intake_to_the_filing_channel(
        infrastructure, bus_prefix, tmp_path, notify_channels, channel_endpoint, upstream_bus):
    async with intake_with_key(infrastructure, bus_prefix, tmp_path, "hotline_12333") as (intake, key):
        filed = await intake.client.post("/v1/complaints", json=COMPLAINT,
                                         headers={"X-API-Key": key, "Idempotency-Key": "e2e-00001"})
        assert filed.status_code == 202, filed.text
        receipt = filed.json()

        async def told(count: int):
            async def enough() -> bool:
                return len(channel_endpoint.at(NOTICES)) >= count

            await eventually(enough)
            return [Webhook(CHANNEL_SECRET).verify(r.body, r.headers)
                    for r in channel_endpoint.at(NOTICES)]

        [notice] = await told(1)
        assert notice["kind"] == "correction_notice"
        assert notice["tracking_code"] == receipt["tracking_code"]
        assert notice["missing"] == ["identity_proof", "preliminary_evidence"]

        registered = CaseRegistered(case_id="case-9", case_number="某劳监立〔2026〕9",
                                    complaint_ids=[receipt["complaint_id"]],
                                    registered_at=datetime.now(UTC), immediate=False)
        await publish(upstream_bus, Envelope(source="/services/cases", type=registered.event_type,
                                           subject="case-9", data=registered.model_dump(mode="json")))
        _, answer = await told(2)
        assert answer["kind"] == "registration_answer" and answer["outcome"] == "registered"
        assert answer["tracking_code"] == receipt["tracking_code"]
        for request in channel_endpoint.at(NOTICES):
            for secret in ("张三", "11010519491231002X", "13800138000"):  # R-INT-7
                assert secret.encode() not in request.body

        # R-INT-3: the channel took it and notify tells intake (this complaint never got its
        # materials, so it has no deadline to meet: test_worker_told.py covers that)
        async def told_intake() -> bool:
            view = (await intake.client.get(
                f"/v1/complaints/by-id/{receipt['complaint_id']}/handling", headers=OFFICER)).json()
            return view["registration_answer_told_via"] == "hotline_12333"

        await eventually(told_intake)


async def test_r_int_3_a_channel_without_endpoint_leaves_the_worker_to_staff(
        infrastructure, bus_prefix, tmp_path, notify_channels, channel_endpoint, upstream_bus):
    """The service window has no notice endpoint: the answer fails at once, intake flags the
    complaint and keeps the deadline running until an officer tells the worker by phone."""
    async with intake_with_key(infrastructure, bus_prefix, tmp_path, "window") as (intake, key):
        filed = await intake.client.post(
            "/v1/complaints", headers={"X-API-Key": key, "Idempotency-Key": "window-00001"},
            json={**COMPLAINT, "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}]})
        assert filed.status_code == 201, filed.text
        complaint_id = filed.json()["complaint_id"]
        decision = CaseNotRegistered(case_id="case-10", complaint_ids=[complaint_id],
                                     reason="不属于劳动保障监察管辖范围", decided_at=datetime.now(UTC))
        await publish(upstream_bus, Envelope(source="/services/cases", type=decision.event_type,
                                           subject="case-10", data=decision.model_dump(mode="json")))

        async def flagged() -> bool:
            view, _ = await registration_deadline(intake, complaint_id)
            return bool(view["worker_notice_failure"])

        await eventually(flagged)
        view, deadline = await registration_deadline(intake, complaint_id)
        assert deadline["outcome"] == "pending"
        assert view["worker_notice_failure"]["open"] is True
        assert view["worker_notice_failure"]["reason"] == (
            "no notice endpoint configured for channel 'window'")
        dashboard = (await intake.client.get("/v1/deadlines/overdue", headers=OFFICER)).json()
        assert [u["complaint_id"] for u in dashboard["unreachable"]] == [complaint_id]

        told = await intake.client.post(
            f"/v1/complaints/by-id/{complaint_id}/registration-answer/told",
            json={"channel": "phone", "note": "电话告知不予立案"}, headers=OFFICER)
        assert told.status_code == 200, told.text
        _, deadline = await registration_deadline(intake, complaint_id)
        assert deadline["outcome"] == "met_on_time"
        assert channel_endpoint.at(NOTICES) == []
