"""Issue 10, finding 4 in notify (OWASP API1), generated from `tests/authz/access.py`: a d01
party's confirmation, delivery, proof chain and document are d01's; every district route naming
one answers d02 with the 404 of a missing one."""

from __future__ import annotations

import base64

import pytest

from tests.authz.objects import probe

from .conftest import issued, publish
from .test_delivery import wait_status

pytestmark = pytest.mark.integration

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nx").decode()
BODIES: dict[tuple[str, str], object] = {
    ("POST", "/v1/address-confirmations/{confirmation_id}/withdraw"): {"reason": "当事人撤回"},
    ("POST", "/v1/deliveries/{delivery_id}/in-person"): {
        "served_at": "2026-01-01T09:00:00+08:00", "received_by": "李四", "place": "某路1号",
        "photo_b64": PNG, "photo_type": "image/png", "signature_b64": PNG},
    ("POST", "/v1/deliveries/{delivery_id}/postal"): {
        "tracking_number": "EMS1234567890CN", "received_at": "2026-01-01T00:00:00+08:00",
        "receipt_b64": base64.b64encode(b"%PDF-1.7").decode(), "receipt_type": "application/pdf"},
}


async def test_issue10_object_level_other_districts_notify_objects_answer_404(
        notify, upstream_bus, mailbox, confirmed):
    event = issued(case_id="case-d01", district="d01")
    await publish(upstream_bus, event)
    delivery = await wait_status(notify, event.data["document_id"], "served")
    ids = {"address_confirmation": confirmed["id"], "delivery": delivery.id,
           "proof_chain": "case-d01", "notify_document": event.data["document_id"]}
    wrong = await probe(notify.client, "notify", ids, BODIES)
    assert wrong == [], "\n".join(wrong)

