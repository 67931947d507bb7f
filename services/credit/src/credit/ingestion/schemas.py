"""What the ingestion API answers: a batch's outcome and its rejected rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class BatchRead(BaseModel):
    id: str
    source: str
    via: str = Field(description="upload, directory or record")
    filename: str
    format: str = Field(description="csv or jsonl")
    status: str = Field(description="done, or failed when the file could not be read at all")
    rows_total: int
    rows_changed: int = Field(description="inserted, or different from what was stored")
    rows_unchanged: int = Field(description="already stored as sent: nothing changed")
    rows_rejected: int = Field(description="refused: see the batch's rejections")
    error: str = Field(description="why a failed batch could not be read")
    received_at: datetime
    finished_at: datetime | None
    replay: bool = Field(default=False, description="the same content was loaded before: this "
                         "is that earlier batch and nothing changed")


class BatchPage(BaseModel):
    items: list[BatchRead]
    next_before: str | None = Field(description="pass as `before` for the next page")


class Rejection(BaseModel):
    row_number: int = Field(description="1 = the first data row (the line after a CSV header)")
    reason: str


class RejectionPage(BaseModel):
    batch_id: str
    items: list[Rejection]
    next_after: int | None = Field(description="pass as `after` for the next page")
