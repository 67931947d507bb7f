"""API shapes of notices to the worker: for staff (the tracking code masked) and the body the
channels receive (documented as the OpenAPI webhook `worker-notice`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ReceiptView(BaseModel):
    """The channel's answer when it took the notice: the proof it was handed over."""

    status_code: int
    sha256: str = Field(description="SHA-256 of the reply body (its first 64 KiB)")
    excerpt: str = Field(description="the reply's start, the tracking code masked")
    delivered_at: datetime


class WorkerNoticeView(BaseModel):
    id: str = Field(description="the notice_id, sent as `webhook-id` on every attempt")
    kind: str = Field(description="correction_notice (R-INT-2) or registration_answer (R-INT-3)")
    complaint_id: str
    tracking_code: str = Field(description="masked: the full code lets anyone follow the complaint")
    channel: str = Field(description="the filing channel the notice goes to (R-INT-1)")
    issued_at: datetime
    status: str = Field(description="pending, delivered or failed")
    attempts: int = Field(description="POSTs made so far")
    next_attempt_at: datetime | None
    last_status_code: int | None = Field(description="the channel's last HTTP status; none when "
                                         "it did not answer")
    last_error: str | None
    created_at: datetime
    receipt: ReceiptView | None
    failed_at: datetime | None
    failure_reason: str | None = Field(description="why the worker was not told through the "
                                       "channel: staff must tell them another way")
    document_id: str | None = Field(default=None, description="correction_notice: the rendered "
                                    "notice (一次性补正告知书) the body carries, kept in documents")
    document_sha256: str | None = Field(default=None, description="its hex SHA-256")


class NoticeDocument(BaseModel):
    """The notice rendered once as a PDF and kept immutably with its hash (R-DLV-4)."""

    document_id: str
    title: str
    sha256: str = Field(description="hex SHA-256 of the PDF: the bytes of `content_b64`")
    verify_url: str = Field(description="what its QR code says: public, answers whether a copy "
                            "is genuine (add ?sha256=<hex> to check a copy)")
    content_type: Literal["application/pdf"]
    content_b64: str = Field(description="the PDF, base64")


class WorkerNoticeBody(BaseModel):
    """What a filing channel receives (JSON). No name, identity number or phone (R-INT-7): the
    channel finds its user by `tracking_code`. A retry repeats the same bytes and `notice_id`."""

    notice_id: str = Field(description="unique per notice; equal to the `webhook-id` header")
    kind: Literal["correction_notice", "registration_answer"]
    title: str
    tracking_code: str
    complaint_id: str
    channel: str
    issued_at: datetime
    missing: list[str] | None = Field(default=None, description="correction_notice: every missing "
                                      "item's code, e.g. identity_proof")
    items: list[str] | None = Field(default=None, description="correction_notice: the same items "
                                    "as the notice words them (R-INT-2: all at once)")
    outcome: Literal["registered", "not_registered"] | None = Field(
        default=None, description="registration_answer")
    reason: str | None = Field(default=None, description="registration_answer: why not registered")
    case_id: str | None = Field(default=None, description="registration_answer")
    case_number: str | None = Field(default=None, description="registration_answer: 立案编号")
    document: NoticeDocument | None = Field(
        default=None, description="correction_notice: the notice as a PDF the worker can keep, "
        "print and verify; it names nobody either (R-INT-7)")
