"""The loop of a service worker that claims due rows in batches (deliveries, notices), outside
any consumer: poll, or wake at once when the runtime says something was committed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

log = logging.getLogger(__name__)


class BatchWorker(ABC):
    """Runs `run_once` until stopped: again at once while it claims full batches, else after
    `poll_seconds` or a wake-up. Implements `labor_runtime.runtime.Worker`."""

    def __init__(self, *, batch_size: int, poll_seconds: float) -> None:
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    @abstractmethod
    async def run_once(self) -> int:
        """Claim up to `batch_size` due items and work them off; returns how many were claimed.
        Items left unfinished by a crash come back when their lease expires."""

    async def close(self) -> None:
        """Release what the worker holds (HTTP clients) once its loop has ended."""
        return None

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Claim nothing new; let the cycle in progress finish within `grace` (the runtime cancels
        it after that: its leases expire and the items are taken up again)."""
        self._stopping.set()
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace)

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                claimed = 0
                self._wake.clear()
                self._idle.clear()
                try:
                    claimed = await self.run_once()
                except Exception as exc:  # database outage: try again next tick
                    log.warning("%s cycle failed: %s", type(self).__name__, type(exc).__name__)
                finally:
                    self._idle.set()
                if claimed >= self.batch_size:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        finally:
            await self.close()
