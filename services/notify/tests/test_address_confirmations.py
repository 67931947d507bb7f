"""Delivery-address confirmations (送达地址确认书): electronic service only on the channels and
addresses the party confirmed, signed on the mobile form or uploaded as a scan, hashed, audited."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import CREDIT_CODE, SIGNATURE, confirm, confirmation, issued, publish, staff_headers
from .test_delivery import wait_status

pytestmark = pytest.mark.integration

OFFICER = staff_headers("officer_a")
EXAMPLE = Path(__file__).resolve().parents[3] / "docs/examples/address-confirmation.json"


async def audit_actions(service) -> list[tuple[str, str]]:
    async with service.runtime.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(sa.text(
            "SELECT action, subject FROM audit_log ORDER BY seq"))).all()]


async def test_r_dlv_2_a_confirmation_is_kept_with_its_signed_artefact_and_audited(notify):
    kept = await confirm(notify, email=" HR@Employer.example.cn ")
    assert kept["in_force"] and kept["method"] == "mobile_signature"
    assert kept["artefact_sha256"] == hashlib.sha256(SIGNATURE).hexdigest()
    # Each address in the form its channel sends to; a gateway not configured here refuses.
    assert kept["addresses"][0] == {"channel": "email", "address": "HR@Employer.example.cn"}
    artefact = await notify.client.get(f"/v1/address-confirmations/{kept['id']}/artefact",
                                       headers=OFFICER)
    assert artefact.content == SIGNATURE and artefact.headers["content-type"] == "image/png"
    listed = await notify.client.get("/v1/address-confirmations",
                                     params={"credit_code": CREDIT_CODE}, headers=OFFICER)
    assert [c["id"] for c in listed.json()] == [kept["id"]]
    actions = await audit_actions(notify)
    assert ("record_address_confirmation", f"address_confirmation:{kept['id']}") in actions
    assert ("read_confirmation_artefact", f"address_confirmation:{kept['id']}") in actions
    assert ("read_address_confirmations", f"employer:{CREDIT_CODE}") in actions


async def test_r_dlv_2_the_fax_gateway_unconfigured_refuses_the_fax_address(notify):
    response = await notify.client.post("/v1/address-confirmations", headers=OFFICER,
                                        json=confirmation(fax="0591-87654321"))
    assert response.status_code == 422
    assert "fax_gateway_domain" in response.json()["detail"]


@pytest.mark.parametrize(("change", "reason"), [
    ({"artefact_type": "image/jpeg"}, "kept as image/png"),
    ({"artefact_b64": base64.b64encode(b"GIF89a...").decode()}, "not a image/png file"),
    ({"artefact_b64": "not base64!"}, "base64"),
    ({"addresses": [{"channel": "email", "address": "a@x.cn"},
                    {"channel": "email", "address": "b@x.cn"}]}, "named twice"),
    ({"addresses": [{"channel": "email", "address": "not an address"}]}, "not usable"),
    ({"signed_at": "2999-01-01T00:00:00+08:00"}, "is after now"),
])
async def test_r_dlv_2_a_confirmation_that_cannot_be_relied_on_is_refused_with_its_reason(
        notify, change, reason):
    response = await notify.client.post("/v1/address-confirmations", headers=OFFICER,
                                        json={**confirmation(email="hr@x.cn"), **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.json()["detail"]


async def test_r_dlv_2_a_scan_of_the_signed_paper_is_accepted_as_pdf(notify):
    scan = "%PDF-1.7\n% signed and sealed 送达地址确认书\n".encode()
    body = {**confirmation(email="hr@x.cn"), "method": "scan", "artefact_type": "application/pdf",
            "artefact_b64": base64.b64encode(scan).decode(), "signatory_capacity": "authorised_agent"}
    response = await notify.client.post("/v1/address-confirmations", headers=OFFICER, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["artefact_sha256"] == hashlib.sha256(scan).hexdigest()


async def test_r_dlv_2_a_new_confirmation_replaces_the_old_and_a_withdrawal_ends_electronic_service(
        notify, upstream_bus, mailbox):
    first = await confirm(notify, email="old@employer.example.cn")
    second = await confirm(notify, email="hr@employer.example.cn")
    listed = (await notify.client.get("/v1/address-confirmations",
                                      params={"credit_code": CREDIT_CODE}, headers=OFFICER)).json()
    assert [(c["id"], c["in_force"]) for c in listed] == [(second["id"], True), (first["id"], False)]
    assert listed[1]["withdrawal_reason"] == f"replaced by confirmation {second['id']}"

    event = issued()
    await publish(upstream_bus, event)
    await wait_status(notify, event.data["document_id"], "served")
    assert [m.rcpt_tos for m in mailbox.messages] == [["hr@employer.example.cn"]]

    withdrawn = await notify.client.post(f"/v1/address-confirmations/{second['id']}/withdraw",
                                         json={"reason": "当事人书面撤回电子送达同意"}, headers=OFFICER)
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    one = await notify.client.get(f"/v1/address-confirmations/{second['id']}", headers=OFFICER)
    assert one.json()["withdrawal_reason"] == "当事人书面撤回电子送达同意"
    actions = await audit_actions(notify)
    for action in ("withdraw_address_confirmation", "read_address_confirmation"):
        assert (action, f"address_confirmation:{second['id']}") in actions
    again = await notify.client.post(f"/v1/address-confirmations/{second['id']}/withdraw",
                                     json={"reason": "twice"}, headers=OFFICER)
    assert again.status_code == 409
    later = issued()
    await publish(upstream_bus, later)
    delivery = await wait_status(notify, later.data["document_id"], "in_person")
    assert delivery.confirmation_id is None and len(mailbox.messages) == 1


async def test_confirmations_are_for_staff_and_unknown_ones_are_404(notify):
    assert (await notify.client.get("/v1/address-confirmations",
                                    params={"credit_code": CREDIT_CODE})).status_code == 401
    partner = await notify.client.post("/v1/address-confirmations", json=confirmation(email="a@x.cn"),
                                       headers=staff_headers("reviewer_b"))
    assert partner.status_code == 403
    assert (await notify.client.get("/v1/address-confirmations/nope",
                                    headers=OFFICER)).status_code == 404


async def test_r_dlv_2_the_readmes_example_confirmation_is_accepted(notify):
    """The README's walk records docs/examples/address-confirmation.json before the penalty."""
    example = json.loads(EXAMPLE.read_text())
    response = await notify.client.post("/v1/address-confirmations", json=example, headers=OFFICER)
    assert response.status_code == 201, response.text
    assert response.json()["addresses"] == example["addresses"]


async def test_issue10_finding_7_a_confirmation_names_its_party_signatory_and_address(notify):
    signed = confirmation(email="legal@builder.example.cn")
    hostile = [({**signed, "party_name": " "}, "body.party_name"),
               ({**signed, "signatory": "\u3000"}, "body.signatory"),
               ({**signed, "addresses": [{"channel": "email", "address": "  "}]},
                "body.addresses.0.address")]
    for body, location in hostile:
        refused = await notify.client.post("/v1/address-confirmations", json=body, headers=OFFICER)
        assert refused.status_code == 422, refused.text
        assert [e["location"] for e in refused.json()["errors"]] == [location]
    confirmed = await confirm(notify, email="legal@builder.example.cn")
    withdrawn = await notify.client.post(f"/v1/address-confirmations/{confirmed['id']}/withdraw",
                                         json={"reason": "   "}, headers=OFFICER)
    assert withdrawn.status_code == 422, withdrawn.text
    assert [e["location"] for e in withdrawn.json()["errors"]] == ["body.reason"]
