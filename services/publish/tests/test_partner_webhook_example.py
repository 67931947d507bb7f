"""Issue 10, the README's walk: "Register a partner webhook" works as written. Operations post
docs/examples/partner.json, the partner runs docs/examples/partner_receiver.py with the secret
publish returned once, a penalty decision reaches it verified per Standard Webhooks, and the
deliveries route shows the attempt."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from pathlib import Path

import httpx
from labor_runtime.testing import eventually
from labor_runtime.webhooks import new_secret, signed_headers

from .conftest import ops, penalty_decided, send_event

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_issue10_readme_partner_webhook_example_registers_receives_and_verifies(
        publish, tmp_path):
    port = _free_port()
    body = json.loads((EXAMPLES / "partner.json").read_text())
    assert body["webhook_url"] == "http://127.0.0.1:9000/hooks/labor", "the README's port"
    body["webhook_url"] = f"http://127.0.0.1:{port}/hooks/labor"
    response = await publish.client.post("/v1/partners", headers=ops(), json=body)
    assert response.status_code == 201, response.text
    partner = response.json()
    assert partner["api_key"] and partner["webhook_secret"].startswith("whsec_")

    output = tmp_path / "receiver.jsonl"
    with output.open("w") as out:
        receiver = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLES / "partner_receiver.py"), "--port", str(port),
            env={**os.environ, "WEBHOOK_SECRET": partner["webhook_secret"]}, stdout=out,
            stderr=asyncio.subprocess.STDOUT)
    try:
        def lines() -> list[dict[str, object]]:
            return [json.loads(line) for line in output.read_text().splitlines()]

        async def listening() -> bool:
            return any("listening" in line for line in lines())

        await eventually(listening, timeout=15)
        forged = json.dumps({"type": "disclosure.published", "data": {}})
        async with httpx.AsyncClient() as partner_side:
            refused = await partner_side.post(
                f"http://127.0.0.1:{port}/hooks/labor", content=forged,
                headers=signed_headers(new_secret(), "msg_forged", int(time.time()), forged))
        assert refused.status_code == 400, "a push signed with another secret is refused"

        event = penalty_decided()
        await send_event(publish, event)

        async def received() -> list[dict[str, object]]:
            return [line for line in lines() if "payload" in line]

        await eventually(received)
        [push] = await received()
        payload = push["payload"]
        assert isinstance(payload, dict) and payload["type"] == "disclosure.published"
        assert payload["data"]["decision_number"] == event["decision_number"]

        async def delivered() -> list[dict[str, object]]:
            deliveries = await publish.client.get(f"/v1/partners/{partner['id']}/deliveries",
                                                  headers=ops())
            return [d for d in deliveries.json() if d["status"] == "delivered"]

        await eventually(delivered)
        [delivery] = await delivered()
        assert delivery["webhook_id"] == push["webhook-id"]
        assert delivery["attempt_log"][0]["status_code"] == 204
    finally:
        receiver.terminate()
        await asyncio.wait_for(receiver.wait(), timeout=10)
