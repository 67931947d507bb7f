"""End-to-end latency on a stack started like `make up` (own ports, databases and bus prefix):
complaint accepted → case registered (the worker sees "registered"), and decision signed →
partner webhook received and verified. Runs the whole scenario `--runs` times.

    python -m bench.e2e --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.messaging import percentile, write

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from scenario import Scenario
from stack import SERVICES, start_stack, stop_stack


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"p50_ms": round(statistics.median(ms), 1), "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1)}


def main(runs: int, port_base: int) -> dict[str, Any]:
    state = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    tag = uuid.uuid4().hex[:6]
    stack = start_stack(state, port_base=port_base, db_suffix=f"_bench{tag}",
                        bus_prefix=f"bench{tag}.", log_level="WARNING")
    try:
        urls = {s: stack.url(s) for s in SERVICES}
        registered, webhook = [], []
        for _ in range(runs):
            outcome = asyncio.run(Scenario(urls, stack.api_key("hotline_12333"), stack.mail_dir).run())
            registered.append(outcome.latencies["accepted_to_registered"])
            webhook.append(outcome.latencies["decided_to_webhook"])
        return {"benchmark": "end-to-end latency across the five services (make up stack)",
                "runs": runs,
                "complaint_accepted_to_case_registered": summary(registered),
                "decision_signed_to_partner_webhook_verified": summary(webhook)}
    finally:
        stop_stack(state, purge=True)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--port-base", type=int, default=18201)
    args = parser.parse_args()
    write("e2e", main(args.runs, args.port_base))
