"""What ingestion adds to the credit service: its API and, when `ingest_watch_dir` is set, the
watched directory's loop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labor_runtime.runtime import Runtime
from labor_runtime.workers import Loop

from credit.ingestion.routes import router
from credit.ingestion.watch import DirectoryWatch
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    directory = settings.ingest_watch_dir
    if directory is None:
        return Part(routers=[router])

    def watcher(runtime: Runtime[Any]) -> Loop:
        return DirectoryWatch(runtime, directory, settings.ingest_watch_poll_seconds)

    return Part(routers=[router], workers=[watcher])
