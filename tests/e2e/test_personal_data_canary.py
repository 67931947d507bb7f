"""Issue 10, finding 5 (R-INT-7): a complainant's personal data typed into every free-text field
of intake's inputs leaves intake by no path. One stack started as `make up` starts it; the
scenario of test_complaint_to_regulators.py runs with canary data in the complaint's free text,
then the other inputs (evidence uploads, handling notes) get it too; afterwards every other
service's database, every event on the bus, every log and span file, every webhook, notice and
mail are searched for it; so is intake's own database, where the complainant's data may be found
only inside the ciphertexts of its `*_enc` columns (where the search cannot read it either)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import sys
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from labor_runtime.bus import declare_exchange
from labor_runtime.db import asyncpg_dsn
from labor_runtime.testing import png

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from scenario import Scenario, token  # noqa: E402
from stack import SERVICES, free_port_base, start_stack, stop_stack  # noqa: E402

pytestmark = pytest.mark.integration

NAME, ID_NUMBER, PHONE, EMAIL = "欧阳金雀", "110108198503147230", "15917263548", "oyjq.canary@example.net"
CANARIES = (NAME, ID_NUMBER, PHONE, EMAIL)
# as a worker would type it: the phone grouped, the identity number with its parts
TYPED = f"我叫{NAME}，身份证{ID_NUMBER}，手机159-1726-3548，邮箱{EMAIL}"
COMPLAINT = {
    "complainant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE},
    "employer": {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司",
                 "address": f"某市某区某路1号，联系人{NAME} {PHONE}"},
    "summary": f"六名工人三个月工资未发。{TYPED}",
    "project": f"某某工地（{NAME}班组，{PHONE}）",
    "materials": [{"kind": "identity_proof", "description": TYPED},
                  {"kind": "payslip", "description": TYPED}],
}
SEARCHED_TYPES = ("text", "character varying", "jsonb", "json", "bytea", "ARRAY")


def _forms(canary: str) -> set[str]:
    """The canary as text may hold it: as typed, JSON-escaped, base64."""
    return {canary, json.dumps(canary)[1:-1], base64.b64encode(canary.encode()).decode()}


FORMS = {form: canary for canary in CANARIES for form in _forms(canary)}


def _hits(where: str, text: str) -> Iterator[str]:
    squeezed = re.sub(r"[\s\-]", "", text)  # the digits of a number written in groups
    for form, canary in FORMS.items():
        if form in text or form in squeezed:
            yield f"{where}: {canary!r}"


@pytest.fixture(scope="module")
def canary_run(infrastructure, tmp_path_factory):
    suffix = f"_pii{uuid.uuid4().hex[:6]}"
    prefix = f"pii{suffix}."
    state = tmp_path_factory.mktemp("stack")
    tap = asyncio.run(_open_tap(infrastructure.amqp_url, prefix))
    stack = start_stack(state, port_base=free_port_base(), db_suffix=suffix, bus_prefix=prefix,
                        amqp_url=infrastructure.amqp_url,
                        postgres_url=infrastructure.database_url.rsplit("/", 1)[0])
    try:
        urls = {s: stack.url(s) for s in SERVICES}
        scenario = Scenario(urls, stack.api_key("hotline_12333"), stack.mail_dir,
                            notice_dir=stack.notice_dir, complaint=COMPLAINT)
        outcome = asyncio.run(scenario.run())
        asyncio.run(_other_inputs(urls, stack.api_key("hotline_12333"), outcome))
        hits = asyncio.run(_search_databases(stack))
        hits += asyncio.run(_drain_tap(infrastructure.amqp_url, tap))
        hits += _search_files(state, stack.mail_dir, outcome.webhooks)
        yield outcome, hits
    finally:
        stop_stack(state, purge=True)
        asyncio.run(_delete_tap(infrastructure.amqp_url, tap))


async def _open_tap(amqp_url: str, prefix: str) -> str:
    """A queue of the test's own bound with `#` before anything is published."""
    name = f"{prefix}canary-tap"
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await declare_exchange(channel, f"{prefix}labor.events")
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(exchange, routing_key="#")
    return name


async def _drain_tap(amqp_url: str, name: str) -> list[str]:
    hits: list[str] = []
    seen = 0
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(name)
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            seen += 1
            headers = json.dumps(message.headers, default=str, ensure_ascii=False)
            hits += _hits(f"bus {message.routing_key} {message.message_id}",
                          message.body.decode(errors="replace") + headers)
    assert seen > 20, f"the tap saw only {seen} events: is it bound to the stack's exchange?"
    return hits


async def _delete_tap(amqp_url: str, name: str) -> None:
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)


async def _other_inputs(urls: dict[str, str], hotline_key: str, outcome: Any) -> None:
    """The free text of intake's other inputs: an offline batch, evidence uploads (completing
    the incomplete complaint, so its ComplaintAccepted is emitted now), staff's handling notes,
    an employer search and the audited full-text read's reason."""
    intake, officer = urls["intake"], token("officer_a", "officer-wang")
    grid = token("grid_worker", "grid-7")
    _, incomplete = outcome.checks["correction_notice"]
    async with httpx.AsyncClient(base_url=intake, timeout=30) as http:
        told = await http.post(f"/v1/complaints/by-id/{incomplete['complaint_id']}/correction-notice/told",
                               headers=officer, json={"channel": "phone", "note": TYPED})
        assert told.status_code == 200, told.text
        batch = await http.post("/v1/complaints/batch", headers={"X-API-Key": hotline_key}, json={
            "items": [{"idempotency_key": f"canary-{uuid.uuid4()}",
                       "complaint": {**COMPLAINT, "district": "d01", "worker_count": 2,
                                     "arrears_amount": "8000.00",
                                     "summary": f"离线补录。{TYPED}"}}]})
        assert batch.status_code == 200 and batch.json()["accepted"] == 1, batch.text
        searched = await http.get("/v1/employers", headers=officer,
                                  params={"name": NAME, "address": COMPLAINT["employer"]["address"]})
        assert searched.status_code == 200, searched.text
        for kind in ("identity_proof", "payslip"):
            uploaded = await http.post(f"/v1/complaints/{incomplete['tracking_code']}/materials", json={
                "kind": kind, "content_type": "image/png", "filename": f"{NAME}-{PHONE}.png",
                "content_base64": base64.b64encode(png(8 + len(kind), 8)).decode(),
                "description": TYPED})
            assert uploaded.status_code == 201, uploaded.text
        main = outcome.complaint["complaint_id"]
        notes = [(f"/v1/complaints/by-id/{main}/phone-confirmation", officer, {"note": TYPED}),
                 (f"/v1/complaints/by-id/{main}/registration-answer/told", officer,
                  {"channel": "phone", "note": TYPED}),
                 (f"/v1/complaints/by-id/{incomplete['complaint_id']}/mediation", grid,
                  {"result": "failed", "grid": "g-canary", "note": TYPED}),
                 (f"/v1/complaints/by-id/{incomplete['complaint_id']}/escalation", grid,
                  {"note": TYPED})]
        for url, headers, body in notes:
            answered = await http.post(url, headers=headers, json=body)
            assert answered.status_code == 200, f"{url}: {answered.text}"
        full = await http.get(f"/v1/complaints/by-id/{main}/text", headers=officer,
                              params={"reason": f"核实{NAME}的来电 {PHONE}"})
        assert full.status_code == 200 and NAME in full.json()["summary"], full.text

    async with httpx.AsyncClient(base_url=urls["cases"], timeout=30) as http:
        for _ in range(600):  # cases took the complaint completed by upload
            found = await http.get("/v1/cases", headers=officer,
                                   params={"complaint_id": incomplete["complaint_id"]})
            if found.status_code == 200 and found.json():
                return
            await asyncio.sleep(0.05)
    raise AssertionError("cases never took the complaint completed by upload")


async def _search_databases(stack: Any) -> list[str]:
    hits: list[str] = []
    for service in SERVICES:
        connection = await asyncpg.connect(asyncpg_dsn(stack.services[service].database_url))
        try:
            columns = await connection.fetch(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type = ANY($1::text[])",
                list(SEARCHED_TYPES))
            assert columns, f"{service}: no columns to search"
            for table, column, data_type in columns:
                cast = f'"{column}"' if data_type == "bytea" else f'"{column}"::text'
                rows = await connection.fetch(f'SELECT {cast} AS v FROM "{table}"')  # noqa: S608
                for row in rows:
                    value = row["v"]
                    if value is None:
                        continue
                    text = value.decode(errors="replace") if isinstance(value, bytes) else value
                    hits += _hits(f"{service} database {table}.{column}", text)
        finally:
            await connection.close()
    return hits


def _search_files(state: Path, mail_dir: Path, webhooks: list[dict[str, Any]]) -> list[str]:
    hits: list[str] = []
    files = [*state.glob("logs/*.log"), *state.glob("spans/*.jsonl"), *state.glob("notices/*/*.json")]
    assert any(p.parent.name == "spans" for p in files), "no span file written"
    for path in files:
        hits += _hits(str(path.relative_to(state)), path.read_text(errors="replace"))
    for path in sorted(mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        parts = [p.get_payload(decode=True) or b"" for p in message.walk() if not p.is_multipart()]
        text = path.read_text(errors="replace") + "".join(p.decode(errors="replace") for p in parts)
        hits += _hits(f"mail {path.name}", text + str(message.get("Subject")))
    for hook in webhooks:
        hits += _hits(f"webhook {hook['id']}", hook["raw"])
    return hits


def test_issue10_finding_5_canary_personal_data_leaves_intake_by_no_path(canary_run):
    outcome, hits = canary_run
    assert outcome.webhooks and outcome.disclosure, "the walk did not reach publication"
    assert not hits, "personal data left intake:\n" + "\n".join(sorted(set(hits)))
