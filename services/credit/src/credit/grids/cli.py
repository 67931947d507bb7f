"""`credit-service grids load FILE --reason WHY`: load a grids file (R-ORG-1; rules.py has the
columns). Needs the service's DATABASE_URL; the running service's relay publishes the changes.
Prints the report as JSON, or every bad line with its number and exits 1."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from labor_runtime.clock import SystemClock
from labor_runtime.db import UnitOfWork, create_engine
from labor_runtime.problems import Problem
from sqlalchemy.ext.asyncio import async_sessionmaker

from credit.grids.flows import load
from credit.grids.schemas import LoadReport
from credit.settings import CreditSettings


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="credit-service grids",
                                   description="the grid tree (网格, R-ORG-1)")
    sub = root.add_subparsers(dest="action", required=True)
    loading = sub.add_parser("load", help="load a CSV or JSON Lines grids file")
    loading.add_argument("file", type=Path)
    loading.add_argument("--reason", default="grid tree loaded from file",
                         help="why, for the audit trail")
    loading.add_argument("--actor", default="ops-cli", help="who loads it, for the audit trail")
    return root


async def run(settings: CreditSettings, args: argparse.Namespace) -> LoadReport:
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with UnitOfWork(async_sessionmaker(engine, expire_on_commit=False),
                              settings.source, SystemClock()) as uow:
            report = await load(uow, text=args.file.read_text(encoding="utf-8"),
                                actor=args.actor, role="ops", reason=args.reason)
            await uow.commit()
        return report
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    try:
        report = asyncio.run(run(CreditSettings(), args))
    except Problem as problem:
        print(f"{args.file}: {problem.detail}", file=sys.stderr)
        for error in problem.extra.get("errors", []):
            print(f"{args.file}:{error['line']}: {error['reason']}", file=sys.stderr)
        raise SystemExit(1) from None
    print(report.model_dump_json())
