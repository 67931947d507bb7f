"""Intake acceptance under concurrent load: each 201 is a complaint committed with its outbox row.

Starts `intake-service serve` on a fresh database and bus prefix, loads it with 1, 16 and 64
concurrent keep-alive clients, then removes what it created.

    python bench/intake.py --seconds 10
    python bench/intake.py --seconds 10 --batch 50   # offline batches of 50 (R-INT-5)

The channel rate limit (R-INT-1) is raised out of the way: this measures acceptance, not the quota.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

from labor_runtime.bus import remove_namespace
from labor_runtime.db import drop_database

from bench.loadgen import run_load
from bench.messaging import AMQP, PG, write

BODY = {
    "complaint_type": "wage_arrears",
    "complainant": {"name": "王五", "id_number": "11010519491231002X", "phone": "13700137000"},
    "employer": {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司"},
    "district": "d01", "worker_count": 3, "arrears_amount": "30000.00",
    "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}],
}


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("intake did not become ready")


async def main(seconds: float, levels: list[int], port: int, batch: int = 0) -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    db_url = PG.rsplit("/", 1)[0] + f"/bench_intake_{tag}"
    prefix = f"bench{tag}."
    env = {**os.environ, "DATABASE_URL": db_url, "AMQP_URL": AMQP, "BUS_PREFIX": prefix,
           "PORT": str(port), "LOG_LEVEL": "WARNING", "DB_POOL_SIZE": "12", "DB_MAX_OVERFLOW": "0",
           "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "1"),
           "CHANNEL_RATE_LIMIT_PER_MINUTE": str(10**9), "BATCH_MAX_ITEMS": str(max(batch, 50))}
    exe = os.path.join(os.path.dirname(sys.executable), "intake-service")
    subprocess.run([exe, "migrate"], env=env, check=True, capture_output=True)
    key = subprocess.run([exe, "issue-key", "--client", "hotline_12333", "--kind", "channel",
                          "--scope", "complaints:write"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([exe, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url)
        results = []
        for concurrency in levels:
            run = uuid.uuid4().hex[:6]

            def request(n: int, run: str = run) -> tuple[bytes, dict[str, str]]:
                if batch:
                    items = [{"idempotency_key": f"bench-{run}-{n:08d}-{i:03d}", "complaint": BODY}
                             for i in range(batch)]
                    return json.dumps({"items": items}).encode(), {"X-API-Key": key}
                return json.dumps(BODY).encode(), {"X-API-Key": key,
                                                    "Idempotency-Key": f"bench-{run}-{n:08d}"}

            path = "/v1/complaints/batch" if batch else "/v1/complaints"
            result = await run_load(url + path, concurrency, seconds, request)
            summary = result.summary()
            if batch:
                summary["items_per_batch"] = batch
                summary["complaints_per_s"] = round(
                    float(summary["requests_per_second"]) * batch, 1)
            results.append(summary)
            print(json.dumps(results[-1]))
        if batch:
            return {"benchmark": f"intake POST /v1/complaints/batch, {batch} items per batch "
                    "(each a complaint + outbox row + 3 deadlines; relay running)",
                    "seconds_per_level": seconds, "levels": results}
        return {"benchmark": "intake POST /v1/complaints (row + outbox row per 201; relay running)",
                "seconds_per_level": seconds, "levels": results}
    finally:
        server.terminate()
        server.wait(timeout=30)
        await remove_namespace(AMQP, prefix, ["intake"])
        await drop_database(db_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--levels", default="1,16,64")
    parser.add_argument("--port", type=int, default=18101)
    parser.add_argument("--batch", type=int, default=0,
                        help="send offline batches of this many items (R-INT-5) instead of single posts")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    write("intake_batch" if args.batch else "intake",
          asyncio.run(main(args.seconds, levels, args.port, args.batch)))
