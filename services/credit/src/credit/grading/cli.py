"""`credit-service grades recompute`: regrade every employer with the current weights (R-CRD-2;
recompute.py).

    credit-service grades recompute [--batch 500] [--after CODE]

Needs the service's DATABASE_URL and its grading settings (INDICATOR_WEIGHTS, ...); the running
service's outbox relay publishes the grade changes it writes. Prints one JSON line per committed
batch and a last one with "done": true; after an interruption, run it again with `--after` the
last line's "after".
"""

from __future__ import annotations

import argparse
import asyncio

from labor_runtime.clock import SystemClock
from labor_runtime.db import create_engine

from credit.batch_cli import add_batch_options, print_progress
from credit.grading.recompute import Progress, recompute
from credit.settings import CreditSettings


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="credit-service grades",
                                   description="operations on the integrity grades (诚信等级)")
    sub = root.add_subparsers(dest="action", required=True)
    again = sub.add_parser("recompute", help="regrade every employer with the current weights, "
                           "telling credit.grade.changed.v1 where the grade changed")
    add_batch_options(again)
    return root


async def run(settings: CreditSettings, args: argparse.Namespace) -> Progress:
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        return await recompute(engine, policy=settings.grading_policy(), source=settings.source,
                               clock=SystemClock(), batch_size=args.batch, after=args.after,
                               on_batch=print_progress)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    print_progress(asyncio.run(run(CreditSettings(), args)), done=True)
