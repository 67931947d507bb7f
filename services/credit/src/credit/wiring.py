"""What each folder of credit adds to the service: routes, event and timer handlers, workers.

The app puts the parts together (`credit.app`); a folder never edits another's part."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from labor_runtime.handlers import EventHandler
from labor_runtime.runtime import Runtime
from labor_runtime.timers import TimerHandler
from labor_runtime.workers import Loop


@dataclass(frozen=True)
class Part:
    routers: list[APIRouter] = field(default_factory=list)
    handlers: dict[str, EventHandler] = field(default_factory=dict)
    timer_handlers: dict[str, TimerHandler] = field(default_factory=dict)
    workers: list[Callable[[Runtime[Any]], Loop]] = field(default_factory=list)
