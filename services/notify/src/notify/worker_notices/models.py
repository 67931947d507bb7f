"""Notice rows: one per (complaint, kind, event), with its schedule, its last error and the
channel's receipt."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from notify.tables import NotifyTable


class WorkerNotice(NotifyTable, table=True):
    """A notice to the worker (补正告知, 立案答复) through the channel that filed the complaint."""

    __tablename__ = "worker_notices"
    __table_args__ = (sa.UniqueConstraint("complaint_id", "kind", "source_event_id",
                                          name="worker_notices_once"),)

    id: str = Field(primary_key=True, description="the notice_id and webhook-id of every attempt")
    kind: str
    complaint_id: str = Field(index=True)
    tracking_code: str = Field(description="how the channel knows its user; shown masked")
    channel: str
    source_event_id: str
    issued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    body: str = Field(description="the JSON sent, fixed at creation: retries send the same bytes")
    status: str
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    lease_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    receipt_status: int | None = None
    receipt_sha256: str | None = None
    receipt_excerpt: str | None = None
    failed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    failure_reason: str | None = None
    document_id: str | None = Field(default=None, description="correction_notice: its rendered PDF")
    document_sha256: str | None = None
    traceparent: str | None = Field(default=None, description="trace of the event that caused "
                                     "it, which the work continues")
    district: str | None = Field(default=None, index=True,
                                 description="the complaint's district: whose staff see the notice")


worker_notices = WorkerNotice.__table__  # type: ignore[attr-defined]
