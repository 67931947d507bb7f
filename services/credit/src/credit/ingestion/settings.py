"""Settings of ingestion: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class IngestionSettings(BaseModel):
    ingest_max_batch_bytes: int = Field(
        default=512 * 1024 * 1024, gt=0,
        description="R-CRD-3 largest batch file accepted over HTTP (bigger: 413; drop it in the "
        "watched directory instead)")
    ingest_chunk_rows: int = Field(
        default=20_000, gt=0,
        description="R-CRD-3 rows parsed and copied to the staging table at a time (memory and "
        "how long the event loop is held)")
    ingest_watch_dir: Path | None = Field(
        default=None,
        description="R-CRD-3 directory whose '<source>__<anything>.csv|jsonl' files are loaded "
        "then moved to done/ or failed/ (unset: no directory is watched)")
    ingest_watch_poll_seconds: float = Field(
        default=5.0, gt=0,
        description="R-CRD-3 how often the watched directory is listed; a file is taken once "
        "its size and time are the same on two listings in a row")
    ingest_rejections_page: int = Field(
        default=100, gt=0, description="R-CRD-3 rejected rows per page at most")
