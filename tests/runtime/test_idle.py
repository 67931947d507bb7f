"""Nothing busy at idle (issue 9): every loop of every service sleeps until there is work.

Each service runs in-process with its consumer and every loop (relay, sweeper, retention, its
own workers) at production poll settings, on a real database and broker; a listener on its
engine counts the statements sent. Left alone, a service may look for work other processes
committed once per poll, no more: a loop that wakes itself (a worker woken by its own claim's
commit, as publish's webhook worker was) sends thousands in the same interval.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from cases.__main__ import MIGRATIONS as CASES_MIGRATIONS
from cases.app import create_app as cases_app
from cases.settings import CasesSettings
from credit.__main__ import MIGRATIONS as CREDIT_MIGRATIONS
from credit.app import create_app as credit_app
from credit.settings import CreditSettings
from intake.__main__ import MIGRATIONS as INTAKE_MIGRATIONS
from intake.app import create_app as intake_app
from intake.settings import IntakeSettings
from labor_runtime.testing import running_service, statements_sent
from notify.__main__ import MIGRATIONS as NOTIFY_MIGRATIONS
from notify.app import create_app as notify_app
from notify.settings import NotifySettings
from publish.__main__ import MIGRATIONS as PUBLISH_MIGRATIONS
from publish.app import create_app as publish_app
from publish.settings import PublishSettings

pytestmark = pytest.mark.integration

IDLE_SECONDS = 4.0
# The test harness polls fast to keep tests short; an idle service runs at the production ones.
PRODUCTION_POLLS = {"outbox_poll_seconds": 2.0, "timer_sweep_seconds": 10.0}
SERVICES = {
    "intake": (IntakeSettings, intake_app, INTAKE_MIGRATIONS),
    "cases": (CasesSettings, cases_app, CASES_MIGRATIONS),
    "credit": (CreditSettings, credit_app, CREDIT_MIGRATIONS),
    "notify": (NotifySettings, notify_app, NOTIFY_MIGRATIONS),
    "publish": (PublishSettings, publish_app, PUBLISH_MIGRATIONS),
}


@dataclass
class StatementCount:
    total: int = 0
    by_table: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, sent: list[tuple[str, Any]]) -> StatementCount:
        """The statements `statements_sent` saw, by the table each reads or writes first."""
        count = cls(total=len(sent))
        for statement, _ in sent:
            words = statement.replace("\n", " ").split()
            keyword = next((k for k in ("FROM", "UPDATE", "INTO") if k in words), None)
            count.by_table[words[words.index(keyword) + 1] if keyword else words[0]] += 1
        return count


async def idle_statements(infrastructure: Any, prefix: str, service: str,
                          seconds: float) -> tuple[StatementCount, int]:
    """Statements the service sends in `seconds` left alone, and the most its loops' polls allow:
    per loop and poll, one look for work and one read of the next due time."""
    settings_type, factory, migrations = SERVICES[service]
    async with running_service(settings_type, factory, migrations, infrastructure, prefix,
                               **PRODUCTION_POLLS) as running:
        await asyncio.sleep(1.0)  # start-up: first cycles, calendar and gauges loaded
        async with statements_sent(running.runtime.engine) as sent:
            await asyncio.sleep(seconds)
        count = StatementCount.of(sent)
        allowed = sum(2 * (int(seconds / loop.poll_seconds) + 1) for loop in running.runtime.loops)
        return count, allowed


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_an_idle_service_looks_for_work_once_per_poll(infrastructure, bus_prefix, service):
    count, allowed = await idle_statements(infrastructure, bus_prefix, service, IDLE_SECONDS)
    # Publish's old webhook worker, woken by its own claim's commit, sent ~2,000 statements a
    # second here; any loop that wakes itself sends hundreds.
    assert count.total <= allowed, (count.total, allowed, count.by_table)


async def test_a_clock_shift_wakes_the_deadline_loops_not_the_periodic_gauges(infrastructure,
                                                                               bus_prefix):
    """Tests and demos shift the clock: deadlines may have come due, so the sweeper looks at once;
    the year-to-date gauges (seconds of database time at a million cases) keep their schedule.
    Each scenario walk of the load benchmark shifted the clock and recomputed them."""
    settings_type, factory, migrations = SERVICES["cases"]
    async with running_service(settings_type, factory, migrations, infrastructure, bus_prefix,
                               **PRODUCTION_POLLS) as running:
        await asyncio.sleep(1.0)
        async with statements_sent(running.runtime.engine) as sent:
            shifted = await running.client.post("/v1/ops/clock", json={"advance_seconds": 3600})
            await asyncio.sleep(1.0)
        count = StatementCount.of(sent)
    assert shifted.status_code == 200, shifted.text
    assert count.by_table["timers"] >= 1, count.by_table  # the sweeper looked for due deadlines
    assert count.by_table["case_complaints"] == 0, count.by_table  # R-CASE-10 not recomputed
