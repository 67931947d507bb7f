"""Channel quota windows (R-INT-1): what each API client spent in each minute, for every replica."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from intake.tables import IntakeTable


class ChannelQuotaWindow(IntakeTable, table=True):
    """Units (complaints, batch items) one API client spent in one fixed window."""

    __tablename__ = "channel_quota_windows"

    client: str = Field(primary_key=True, description="the key's client, e.g. window_d01")
    window_start: datetime = Field(primary_key=True, sa_type=sa.DateTime(timezone=True))
    used: int


channel_quota_windows = ChannelQuotaWindow.__table__  # type: ignore[attr-defined]
