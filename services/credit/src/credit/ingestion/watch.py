"""The watched directory (监控目录): a file `<source>__<anything>.csv` or `.jsonl` dropped there is
loaded like an upload, then moved to `done/`, or to `failed/` with a `.reason` file beside it.

A file still being written is never taken: names ending in `.part` (write, then rename into the
final name) and hidden names are skipped, and any other file is taken only once its size and
modification time are the same on two listings in a row. Taking a file is renaming it into
`work/` first, so that two replicas watching one directory never load it twice. A file a stopped
process left in `work/` goes back when the watcher starts: loading it again changes nothing (the
same content is the same batch)."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from labor_runtime.runtime import Runtime
from labor_runtime.tracing import continued
from labor_runtime.workers import Loop

from credit.ingestion import flows
from credit.ingestion.sources import SOURCES

log = logging.getLogger(__name__)

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
WATCHER = flows.Actor(subject="system:ingest-watch", role="system",
                      reason="file dropped in the watched directory")


def _signature(entry: os.DirEntry[str]) -> tuple[int, int]:
    stat = entry.stat()
    return stat.st_size, stat.st_mtime_ns


class DirectoryWatch(Loop):
    follows_clock = False

    def __init__(self, runtime: Runtime[Any], directory: Path, poll_seconds: float) -> None:
        super().__init__(poll_seconds=poll_seconds)
        self.runtime = runtime
        self.directory = directory
        self._seen: dict[str, tuple[int, int]] = {}
        self._started = False
        for sub in ("work", "done", "failed"):
            (directory / sub).mkdir(parents=True, exist_ok=True)

    def _put_back_left_work(self) -> None:
        for left in (self.directory / "work").iterdir():
            with contextlib.suppress(FileNotFoundError):  # its replica finished it meanwhile
                os.rename(left, self.directory / left.name)

    def _listing(self) -> dict[str, tuple[int, int]]:
        with os.scandir(self.directory) as entries:
            return {e.name: _signature(e) for e in entries
                    if e.is_file() and not e.name.startswith(".") and not e.name.endswith(".part")}

    async def cycle(self) -> float | None:
        if not self._started:
            self._put_back_left_work()
            self._started = True
        listing = self._listing()
        stable = [name for name, sig in sorted(listing.items()) if self._seen.get(name) == sig]
        self._seen = {name: sig for name, sig in listing.items() if name not in stable}
        for name in stable:
            # A dropped file is the cause of what loading it leads to: the root of its own trace.
            with continued(self.runtime.tracer, None, f"ingest {name}"):
                await self._take(name)
        return self.poll_seconds if self._seen else None

    async def _take(self, name: str) -> None:
        work = self.directory / "work" / name
        try:
            os.rename(self.directory / name, work)
        except FileNotFoundError:  # another replica took it
            return
        source_name, _, rest = name.partition("__")
        fmt = SUFFIXES.get(Path(name).suffix.lower())
        source = SOURCES.get(source_name)
        if source is None or not rest or fmt is None:
            self._finish(work, "failed", f"name it <source>__<anything>.csv or .jsonl, the "
                         f"source one of: {', '.join(SOURCES)}")
            return
        try:
            with work.open("rb") as file:
                loaded = await flows.load(self.runtime, source, file,
                                          digest=flows.digest_of(file), fmt=fmt, via="directory",
                                          filename=name, actor=WATCHER)
        except Exception:
            os.rename(work, self.directory / name)  # database away: taken up again later
            raise
        batch = loaded.batch
        if batch["status"] == "failed":
            self._finish(work, "failed", f"batch {batch['id']}: {batch['error']}")
        else:
            self._finish(work, "done")
        log.info("ingested %s as batch %s (%s)", name, batch["id"], batch["status"])

    def _finish(self, work: Path, outcome: str, reason: str = "") -> None:
        target = self.directory / outcome / work.name
        if target.exists():  # the same name sent again: keep both
            target = target.with_name(f"{work.stem}.{time.time_ns()}{work.suffix}")
        try:
            os.rename(work, target)
        except FileNotFoundError:  # put back by a replica starting meanwhile: it finishes it
            return
        if reason:
            target.with_name(target.name + ".reason").write_text(reason + "\n")
