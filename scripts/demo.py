"""`make demo`: the complaint-to-regulators scenario against the stack of `make up`.

Prints a timeline (step, service, time), the trace id that links the spans of all five services,
and ends with the partner webhook that the housing regulator verified and the notices to the
worker that the hotline's endpoint (the stack's notice sink) verified.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenario import Scenario, print_timeline, spans_by_service
from stack import DEFAULT_STATE_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    args = parser.parse_args()
    credentials_file = args.state_dir / "credentials.json"
    if not credentials_file.exists():
        sys.exit(f"no running stack at {args.state_dir}: run `make up` first")
    credentials = json.loads(credentials_file.read_text())
    urls = {name: entry["url"] for name, entry in credentials["services"].items()}
    notices = credentials.get("worker_notices", {}).get("notice_dir")
    scenario = Scenario(urls, credentials["api_keys"]["hotline_12333"]["key"],
                        Path(credentials["smtp"]["mail_dir"]),
                        notice_dir=Path(notices) if notices else None)
    outcome = asyncio.run(scenario.run())
    print_timeline(outcome)
    import time

    time.sleep(1.5)  # span files are written in batches
    services = spans_by_service(args.state_dir / "spans", outcome.trace_id)
    print("spans in the complaint's trace:", ", ".join(f"{s} ({len(n)})" for s, n in services.items()))


if __name__ == "__main__":
    main()
