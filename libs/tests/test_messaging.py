"""The messaging runtime on the real broker and database (issue 2: T1-T5).

Each test runs a producer and a consumer service, each with its own database, on the run's vhost
(or on a private broker node the test may restart), and reconciles outbox ids against effects.
"""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
import sqlalchemy as sa
from intake.__main__ import MIGRATIONS
from intake.app import create_app
from intake.settings import IntakeSettings
from labor_contracts.envelope import Envelope
from labor_contracts.intake import ComplaintAccepted
from labor_runtime import ops
from labor_runtime.bus import Publisher, ServiceQueues, declare_exchange
from labor_runtime.outbox import OutboxRelay
from labor_runtime.runtime import Runtime
from labor_runtime.security import issue_api_key
from labor_runtime.testing import Infrastructure, eventually, running_service, temporary_database

from .harness import ConsumerSettings, install_tables, pair, record_effect, settings

COMPLAINT = {
    "complainant": {"name": "赵六", "id_number": "11010519491231002X", "phone": "13600136000"},
    "employer": {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司"},
    "worker_count": 2, "arrears_amount": "9000.00",
    "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}],
}

pytestmark = pytest.mark.integration


async def _consuming(runtime) -> None:
    await eventually(lambda: _value(runtime.consumer.consuming.is_set()))


async def _value(v):
    return v


async def test_events_flow_from_outbox_to_inbox_once(infrastructure, bus_prefix):
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        await p.consumer.start()
        await _consuming(p.consumer)
        await p.producer.start()
        await p.emit_many(0, 50)
        await eventually(lambda: _equals(p.applied_count(), 50))
        sent, applied_ids, duplicates = await p.reconcile()
        assert sent == applied_ids and duplicates == 0


async def _equals(coro, expected):
    return (await coro) == expected


async def test_t1_broker_restart_mid_run_loses_and_doubles_nothing(infrastructure, private_broker):
    """T1: 2,000 events between two services while RabbitMQ is restarted."""
    async with pair(infrastructure.database_url, private_broker.url, "") as p:
        await p.consumer.start()
        await _consuming(p.consumer)
        await p.producer.start()

        async def keep_emitting():
            for batch in range(20):
                await p.emit_many(batch * 100, 100)
                await asyncio.sleep(0.1)

        emitting = asyncio.create_task(keep_emitting())
        await eventually(lambda: _at_least(p.applied_count(), 1))
        await asyncio.to_thread(private_broker.restart_app)  # while events are still flowing
        await emitting
        await eventually(lambda: _equals(p.applied_count(), 2000), timeout=120)
        sent, applied_ids, duplicates = await p.reconcile()
        assert len(sent) == 2000
        assert sent == applied_ids
        assert duplicates == 0
        assert p.consumer.consumer.stats.reconnects >= 1


async def _at_least(coro, n):
    return (await coro) >= n


async def test_t2_consumer_killed_after_commit_before_ack_changes_nothing(infrastructure, bus_prefix):
    """T2: the effect is committed, the channel dies before the ack; the redelivery is a no-op."""
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        consumer = p.consumer.consumer
        inner = consumer.handle
        deliveries: list[bool] = []

        async def crash_after_commit(messages):
            deliveries.extend(message.redelivered for message in messages)
            outcomes = await inner(messages)  # effect and inbox row committed
            if len(deliveries) == 1:
                await messages[0].channel.close()  # the process "dies" before basic.ack
            return outcomes

        consumer.handle = crash_after_commit
        await p.consumer.start()
        await _consuming(p.consumer)
        await p.producer.start()
        await p.emit(1)
        await eventually(lambda: _value(len(deliveries) >= 2), timeout=60)
        await asyncio.sleep(0.3)
        assert deliveries[:2] == [False, True]
        assert await p.applied_count() == 1


async def test_t3_poison_message_dead_lettered_with_reason_and_replayed(infrastructure, bus_prefix):
    """T3: poison goes to the DLQ after the configured attempts with its reason; the messages
    behind it keep flowing; the ops CLI lists and replays it."""
    failing = {"c-13"}

    async def flaky_effect(uow, envelope, data):
        if data.complaint_id in failing:
            raise RuntimeError(f"cannot apply {data.complaint_id}")
        await record_effect(uow, envelope, data)

    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        p.consumer.handlers[ComplaintAccepted.event_type] = flaky_effect
        await p.consumer.start()
        await _consuming(p.consumer)
        await p.producer.start()
        publisher = Publisher(infrastructure.amqp_url, f"{bus_prefix}labor.events")
        try:
            await publisher.publish_raw(ComplaintAccepted.event_type, b"{not json",
                                        message_id="garbage-1")
            wrong = Envelope(source="/test", type=ComplaintAccepted.event_type, data={"x": 1})
            await publisher.publish_raw(wrong.type, wrong.to_bytes(), message_id=wrong.id)
        finally:
            await publisher.close()
        await p.emit_many(10, 10)  # c-13 always fails
        await eventually(lambda: _equals(p.applied_count(), 9))
        queues = p.consumer.queues
        await eventually(lambda: _dead_letters(infrastructure.amqp_url, queues, 3), timeout=30)
        letters = await ops.list_dead_letters(infrastructure.amqp_url, queues)
        reasons = {letter.message_id: letter.reason for letter in letters}
        assert "not a CloudEvents envelope" in reasons["garbage-1"]
        assert "payload invalid" in reasons[wrong.id]
        poison = next(letter for letter in letters if b"c-13" in letter.body)
        assert f"failed after {queues.max_attempts} attempts" in poison.reason
        assert "cannot apply c-13" in poison.reason

        failing.clear()  # the bug is fixed; ops replay the letter
        assert await ops.replay(infrastructure.amqp_url, queues, poison.message_id) == 1
        await eventually(lambda: _equals(p.applied_count(), 10))
        remaining = {letter.message_id for letter in await ops.list_dead_letters(
            infrastructure.amqp_url, queues)}
        assert remaining == {"garbage-1", wrong.id}


async def _dead_letters(url, queues, n):
    return len(await ops.list_dead_letters(url, queues)) >= n


async def test_t4_two_relays_on_one_outbox_publish_each_row_once(infrastructure, bus_prefix):
    """T4: two relay workers claim with SKIP LOCKED and leases: no duplicate, nothing left."""
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        exchange = f"{bus_prefix}labor.events"
        connection = await aio_pika.connect(infrastructure.amqp_url)
        channel = await connection.channel()
        queue = await channel.declare_queue(f"{bus_prefix}t4.count", exclusive=True)
        await queue.bind(await declare_exchange(channel, exchange), routing_key="#")
        await p.emit_many(0, 2000)
        relays = [
            OutboxRelay(p.producer.engine, Publisher(infrastructure.amqp_url, exchange), batch_size=50,
                        poll_seconds=0.05)
            for _ in range(2)
        ]
        tasks = [asyncio.create_task(r.run()) for r in relays]
        seen: list[str] = []

        async def collect():
            while True:
                message = await queue.get(no_ack=True, fail=False)
                if message is None:
                    return len(seen) >= 2000
                seen.append(message.message_id)

        await eventually(collect, timeout=60)
        await asyncio.sleep(0.5)
        await collect()
        for relay in relays:
            await relay.stop()
        await asyncio.gather(*tasks)
        for relay in relays:
            await relay.publisher.close()
        await connection.close()
        assert len(seen) == 2000 and len(set(seen)) == 2000
        async with p.producer.engine.connect() as conn:
            unsent = (await conn.execute(sa.text(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL"))).scalar_one()
        assert unsent == 0


async def test_t4_crashed_relay_rows_are_picked_up_after_the_lease(infrastructure, bus_prefix):
    """A relay that claimed rows and died leaves them leased; after the lease they are sent."""
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix,
                    outbox_lease_seconds=1.0) as p:
        await p.emit_many(0, 5)
        async with p.producer.engine.begin() as conn:  # a relay claims and crashes
            await conn.execute(sa.text(
                "UPDATE outbox SET available_at = now() + interval '1 second', attempts = 1"))
        await p.consumer.start()
        await _consuming(p.consumer)
        await p.producer.start()
        await eventually(lambda: _equals(p.applied_count(), 5), timeout=30)


async def test_t5_broker_down_requests_succeed_and_events_flow_later(infrastructure, private_broker):
    """T5: intake keeps answering 201 while RabbitMQ is down (events wait in its outbox, readiness
    says why); once the broker is back every event reaches the consumer exactly once."""
    on_private_broker = Infrastructure(infrastructure.database_url, private_broker.url, "private")
    async with temporary_database(infrastructure.database_url, "cons") as consumer_url:
        await install_tables(consumer_url)
        consumer = Runtime(settings(ConsumerSettings, consumer_url, private_broker.url, ""),
                           handlers={ComplaintAccepted.event_type: record_effect})
        await consumer.start()
        try:
            await _consuming(consumer)
            async with running_service(IntakeSettings, create_app, MIGRATIONS, on_private_broker,
                                       "") as intake:
                async with intake.runtime.uow() as uow:
                    key = await issue_api_key(uow.session, client="hotline_12333", kind="channel",
                                              scopes=["complaints:write"])
                    await uow.commit()
                await asyncio.to_thread(private_broker.stop_app)
                statuses = []
                for n in range(20):
                    response = await intake.client.post(
                        "/v1/complaints", json=COMPLAINT,
                        headers={"X-API-Key": key, "Idempotency-Key": f"t5-request-{n:04d}"})
                    statuses.append(response.status_code)
                assert statuses == [201] * 20
                ready = await intake.client.get("/readyz")
                assert ready.status_code == 503 and ready.json()["checks"]["broker"] != "ok"
                await asyncio.to_thread(private_broker.start_app)

                async def all_applied():
                    async with consumer.engine.connect() as conn:
                        return (await conn.execute(sa.text(
                            "SELECT count(*), count(DISTINCT event_id) FROM applied"))).one() == (20, 20)

                await eventually(all_applied, timeout=90)
        finally:
            await consumer.stop(grace=2)


async def test_declared_topology_has_dead_lettering_and_delivery_limit(infrastructure, bus_prefix):
    """Every consumed queue is a quorum queue with DLX, at-least-once and an explicit limit:
    re-declaring with those exact arguments succeeds (a mismatch is PRECONDITION_FAILED)."""
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        await p.consumer.start()
        await _consuming(p.consumer)
        queues: ServiceQueues = p.consumer.queues
        connection = await aio_pika.connect(infrastructure.amqp_url)
        try:
            channel = await connection.channel()
            await channel.declare_queue(queues.main, durable=True, arguments=queues.main_arguments())
            args = queues.main_arguments()
            assert args["x-dead-letter-strategy"] == "at-least-once"
            assert args["x-overflow"] == "reject-publish"
            assert args["x-delivery-limit"] == 5
            channel = await connection.channel()
            with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
                await channel.declare_queue(queues.main, durable=True,
                                            arguments={**args, "x-delivery-limit": 99})
        finally:
            await connection.close()


async def test_unbound_event_types_are_kept_not_retried(infrastructure, bus_prefix):
    """An event no service consumes yet is confirmed into the alternate exchange's queue."""
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        await p.producer.start()
        await p.emit(1)  # no consumer declared: nothing is bound
        async def sent():
            async with p.producer.engine.connect() as conn:
                return (await conn.execute(sa.text(
                    "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"))).scalar_one() == 1
        await eventually(sent)
        connection = await aio_pika.connect(infrastructure.amqp_url)
        try:
            channel = await connection.channel()
            queue = await channel.get_queue(f"{bus_prefix}labor.events.unrouted")
            message = await queue.get(no_ack=True)
            assert Envelope.from_bytes(message.body).type == ComplaintAccepted.event_type
        finally:
            await connection.close()

