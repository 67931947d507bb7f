"""Pure rules of notices to the worker: what is sent (no personal data, R-INT-7), what is kept of
the channel's answer and what staff and intake are told (signing, the reading of an answer and
the retry schedule: labor_runtime.webhooks)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

RECEIPT_EXCERPT_CHARS = 200


class FilingChannel(StrEnum):
    """R-INT-1: the channel that filed the complaint knows its user by the tracking code."""

    WINDOW = "window"
    HOTLINE_12333 = "hotline_12333"
    SUNSHINE_WAGE_PLATFORM = "sunshine_wage_platform"
    WECHAT_MINIPROGRAM = "wechat_miniprogram"
    PETITION_TRANSFER = "petition_transfer"


class NoticeKind(StrEnum):
    CORRECTION_NOTICE = "correction_notice"  # R-INT-2 一次性补正告知书
    REGISTRATION_ANSWER = "registration_answer"  # R-INT-3 whether a case is registered


class NoticeStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class FailureCause(StrEnum):
    """Why a notice failed, as told to intake (notify.worker_notice.failed.v1)."""

    NO_ENDPOINT = "no_endpoint"  # the channel has no notice endpoint configured
    REFUSED = "refused"  # an answer that sending again cannot change
    RETRIES_EXHAUSTED = "retries_exhausted"  # no acceptable answer after the whole schedule


TITLES = {
    NoticeKind.CORRECTION_NOTICE: "一次性补正告知书 (one-time correction notice)",
    NoticeKind.REGISTRATION_ANSWER: "立案答复 (whether a case is registered)",
}


def notice_body(*, notice_id: str, kind: NoticeKind, tracking_code: str, complaint_id: str,
                channel: str, issued_at: datetime, content: Mapping[str, Any]) -> str:
    """The JSON the channel receives, fixed when the notice is made: every retry sends the same
    bytes with the same `notice_id`. Only what the channel needs to reach its own user: the
    tracking code, never a name, identity number or phone (R-INT-7)."""
    body: dict[str, Any] = {
        "notice_id": notice_id, "kind": str(kind), "title": TITLES[kind],
        "tracking_code": tracking_code, "complaint_id": complaint_id, "channel": channel,
        "issued_at": issued_at.isoformat(), **content}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class ChannelReceipt:
    """The channel's answer to a delivered notice: the proof that it took it."""

    status_code: int
    sha256: str  # of the reply body as read (at most the sender's limit)
    excerpt: str  # its start, printable, with the tracking code masked


def receipt(status_code: int, reply: bytes, tracking_code: str, masked_code: str) -> ChannelReceipt:
    text = reply.decode("utf-8", errors="replace").replace(tracking_code, masked_code)
    excerpt = "".join(c if c.isprintable() else " " for c in text)[:RECEIPT_EXCERPT_CHARS]
    return ChannelReceipt(status_code, hashlib.sha256(reply).hexdigest(), excerpt)


def attempt_error(status_code: int | None, error: str, reply_excerpt: str = "") -> str:
    """One line for staff: what the channel answered, or why there was no answer."""
    if status_code is None:
        return error
    detail = f": {reply_excerpt}" if reply_excerpt else ""
    return f"HTTP {status_code}{detail}"


def no_endpoint_reason(channel: str) -> str:
    return (f"no notice endpoint configured for channel {channel!r} "
            "(settings worker_notice_endpoints and worker_notice_secrets): tell the worker another way")


def refused_reason(status_code: int | None, error: str) -> str:
    """Why a notice failed without retries: the channel refused it, or it cannot be sent at all."""
    if status_code is None:
        return error
    return f"refused by the channel, not retried: {error}"


def gave_up_reason(attempts: int, last_error: str) -> str:
    return f"not delivered after {attempts} attempt(s); last: {last_error}"


def failure_summary(cause: FailureCause, *, channel: str, status_code: int | None, attempts: int,
                    error: str) -> str:
    """The reason carried by the failed event: what happened, never the channel's reply (it may
    quote the tracking code) nor an exception's text (it may carry the endpoint's URL)."""
    if cause is FailureCause.NO_ENDPOINT:
        return f"no notice endpoint configured for channel {channel!r}"
    answer = f"HTTP {status_code}" if status_code is not None else error.split(":", 1)[0].strip()
    if cause is FailureCause.REFUSED:
        return f"refused by the channel: {answer}"
    return f"not delivered after {attempts} attempt(s); last: {answer}"
