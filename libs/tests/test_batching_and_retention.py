"""Throughput without weaker guarantees (issue 9): deliveries that arrive together commit in one
transaction, a poison message in a batch still goes alone to the dead letters, and the outbox and
inbox keep only what their retention periods say."""

from __future__ import annotations

import aio_pika
import pytest
import sqlalchemy as sa
from labor_runtime import ops
from labor_runtime.retention import delete_expired
from labor_runtime.testing import eventually
from sqlalchemy import event

from .harness import engine_count, pair, record_effect

pytestmark = pytest.mark.integration


async def _equals(coro, expected):
    return (await coro) == expected


def _commit_counter(engine):
    commits = []
    event.listen(engine.sync_engine, "commit", lambda conn: commits.append(1))
    return commits


async def test_deliveries_that_arrive_together_commit_in_one_transaction(infrastructure,
                                                                         bus_prefix):
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix,
                    consumer_batch_size=50, consumer_concurrency=1) as p:
        await p.consumer.start()  # declares the queue, then stops consuming
        await eventually(lambda: _value(p.consumer.consumer.consuming.is_set()))
        await p.consumer.stop(grace=2)
        await p.producer.start()
        await p.emit_many(0, 300)  # queued while nobody consumes: they arrive together
        queues = p.consumer.consumer.queues
        await eventually(lambda: _queued(infrastructure.amqp_url, queues.main, 300))
        consumer = type(p.consumer)(p.consumer.settings, handlers=p.consumer.handlers)
        commits = _commit_counter(consumer.engine)
        await consumer.start()
        try:
            await eventually(lambda: _equals(p.applied_count(), 300), timeout=60)
        finally:
            await consumer.stop(grace=2)
        sent, applied_ids, duplicates = await p.reconcile()
        assert sent == applied_ids and duplicates == 0
        assert len(commits) <= 30, len(commits)  # one a message would be 300


async def test_a_poison_message_in_a_batch_is_dead_lettered_alone(infrastructure, bus_prefix):
    async def fails_on_7(uow, envelope, data):
        if data.complaint_id == "c-7":
            raise RuntimeError("cannot apply c-7")
        await record_effect(uow, envelope, data)

    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix,
                    consumer_batch_size=50, consumer_concurrency=1) as p:
        p.consumer.handlers[next(iter(p.consumer.handlers))] = fails_on_7
        await p.consumer.start()
        await eventually(lambda: _value(p.consumer.consumer.consuming.is_set()))
        await p.producer.start()
        await p.emit_many(0, 40)
        await eventually(lambda: _equals(p.applied_count(), 39))
        queues = p.consumer.consumer.queues
        await eventually(lambda: _dead_letters(infrastructure.amqp_url, queues, 1), timeout=30)
        letters = await ops.list_dead_letters(infrastructure.amqp_url, queues)
        assert len(letters) == 1 and b"c-7" in letters[0].body
        assert "cannot apply c-7" in letters[0].reason
        sent, applied_ids, duplicates = await p.reconcile()
        assert len(sent - applied_ids) == 1 and duplicates == 0


async def test_retention_deletes_old_sent_rows_and_old_inbox_ids_only(infrastructure, bus_prefix):
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        engine = p.producer.engine
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO outbox (event_id, routing_key, body, created_at, sent_at) "
                "SELECT 'old-' || n, 'k', '\\x00', now() - interval '9 days', "
                "       now() - interval '9 days' FROM generate_series(1, 12000) n"))
            await conn.execute(sa.text(
                "INSERT INTO outbox (event_id, routing_key, body, created_at, sent_at) VALUES "
                "('recent', 'k', '\\x00', now() - interval '1 day', now() - interval '1 day'), "
                "('unsent', 'k', '\\x00', now() - interval '30 days', NULL)"))
            await conn.execute(sa.text(
                "INSERT INTO inbox (consumer, event_id, event_type, processed_at) VALUES "
                "('c', 'old', 't', now() - interval '31 days'), "
                "('c', 'kept', 't', now() - interval '29 days')"))
        deleted = await delete_expired(engine, outbox_hours=24 * 7, inbox_hours=24 * 30)
        assert deleted == 12001
        assert await engine_count(engine, "SELECT count(*) FROM outbox") == 2
        assert await engine_count(engine, "SELECT count(*) FROM outbox WHERE event_id IN "
                                          "('recent', 'unsent')") == 2
        assert await engine_count(engine, "SELECT count(*) FROM inbox WHERE event_id = 'kept'") == 1
        assert await engine_count(engine, "SELECT count(*) FROM inbox") == 1


async def _value(v):
    return v


async def _queued(url, queue, n):
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count >= n
    finally:
        await connection.close()


async def _dead_letters(url, queues, n):
    return len(await ops.list_dead_letters(url, queues)) >= n
