"""The messaging runtime on the real broker and database: outbox, inbox, retries, dead letters."""

from __future__ import annotations

import pytest

from labor_runtime.testing import eventually

from .harness import pair

pytestmark = pytest.mark.integration


async def test_events_flow_from_outbox_to_inbox_once(infrastructure, bus_prefix):
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        await p.consumer.start()
        await eventually(lambda: _true(p.consumer.consumer.consuming.is_set()))
        await p.producer.start()
        await p.emit_many(0, 50)

        async def all_applied():
            return await p.applied_count() == 50

        await eventually(all_applied)
        sent, applied_ids, duplicates = await p.reconcile()
        assert sent == applied_ids and duplicates == 0


async def _true(value):
    return value
