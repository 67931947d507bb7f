"""`make demo`: the complaint-to-regulators scenario against the stack of `make up`.

Takes the same stack variables as `make up` (STATE_DIR, PORT_BASE, DB_SUFFIX, BUS_PREFIX,
SERVICES) and walks the stack recorded in that state directory, refusing one started with other
variables rather than walking another stack. Prints a timeline (step, service, time), the trace id
that links the spans of all five services, and ends with the partner webhook that the housing
regulator verified and the notices to the worker that the hotline's endpoint (the stack's notice
sink) verified.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenario import Scenario, print_timeline, spans_by_service
from stack import DEFAULT_PORT_BASE, DEFAULT_STATE_DIR, SERVICES, Stack, recorded_stack, stack_status


def resolve_stack(state_dir: Path, port_base: int, db_suffix: str, bus_prefix: str,
                  services: list[str]) -> Stack:
    """The running stack these variables name; exits with the reason when there is none."""
    missing = [s for s in SERVICES if s not in services]
    if missing:
        sys.exit(f"the demo walks all five services; SERVICES leaves out {', '.join(missing)}")
    stack = recorded_stack(state_dir)
    if stack is None:
        sys.exit(f"no stack recorded in {state_dir}: run `make up` with the same variables first")
    asked = {"PORT_BASE": port_base, "DB_SUFFIX": db_suffix, "BUS_PREFIX": bus_prefix}
    started = {"PORT_BASE": stack.config.port_base, "DB_SUFFIX": stack.config.db_suffix,
               "BUS_PREFIX": stack.config.bus_prefix}
    differing = [f"{name}={started[name]!r} (not {asked[name]!r})"
                 for name in asked if asked[name] != started[name]]
    if differing:
        sys.exit(f"the stack in {state_dir} was started with {', '.join(differing)}: "
                 "give `make demo` the variables `make up` was given")
    ready = {s.name for s in stack_status(state_dir) if s.running and s.ready}
    not_ready = [s for s in SERVICES if s not in ready]
    if not_ready:
        sys.exit(f"not running or not ready in {state_dir}: {', '.join(not_ready)} "
                 "(`make status` with the same variables shows why)")
    return stack


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    parser.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE)
    parser.add_argument("--db-suffix", default="")
    parser.add_argument("--bus-prefix", default="")
    parser.add_argument("--services", default=",".join(SERVICES))
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    stack = resolve_stack(state_dir, args.port_base, args.db_suffix, args.bus_prefix,
                          [s for s in args.services.split(",") if s])
    scenario = Scenario({s: stack.url(s) for s in SERVICES}, stack.api_key("hotline_12333"),
                        stack.mail_dir, notice_dir=stack.notice_dir)
    outcome = asyncio.run(scenario.run())
    print_timeline(outcome)
    time.sleep(1.5)  # span files are written in batches
    services = spans_by_service(stack.spans_dir, outcome.trace_id)
    print("spans in the complaint's trace:", ", ".join(f"{s} ({len(n)})" for s, n in services.items()))


if __name__ == "__main__":
    main()
