"""The one file per employer (一户一档, R-CRD-1) on the real database and broker: encrypted
contacts, masked or full by role with an audited reason, and the history newest first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from labor_runtime.crypto import DecryptionError

from .conftest import CODE, bearer, penalty_decided, publish, settled

pytestmark = pytest.mark.integration

PHONE, ID_NUMBER = "13800138000", "11010519491231002X"
EMPLOYER = {"name": "某某建筑工程有限公司", "legal_representative": "李四", "grid": "350102001001",
            "industry": "construction", "size": "medium", "legal_representative_phone": PHONE,
            "legal_representative_id_number": ID_NUMBER}
OFFICER = bearer("officer_a", district="d01")
URL = f"/v1/employers/{CODE}"


async def test_r_crd_1_contacts_are_validated(gridded):
    for field, value in (("legal_representative_phone", "1380013800"),
                         ("legal_representative_phone", "23800138000"),
                         ("legal_representative_id_number", "110105194912310021")):
        response = await gridded.client.put(URL, json=EMPLOYER | {field: value}, headers=OFFICER)
        assert response.status_code == 422, (field, value)
        assert field in response.text and value not in response.text


async def test_r_crd_1_contacts_are_encrypted_at_rest(gridded):
    assert (await gridded.client.put(URL, json=EMPLOYER, headers=OFFICER)).status_code == 201
    async with gridded.runtime.engine.connect() as conn:
        row = (await conn.execute(sa.text(
            "SELECT legal_representative_phone_enc AS phone, "
            "legal_representative_id_number_enc AS id_number FROM employers"))).one()
        dump = (await conn.execute(sa.text(
            "SELECT string_agg(body::text, '') FROM outbox"))).scalar_one()
    assert row.phone.startswith("v1.") and row.id_number.startswith("v1.")
    assert PHONE not in row.phone and ID_NUMBER not in row.id_number
    assert PHONE not in dump and ID_NUMBER not in dump  # never in events
    cipher = gridded.runtime.cipher
    assert cipher.decrypt(row.phone, f"employers.legal_representative_phone:{CODE}") == PHONE
    with pytest.raises(DecryptionError):  # bound to its column: not readable as another field
        cipher.decrypt(row.phone, f"employers.legal_representative_id_number:{CODE}")


async def test_r_crd_1_contacts_in_full_only_to_the_roles_that_need_them_and_audited(gridded):
    credit = gridded
    assert (await credit.client.put(URL, json=EMPLOYER, headers=OFFICER)).status_code == 201
    masked = (await credit.client.get(f"{URL}/file", headers=OFFICER)).json()["contacts"]
    assert masked == {"legal_representative": "李*", "legal_representative_phone": "138******00",
                      "legal_representative_id_number": "1" + "*" * 17,
                      "contact_email": None, "masked": True}
    reviewer = await credit.client.get(f"{URL}/file", params={"reason": "复核案件"},
                                       headers=bearer("reviewer_b", subject="rev-1"))
    assert reviewer.json()["contacts"]["masked"] is True
    for role, subject in (("officer_a", "officer-1"), ("executor_c", "exec-1"),
                          ("detachment_chief", "chief-1")):
        full = await credit.client.get(f"{URL}/file", params={"reason": "电话通知法定代表人"},
                                       headers=bearer(role, subject=subject))
        contacts = full.json()["contacts"]
        assert (contacts["legal_representative_phone"], contacts["legal_representative_id_number"],
                contacts["masked"]) == (PHONE, ID_NUMBER, False), role
    async with credit.runtime.engine.connect() as conn:
        reads = (await conn.execute(sa.text(
            "SELECT actor, subject, reason FROM audit_log WHERE action = 'read_employer_contacts' "
            "ORDER BY seq"))).all()
    assert [tuple(r) for r in reads] == [
        (subject, f"employer:{CODE}", "电话通知法定代表人")
        for subject in ("officer-1", "exec-1", "chief-1")]
    other = await credit.client.get(f"{URL}/file", headers=bearer("officer_a", district="d02"))
    assert other.status_code == 404


async def test_r_crd_1_the_file_shows_grid_and_history_newest_first_page_by_page(
        gridded, infrastructure, bus_prefix):
    credit = gridded
    await publish(infrastructure, bus_prefix, penalty_decided("dec-1"))
    await settled(credit, 1)
    assert (await credit.client.put(URL, json=EMPLOYER, headers=OFFICER)).status_code == 200
    moved = EMPLOYER | {"grid": "350102002001"}
    assert (await credit.client.put(URL, json=moved, headers=OFFICER)).status_code == 200
    assert (await credit.client.put(URL, json=moved, headers=OFFICER)).status_code == 200

    file = (await credit.client.get(f"{URL}/file", headers=OFFICER)).json()
    assert file["grid"]["code"] == "350102002001" and file["grid"]["name"] == "鼓西社区"
    assert [p["name"] for p in file["grid"]["path"]] == ["福州市", "鼓楼区", "鼓西街道"]
    assert file["unplaced_because"] is None and file["grade"]["grade"] == "C"
    kinds = [(line["kind"], line["source"].split(":")[0]) for line in file["history"]]
    assert kinds == [("grid", "staff"), ("grid", "staff"), ("grade", kinds[2][1]),
                     ("penalty", kinds[3][1])]
    assert "350102001001" in file["history"][0]["summary"]  # moved from
    assert file["history"][3]["ref"] == "dec-1" and file["history"][2]["ref"] == "penalty:dec-1"
    assert file["history"][2]["source"] == file["history"][3]["source"]  # the same event
    assert file["next_cursor"] is None

    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await credit.client.get(f"{URL}/file", params=params, headers=OFFICER)).json()
        seen += [line["summary"] for line in page["history"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [line["summary"] for line in file["history"]]
    bad = await credit.client.get(f"{URL}/file", params={"cursor": "nope"}, headers=OFFICER)
    assert bad.status_code == 422


async def test_issue10_finding_7_contacts_are_not_read_in_full_for_a_blank_reason(credit):
    response = await credit.client.get(f"{URL}/file", params={"reason": "    "}, headers=OFFICER)
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["query.reason"]
