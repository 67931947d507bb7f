"""`credit-service register republish`: emit the register again (R-CRD-1, R-ORG-1; republish.py).

    credit-service register republish [--district d01] [--batch 500] [--after CODE]

Needs the service's DATABASE_URL; the running service's outbox relay publishes what it writes.
Prints one JSON line per committed batch and a last one with "done": true; after an interruption,
run it again with `--after` the last line's "after".
"""

from __future__ import annotations

import argparse
import asyncio

from labor_runtime.clock import SystemClock
from labor_runtime.db import create_engine

from credit.batch_cli import add_batch_options, print_progress
from credit.employers.republish import Progress, republish
from credit.settings import CreditSettings


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="credit-service register",
                                   description="operations on the employer register (一户一档)")
    sub = root.add_subparsers(dest="action", required=True)
    again = sub.add_parser("republish", help="emit every employer's current state as "
                           "credit.employer.changed.v1, without a new version")
    again.add_argument("--district", help="only the employers of this district")
    add_batch_options(again)
    return root


async def run(settings: CreditSettings, args: argparse.Namespace) -> Progress:
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        return await republish(engine, source=settings.source, clock=SystemClock(),
                               district=args.district, batch_size=args.batch, after=args.after,
                               on_batch=print_progress)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    print_progress(asyncio.run(run(CreditSettings(), args)), done=True)
