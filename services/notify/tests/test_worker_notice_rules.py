"""Pure rules of notices to the worker and their settings: no I/O."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from notify.settings import NotifySettings
from notify.worker_notices.rules import (
    FailureCause,
    NoticeKind,
    failure_summary,
    notice_body,
    receipt,
)
from pydantic import ValidationError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def body(**content: object) -> str:
    return notice_body(notice_id="n-1", kind=NoticeKind.CORRECTION_NOTICE, tracking_code="TS-abc",
                       complaint_id="c-1", channel="hotline_12333", issued_at=T0, content=content)


def test_r_int_2_notice_body_lists_every_item_and_nothing_personal():
    sent = json.loads(body(missing=["identity_proof", "preliminary_evidence"], items=["a", "b"]))
    assert sent == {"notice_id": "n-1", "kind": "correction_notice",
                    "title": "一次性补正告知书 (one-time correction notice)", "tracking_code": "TS-abc",
                    "complaint_id": "c-1", "channel": "hotline_12333",
                    "issued_at": "2026-03-02T09:00:00+00:00",
                    "missing": ["identity_proof", "preliminary_evidence"], "items": ["a", "b"]}
    assert body(items=["a"]) == body(items=["a"])  # the same notice, the same bytes


def test_receipt_hashes_the_reply_and_masks_the_tracking_code():
    reply = b'{"ok":true,"code":"TS-abcdef"}\n'
    kept = receipt(200, reply, "TS-abcdef", "T********")
    assert kept.status_code == 200 and len(kept.sha256) == 64
    assert kept.excerpt == '{"ok":true,"code":"T********"} '
    assert len(receipt(200, b"x" * 5000, "TS-a", "T***").excerpt) == 200


def test_r_int_3_the_reason_told_to_intake_carries_no_reply_and_no_url():
    def summary(cause: FailureCause, status: int | None, error: str, attempts: int = 1) -> str:
        return failure_summary(cause, channel="window", status_code=status, attempts=attempts,
                               error=error)

    assert summary(FailureCause.NO_ENDPOINT, None, "") == (
        "no notice endpoint configured for channel 'window'")
    assert summary(FailureCause.REFUSED, 400, 'HTTP 400: {"error":"unknown code TS-a*****"}') == (
        "refused by the channel: HTTP 400")
    assert summary(FailureCause.RETRIES_EXHAUSTED, None,
                   "ConnectError: failed https://channel.example/notices?token=x", 6) == (
        "not delivered after 6 attempt(s); last: ConnectError")
    assert summary(FailureCause.RETRIES_EXHAUSTED, None, "no answer within 15s", 2) == (
        "not delivered after 2 attempt(s); last: no answer within 15s")


def test_every_configured_endpoint_needs_a_valid_secret_and_https_in_production():
    url = {"hotline_12333": "https://12333.example.gov.cn/notices"}
    assert NotifySettings(worker_notice_endpoints=url,
                          worker_notice_secrets={"hotline_12333": SECRET}).worker_notice_endpoints
    with pytest.raises(ValidationError, match="needs worker_notice_secrets"):
        NotifySettings(worker_notice_endpoints=url)
    with pytest.raises(ValidationError, match="whsec_"):
        NotifySettings(worker_notice_endpoints=url,
                       worker_notice_secrets={"hotline_12333": "password"})
    with pytest.raises(ValidationError):
        NotifySettings(worker_notice_endpoints={"fax": "https://x.example/n"},
                       worker_notice_secrets={"fax": SECRET})
    with pytest.raises(ValidationError, match="https in production"):
        NotifySettings(environment="production", auth_jwt_key="k" * 40,
                       field_encryption_keys=json.dumps({"p1": base64.b64encode(b"p" * 32).decode()}),
                       field_encryption_active_key="p1",
                       worker_notice_endpoints={"hotline_12333": "http://12333.example/n"},
                       worker_notice_secrets={"hotline_12333": SECRET})


def test_r_dlv_4_correction_notice_renders_the_same_bytes_under_one_id_per_event():
    """A redelivered event finds the document it rendered: one id per (complaint, event), and the
    same content always renders to the same bytes."""
    from labor_runtime.rendering import render_pdf
    from notify.worker_notices import correction

    document_id = correction.document_id("c-1", "e-1")
    assert document_id == correction.document_id("c-1", "e-1")
    assert document_id != correction.document_id("c-1", "e-2") != correction.document_id("c-2", "e-1")
    content = correction.content(
        document_id=document_id, verify_url=f"https://notify.example/v1/documents/{document_id}/verify",
        authority="某市人力资源和社会保障局", number=correction.number("某劳监补", document_id, T0),
        tracking_code="TS-abc", complaint_id="c-1", channel="hotline_12333",
        missing=["identity_proof", "preliminary_evidence"], items=["a", "b"], issued_at=T0,
        materials_office="窗口")
    assert content.number == f"某劳监补〔2026〕{document_id[:8].upper()}号"
    assert content.paragraphs[1:3] == [f"1. a：{correction.MATERIAL_GUIDANCE['identity_proof']}。",
                                       f"2. b：{correction.MATERIAL_GUIDANCE['preliminary_evidence']}。"]
    pdf = render_pdf(content, creator=correction.CREATOR)
    assert pdf == render_pdf(content, creator=correction.CREATOR)
