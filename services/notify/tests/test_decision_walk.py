"""One penalty decision walked through each way of service to its proven time and the 15-day
payment term (R-DLV-2, R-DLV-3, R-CASE-6): cases and notify run side by side on the real broker
and database, and every outside platform is a real local server speaking its protocol (an SMTP
relay, the e-mail-to-fax gateway that mails DSNs back, the WeChat server API and the
mini-program backend's signed read receipt, DingTalk's send and send-result API); the grid
worker and the post prove service through the mobile API."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from cases.__main__ import MIGRATIONS as CASES_MIGRATIONS
from cases.app import create_app as create_cases
from cases.settings import CasesSettings
from labor_contracts.common import EmployerRef
from labor_contracts.credit import EmployerRegisterChanged, GridChanged
from labor_contracts.envelope import Envelope
from labor_contracts.events import EventData
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import eventually, png, running_service

from .conftest import (
    CREDIT_CODE,
    SIGNATURE,
    TRANSMITTED_AT,
    confirm,
    publish,
    read_in_the_mini_program,
)
from .fakes.wechat import OPENID_SUBSCRIBED

pytestmark = pytest.mark.integration

GRID = "350102001001"
GRID_WORKER = "gw-chen"


def auth(*roles: str, subject: str, district: str | None = "d01") -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)
    return {"Authorization": f"Bearer {token}"}


OFFICER = auth("officer_a", subject="officer-zhang")
REVIEWER = auth("reviewer_b", subject="reviewer-wang")
DETACHMENT_CHIEF = auth("detachment_chief", subject="chief-zhao", district=None)


@pytest.fixture
async def walk(infrastructure, bus_prefix, gateways, notify_gateways):
    async with running_service(CasesSettings, create_cases, CASES_MIGRATIONS, infrastructure,
                               bus_prefix, public_base_url="https://cases.example.gov.cn") as cases:
        async def consuming() -> bool:
            return cases.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        yield SimpleNamespace(notify=notify_gateways, cases=cases, wechat=gateways.wechat,
                              dingtalk=gateways.dingtalk, fax=gateways.fax)


async def send(upstream_bus, data: EventData, source: str) -> None:
    await publish(upstream_bus, Envelope(source=source, type=data.event_type,
                                         data=data.model_dump(mode="json")))


async def decided(walk, upstream_bus) -> dict:
    """A registered case whose small fine (no notice period) the detachment chief signs."""
    accepted = ComplaintAccepted(
        complaint_id=str(uuid.uuid4()), channel="hotline_12333",
        received_at=walk.cases.runtime.clock.now(),
        employer=EmployerRef(credit_code=CREDIT_CODE, name="某某建筑工程有限公司",
                             address="某市某区某路1号"),
        district="d01", worker_count=6, arrears_amount=Decimal("120000.00"),
        suspected_crime=False, mass_incident=False, summary="工人三个月工资未发")
    await send(upstream_bus, accepted, "/services/intake")
    found: list[dict] = []

    async def registered() -> bool:
        found[:] = (await walk.cases.client.get(
            "/v1/cases", params={"complaint_id": accepted.complaint_id}, headers=OFFICER)).json()
        return bool(found) and found[0]["state"] == "registered"

    await eventually(registered)
    case_id = found[0]["case_id"]
    proposal = {"violation": "拖欠六名劳动者2025年10月至12月工资共计人民币120000元",
                "legal_basis": "《保障农民工工资支付条例》第五十七条", "fine_amount": "5000.00",
                "measures": ["责令于十五日内支付拖欠的劳动者工资"],
                "party": {"name": "某某建筑工程有限公司", "credit_code": CREDIT_CODE,
                          "legal_representative": "李四", "email": "legal@builder.example.cn",
                          "address": "某市某区某路1号"}}
    answer = await walk.cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal,
                                          headers=OFFICER)
    assert answer.status_code == 201, answer.text
    answer = await walk.cases.client.post(f"/v1/cases/{case_id}/penalty-proposal/review",
                                          json={"decision": "approve", "reason": "事实清楚"},
                                          headers=REVIEWER)
    assert answer.status_code == 200, answer.text
    answer = await walk.cases.client.post(f"/v1/cases/{case_id}/decision", headers=DETACHMENT_CHIEF)
    assert answer.status_code == 201, answer.text
    return {"case_id": case_id, **answer.json()}


async def delivery_of(notify, document_id: str, status: str) -> dict:
    seen: dict = {}

    async def reached() -> bool:
        async with notify.runtime.engine.connect() as conn:
            row = (await conn.execute(sa.text("SELECT id, status FROM deliveries WHERE "
                                              "document_id = :d"), {"d": document_id})).first()
        if row is None or row.status != status:
            return False
        seen.update((await notify.client.get(f"/v1/deliveries/{row.id}", headers=OFFICER)).json())
        return True

    await eventually(reached, timeout=30)
    return seen


async def prove_on_wechat(walk, delivery: dict) -> datetime:
    """The party opens the document in the mini-program: its backend signs the read receipt."""
    [handed] = [a for a in delivery["attempts"] if a["outcome"] == "handed_over"]
    [sent] = [m for m in walk.wechat.sent if handed["reference"] in m["page"]]
    assert sent["touser"] == OPENID_SUBSCRIBED
    read_at = walk.notify.runtime.clock.now() - timedelta(minutes=3)
    answer = await read_in_the_mini_program(walk.notify, delivery, read_at)
    assert answer.status_code == 200, answer.text
    return read_at


async def prove_on_dingtalk(walk, delivery: dict) -> None:
    """The party reads the work notification; notify's next look at the send result sees it."""
    [handed] = [a for a in delivery["attempts"] if a["outcome"] == "handed_over"]
    walk.dingtalk.mark(handed["reference"], "manager1122", "read")


async def grid_known(walk, upstream_bus) -> None:
    """Credit's grid and register, as notify learns them from the bus (R-ORG-1)."""
    now = walk.notify.runtime.clock.now()
    await send(upstream_bus, GridChanged(code=GRID, name="某某社区", level="village",
                                         parent_code="350102001000", district="d01",
                                         grid_workers=[GRID_WORKER], version=1, changed_at=now),
               "/services/credit")
    await send(upstream_bus, EmployerRegisterChanged(
        credit_code=CREDIT_CODE, name="某某建筑工程有限公司", grid=GRID, version=1,
        changed_at=now), "/services/credit")

    async def learned() -> bool:
        async with walk.notify.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text("SELECT grid FROM employer_grids"))).scalar() == GRID

    await eventually(learned)


CONFIRMED = {"email": "legal@builder.example.cn", "fax": "0591-87654321",
             "wechat": OPENID_SUBSCRIBED, "dingtalk": "manager1122"}


@pytest.mark.parametrize("way", ["email", "fax", "wechat", "dingtalk", "grid_worker", "post"])
async def test_r_dlv_3_r_case_6_a_decision_through_each_channel_to_its_proven_time_and_the_15_day_clock(
        walk, upstream_bus, way):
    notify, cases = walk.notify, walk.cases
    if way in CONFIRMED:
        await confirm(notify, **{way: CONFIRMED[way]})
    else:
        await grid_known(walk, upstream_bus)
    decision = await decided(walk, upstream_bus)
    document_id = decision["document_id"]

    served_at: datetime | None = None
    if way == "wechat":
        served_at = await prove_on_wechat(walk, await delivery_of(notify, document_id,
                                                                  "awaiting_proof"))
    elif way == "dingtalk":
        await prove_on_dingtalk(walk, await delivery_of(notify, document_id, "awaiting_proof"))
    elif way == "grid_worker":
        work = await delivery_of(notify, document_id, "in_person")
        assert work["grid"] == GRID and "no confirmed electronic address" in work["in_person_reason"]
        mine = (await notify.client.get("/v1/deliveries", params={"status": "in_person"},
                                        headers=auth("grid_worker", subject=GRID_WORKER))).json()
        assert work["id"] in [d["id"] for d in mine]
        notify.runtime.clock.advance(timedelta(days=1))  # the grid worker goes out the next day
        served_at = notify.runtime.clock.now() - timedelta(hours=1)
        answer = await notify.client.post(
            f"/v1/deliveries/{work['id']}/in-person", headers=auth("grid_worker", subject=GRID_WORKER),
            json={"served_at": served_at.isoformat(), "received_by": "李四", "place": "某市某区某路1号",
                  "photo_b64": base64.b64encode(png(4, 3)).decode(), "photo_type": "image/png",
                  "signature_b64": base64.b64encode(SIGNATURE).decode()})
        assert answer.status_code == 200, answer.text
    elif way == "post":
        work = await delivery_of(notify, document_id, "in_person")
        notify.runtime.clock.advance(timedelta(days=4))  # the return receipt comes back by post
        served_at = notify.runtime.clock.now() - timedelta(days=1)
        answer = await notify.client.post(
            f"/v1/deliveries/{work['id']}/postal", headers=OFFICER,
            json={"tracking_number": "EMS1234567890CN", "received_at": served_at.isoformat(),
                  "receipt_b64": base64.b64encode(b"%PDF-1.7 signed return receipt").decode(),
                  "receipt_type": "application/pdf"})
        assert answer.status_code == 200, answer.text

    delivery = await delivery_of(notify, document_id, "served")
    proof = delivery["proof"]
    assert proof["channel"] == way
    if served_at is not None:  # the proven time is the party's, not notify's
        assert datetime.fromisoformat(proof["served_at"]) == served_at
    if way == "fax":  # the transmission time the gateway's DSN reports, the DSN itself the proof
        [handed] = [a["reference"] for a in delivery["attempts"] if a["outcome"] == "handed_over"]
        [report] = [r for r in walk.fax.reports if r.envid == handed]
        assert report.outcome == "delivered"
        assert datetime.fromisoformat(proof["served_at"]) == TRANSMITTED_AT
        assert proof["content_type"] == "message/rfc822"
    kept = await notify.client.get(f"/v1/deliveries/{delivery['id']}/proof", headers=OFFICER)
    assert hashlib.sha256(kept.content).hexdigest() == proof["sha256"]
    chain = (await notify.client.get(f"/v1/proof-chains/{decision['case_id']}",
                                     headers=OFFICER)).json()
    assert chain["intact"] and proof["chain_sha256"] in [link["chain_sha256"]
                                                        for link in chain["links"]]

    # Cases starts the 15 days at the proven time of service (R-CASE-6 with R-DLV-3).
    view: dict = {}

    async def executing() -> bool:
        view.update((await cases.client.get(f"/v1/cases/{decision['case_id']}",
                                            headers=OFFICER)).json())
        return view["state"] == "executing"

    await eventually(executing, timeout=30)
    proven = datetime.fromisoformat(proof["served_at"])
    assert datetime.fromisoformat(view["payment_due_at"]) == proven + timedelta(days=15)
    served_doc = next(d for d in view["documents"] if d["document_id"] == document_id)
    assert served_doc["served_channel"] == way
