"""T6 (one trace across HTTP, outbox, AMQP and another service) and T8 (bad input at the edge)."""

from __future__ import annotations

import json

import pytest
from intake.__main__ import MIGRATIONS
from intake.app import create_app
from intake.settings import IntakeSettings
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.runtime import Runtime
from labor_runtime.security import issue_api_key, mint_token
from labor_runtime.testing import eventually, running_service, temporary_database

from .harness import ConsumerSettings, install_tables, record_effect, settings

pytestmark = pytest.mark.integration

BODY = {
    "complainant": {"name": "李四", "id_number": "11010519491231002X", "phone": "13900139000"},
    "employer": {"credit_code": "91350100M000100Y43", "name": "某某劳务有限公司"},
    "worker_count": 2, "arrears_amount": "8000.00",
    "materials": [{"kind": "identity_proof"}, {"kind": "attendance_record"}],
}


async def test_t6_one_trace_spans_http_outbox_amqp_and_consumer(infrastructure, bus_prefix, tmp_path):
    intake_spans = tmp_path / "intake.jsonl"
    consumer_spans = tmp_path / "consumer.jsonl"
    async with temporary_database(infrastructure.database_url, "cons") as url:
        await install_tables(url)
        consumer = Runtime(settings(ConsumerSettings, url, infrastructure.amqp_url, bus_prefix,
                                    telemetry_spans_file=consumer_spans),
                           handlers={ComplaintAccepted.event_type: record_effect})
        await consumer.start()
        try:
            await eventually(lambda: _value(consumer.consumer.consuming.is_set()))
            async with running_service(IntakeSettings, create_app, MIGRATIONS, infrastructure,
                                       bus_prefix, telemetry_spans_file=intake_spans) as intake:
                async with intake.runtime.uow() as uow:
                    key = await issue_api_key(uow.session, client="hotline_12333", kind="channel",
                                              scopes=["complaints:write"])
                    await uow.commit()
                response = await intake.client.post(
                    "/v1/complaints", json=BODY,
                    headers={"X-API-Key": key, "Idempotency-Key": "trace-0001"})
                assert response.status_code == 201
                trace_id = response.headers["trace-id"]

                async def consumed():
                    async with consumer.engine.connect() as conn:
                        from sqlalchemy import text
                        return (await conn.execute(text("SELECT count(*) FROM applied"))).scalar_one()

                await eventually(consumed)
        finally:
            await consumer.stop(grace=2)
    produced = [json.loads(line) for line in intake_spans.read_text().splitlines()]
    consumed_spans = [json.loads(line) for line in consumer_spans.read_text().splitlines()]
    http = [s for s in produced if s["name"] == "POST /v1/complaints"]
    consume = [s for s in consumed_spans if s["name"] == f"consume {ComplaintAccepted.event_type}"]
    assert [s["trace_id"] for s in http] == [trace_id]
    assert [s["trace_id"] for s in consume] == [trace_id]
    assert consume[0]["service"] == "consumer" and http[0]["service"] == "intake"
    assert consume[0]["parent_id"] == http[0]["span_id"]


async def _value(v):
    return v


@pytest.fixture
async def intake(infrastructure, bus_prefix):
    async with running_service(IntakeSettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                               max_body_bytes=4096) as service:
        async with service.runtime.uow() as uow:
            service.key = await issue_api_key(uow.session, client="hotline_12333", kind="channel",
                                              scopes=["complaints:write"])
            service.partner_key = await issue_api_key(uow.session, client="housing", kind="partner",
                                                      scopes=["feed:read"])
            await uow.commit()
        yield service


def _is_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    assert "Traceback" not in response.text
    return body


async def test_t8_malformed_json_is_400_problem(intake):
    response = await intake.client.post(
        "/v1/complaints", content=b'{"complainant": ', headers={
            "X-API-Key": intake.key, "Idempotency-Key": "bad-json-01",
            "content-type": "application/json"})
    assert _is_problem(response, 400)["type"].endswith("malformed-json")


async def test_t8_wrong_types_are_422_with_locations(intake):
    response = await intake.client.post(
        "/v1/complaints", json={**BODY, "worker_count": "many", "arrears_amount": [1]},
        headers={"X-API-Key": intake.key, "Idempotency-Key": "bad-types-01"})
    body = _is_problem(response, 422)
    locations = {e["location"] for e in body["errors"]}
    assert {"body.worker_count", "body.arrears_amount"} <= locations


async def test_t8_oversized_body_is_413_problem(intake):
    big = {**BODY, "summary": "欠薪" * 5000}
    response = await intake.client.post(
        "/v1/complaints", json=big, headers={"X-API-Key": intake.key, "Idempotency-Key": "big-0001"})
    _is_problem(response, 413)


async def test_t8_streamed_oversized_body_is_413_problem(intake):
    async def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = await intake.client.post(
        "/v1/complaints", content=chunks(),
        headers={"X-API-Key": intake.key, "Idempotency-Key": "big-0002",
                 "content-type": "application/json"})
    _is_problem(response, 413)


@pytest.mark.parametrize("headers", [
    {},
    {"X-API-Key": "lk_nope_nope"},
    {"X-API-Key": "garbage"},
])
async def test_t8_missing_or_bad_api_key_is_401_problem(intake, headers):
    response = await intake.client.post("/v1/complaints", json=BODY,
                                        headers={"Idempotency-Key": "auth-0001", **headers})
    _is_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_t8_partner_key_on_channel_api_is_403(intake):
    response = await intake.client.post(
        "/v1/complaints", json=BODY,
        headers={"X-API-Key": intake.partner_key, "Idempotency-Key": "auth-0002"})
    _is_problem(response, 403)


async def test_t8_missing_idempotency_key_is_422(intake):
    response = await intake.client.post("/v1/complaints", json=BODY, headers={"X-API-Key": intake.key})
    _is_problem(response, 422)


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    mint_token("another-issuers-secret-0123456789abcdef", subject="x", roles=["officer_a"]),
])
async def test_t8_bad_bearer_token_is_401_problem(intake, token):
    response = await intake.client.get("/v1/complaints/by-id/x/complainant",
                                       params={"reason": "check"},
                                       headers={"Authorization": f"Bearer {token}"})
    _is_problem(response, 401)


async def test_t8_unknown_route_and_method_are_problems(intake):
    _is_problem(await intake.client.get("/v1/nothing-here"), 404)
    _is_problem(await intake.client.delete("/v1/complaints"), 405)


async def test_health_ready_and_metrics(intake):
    assert (await intake.client.get("/healthz")).json()["status"] == "ok"

    async def ready():
        response = await intake.client.get("/readyz")
        return response.status_code == 200 and response.json()["checks"] == {
            "database": "ok", "broker": "ok"}

    await eventually(ready)
    metrics = (await intake.client.get("/metrics")).text
    assert "outbox_backlog" in metrics and "http_requests_total" in metrics


async def test_dead_database_connection_is_503_problem_then_recovers(intake):
    """Without pool pre-ping a connection killed under the pool answers 503 (retryable, with the
    same Idempotency-Key), never a 500; the pool is invalidated and the next request succeeds."""
    import asyncpg
    from labor_runtime.db import asyncpg_dsn

    # The service's background loops share the pool: one of them may meet a killed connection
    # first and invalidate the pool, so a request then finds fresh connections. Kill again until
    # a request is the one that meets it (a few rounds at most), then check the recovery.
    rounds = []
    for _ in range(5):
        await intake.client.get("/v1/complaints/TS-warm-the-pool")
        admin = await asyncpg.connect(asyncpg_dsn(intake.database_url))
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        finally:
            await admin.close()
        statuses = []
        for _ in range(3):
            response = await intake.client.get("/v1/complaints/TS-after-the-outage")
            statuses.append(response.status_code)
            if response.status_code == 503:
                _is_problem(response, 503)
                assert response.headers["retry-after"]
        assert set(statuses) <= {503, 404} and statuses[-1] == 404, statuses
        rounds.append(statuses)
        if statuses[0] == 503:
            break
    assert rounds[-1][0] == 503, f"no request met a killed connection in {rounds}"


async def test_database_out_of_connections_is_503_problem_not_500(intake, infrastructure,
                                                                  bus_prefix):
    """PostgreSQL refusing a connection (SQLSTATE 53300, too many connections: seen when several
    stacks shared one server) is a moment's refusal: 503 with Retry-After, never a 500."""
    import asyncpg
    from labor_runtime.db import asyncpg_dsn
    from sqlalchemy.engine import make_url

    role = f"limited_{bus_prefix.strip('.').replace('-', '_')}"
    admin = await asyncpg.connect(asyncpg_dsn(intake.database_url))
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
        url = make_url(intake.database_url).set(username=role).render_as_string(False)
        async with running_service(IntakeSettings, create_app, MIGRATIONS, infrastructure,
                                   bus_prefix, database_url=url) as starved:
            response = await starved.client.post(
                "/v1/complaints", json={}, headers={"X-API-Key": intake.key,
                                                    "Idempotency-Key": "starved-0001"})
        _is_problem(response, 503)
        assert response.headers["retry-after"]
    finally:
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()
