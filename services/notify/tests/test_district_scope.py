"""Issue 10, finding 4: notify's worker notices and delivery-address confirmations were not
district-scoped: an officer of d02 read a d01 complaint's notices and a d01 party's confirmation
(with its e-mail and signed artefact), and lists without a filter returned every district. Now
another district's object answers 404 like a missing one, and lists hold the caller's district."""

from __future__ import annotations

import pytest
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET

from .conftest import CREDIT_CODE, confirm, publish
from .test_worker_notices import registration_answer, wait_notice

pytestmark = pytest.mark.integration


def officer(district: str | None, role: str = "officer_a") -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, subject=f"{role}-{district}", roles=[role], district=district)
    return {"Authorization": f"Bearer {token}"}


async def test_issue10_finding_4_worker_notices_are_listed_within_the_district(
        notify_channels, upstream_bus):
    d01, d02 = registration_answer(district="d01"), registration_answer(district="d02")
    for event in (d01, d02):
        await publish(upstream_bus, event)
        await wait_notice(notify_channels, event.data["complaint_id"], "delivered")

    async def listed(headers: dict[str, str], **params: str) -> set[str]:
        response = await notify_channels.client.get("/v1/worker-notices", params=params,
                                                    headers=headers)
        assert response.status_code == 200, response.text
        return {n["complaint_id"] for n in response.json()}

    ids = {d: e.data["complaint_id"] for d, e in (("d01", d01), ("d02", d02))}
    assert await listed(officer("d02")) == {ids["d02"]}
    assert await listed(officer("d02"), complaint_id=ids["d01"]) == set()
    assert await listed(officer("d01")) == {ids["d01"]}
    assert await listed(officer(None, "detachment_chief")) == set(ids.values())


async def test_issue10_finding_4_another_districts_address_confirmation_is_not_found(notify):
    kept = await confirm(notify, email="hr@employer.example.cn")  # by an officer of d01
    url = f"/v1/address-confirmations/{kept['id']}"
    missing = await notify.client.get("/v1/address-confirmations/no-such-id", headers=officer("d02"))
    for answer in (await notify.client.get(url, headers=officer("d02")),
                   await notify.client.get(f"{url}/artefact", headers=officer("d02")),
                   await notify.client.post(f"{url}/withdraw", json={"reason": "probe"},
                                            headers=officer("d02"))):
        assert answer.status_code == 404, answer.text
        assert answer.json() | {"instance": ""} == missing.json() | {"instance": ""}
    listed = await notify.client.get("/v1/address-confirmations",
                                     params={"credit_code": CREDIT_CODE}, headers=officer("d02"))
    assert listed.status_code == 200 and listed.json() == []
    assert (await notify.client.get(url, headers=officer("d01"))).status_code == 200
    assert (await notify.client.get(url, headers=officer(None, "detachment_chief"))).status_code == 200
    still = await notify.client.get(url, headers=officer("d01"))
    assert still.json()["in_force"] is True
