"""City-scale recomputation of the integrity grades (R-CRD-2, issue 12): how long
`credit-service grades recompute` takes for the whole register after a weight change.

    python -m bench.credit_grades [--employers 500000] [--batch 500]

On a fresh credit database (migrated, dropped at the end):
- **seed** with COPY: N employers (credit codes `919900…`, no such region); one in five with
  1–3 penalty decisions of the last 3 years, one in ten with 1–3 conduct records (lapsed orders,
  overdue fines, court enforcement, findings, closings), one in seven with 1–4 recent complaints;
- **first grading**: the job with the default weights: every employer gets its first grade (each
  one a change from none, so each is told);
- the **bare references**, same batches, same locks and reads in one transaction each: `reads`
  (lock the batch, its penalties, conduct and current grades) and `reads + grading` (the same,
  graded in memory, nothing written);
- the **job** after a weight change (wage arrears, recent cases and complaints weigh more):
  employers/s and total seconds, how many grades changed, and its ratio to the references.

Writes bench/results/credit_grades.json. Profile it with
`py-spy record --format raw -o /tmp/grades.txt -- python -m bench.credit_grades --employers 100000`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from credit.__main__ import MIGRATIONS
from credit.grading import rules
from credit.grading.flows import profiles
from credit.grading.recompute import current_grades, lock_batch, recompute
from credit.settings import CreditSettings
from labor_contracts.identifiers import credit_code_check_character
from labor_runtime.clock import SystemClock
from labor_runtime.db import asyncpg_dsn, create_engine, drop_database
from labor_runtime.migrations import migrate
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.messaging import PG, write

SOURCE = "/services/credit"
CHANGED_WEIGHTS = {"nature.wage_arrears": 14, "cases.recent": 14, "satisfaction.complaints": 10}
VIOLATIONS = ("拖欠6名工人工资", "未依法缴纳社会保险费", "未签订书面劳动合同",
              "超时加班，未支付加班工资", "使用童工", "拒不支付劳动报酬，拖欠工资")
CONDUCT = ("rectification_lapsed", "fine_overdue", "court_enforcement", "inspection_obstructed",
           "false_rectification", "case_closed")


def code_of(n: int) -> str:
    first17 = f"919900{n:011d}"
    return first17 + credit_code_check_character(first17)


async def seed(dsn: str, employers: int) -> dict[str, int]:
    """COPY the register, its penalties and its conduct; deterministic (seeded random)."""
    rng = random.Random(12)
    now = datetime.now(UTC)
    people, penalties, conduct = [], [], []
    for n in range(employers):
        code = code_of(n)
        # no grid: the grade does not read it, and a grid would need the tree (R-ORG-1)
        people.append((code, f"存量企业{n}号", f"d{n % 10 + 1:02d}", None, 1, now, now))
        if n % 5 == 0:
            for k in range(rng.randint(1, 3)):
                decided = now - timedelta(days=rng.randint(1, 1090))
                penalties.append((
                    f"dec-{n}-{k}", code, f"case-{n}-{k}", f"某劳监罚〔2026〕{n}-{k}",
                    rng.choice(VIOLATIONS), "《保障农民工工资支付条例》",
                    Decimal(rng.choice((2000, 10000, 30000, 80000, 250000))), "[]",
                    "某市人力资源和社会保障局", f"d{n % 10 + 1:02d}", decided,
                    rng.randint(0, 40), Decimal(rng.choice((0, 8000, 60000, 1_200_000))),
                    str(uuid.uuid4()), now))
        if n % 10 == 0:
            for k in range(rng.randint(1, 3)):
                kind = rng.choice(CONDUCT)
                detail = rng.choice(("dissatisfied", "satisfied")) if kind == "case_closed" else ""
                conduct.append((str(uuid.uuid4()), code, kind, f"case-{n}-{k}",
                                now - timedelta(days=rng.randint(1, 1000)), None, detail,
                                str(uuid.uuid4()), now))
        if n % 7 == 0:
            for _ in range(rng.randint(1, 4)):
                conduct.append((str(uuid.uuid4()), code, "complaint", None,
                                now - timedelta(days=rng.randint(1, 360)), None, "c",
                                str(uuid.uuid4()), now))
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table(
            "employers", records=people, columns=("credit_code", "name", "district", "grid",
                                                  "version", "created_at", "updated_at"))
        await connection.copy_records_to_table(
            "employer_penalties", records=penalties, columns=(
                "decision_id", "credit_code", "case_id", "decision_number", "violation",
                "legal_basis", "fine_amount", "measures", "authority", "district", "decided_at",
                "worker_count", "arrears_amount", "event_id", "recorded_at"))
        await connection.copy_records_to_table(
            "conduct_records", records=conduct, columns=(
                "id", "credit_code", "kind", "case_id", "occurred_at", "amount", "detail",
                "source", "recorded_at"))
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return {"employers": len(people), "penalties": len(penalties), "conduct_records": len(conduct)}


async def reference(engine: AsyncEngine, policy: rules.GradingPolicy, batch: int,
                    grading: bool) -> float:
    """The job's transactions, locks and reads, without writing (graded in memory if `grading`)."""
    started, after = time.perf_counter(), None
    clock = SystemClock()
    while True:
        async with AsyncSession(engine) as session, session.begin():
            codes = await lock_batch(session, after=after, size=batch)
            if not codes:
                break
            found = await profiles(session, codes, policy=policy, now=clock.now())
            await current_grades(session, codes)
            if grading:
                for code in codes:
                    rules.grade(found[code], policy)
        after = codes[-1]
    return time.perf_counter() - started


async def timed_job(engine: AsyncEngine, policy: rules.GradingPolicy,
                    batch: int) -> dict[str, Any]:
    started = time.perf_counter()
    done = await recompute(engine, policy=policy, source=SOURCE, clock=SystemClock(),
                           batch_size=batch)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "employers_per_s": round(done.regraded / seconds),
            "regraded": done.regraded, "changed": done.changed, "batches": done.batches}


async def run(employers: int, batch: int) -> dict[str, Any]:
    url = PG.rsplit("/", 1)[0] + f"/bench_grades_{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(migrate, MIGRATIONS, url)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        started = time.perf_counter()
        seeded = await seed(asyncpg_dsn(url), employers)
        seeding = time.perf_counter() - started
        defaults = CreditSettings().grading_policy()
        first = await timed_job(engine, defaults, batch)
        async with engine.begin() as conn:  # as if the relay had sent them: not this run's work
            await conn.exec_driver_sql("TRUNCATE outbox")
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
        changed = CreditSettings(indicator_weights=CHANGED_WEIGHTS).grading_policy()
        reads = await reference(engine, changed, batch, grading=False)
        graded = await reference(engine, changed, batch, grading=True)
        job = await timed_job(engine, changed, batch)
    finally:
        await engine.dispose()
        await drop_database(url)
    return {
        "what": "credit-service grades recompute over the whole register after a weight change "
                "(R-CRD-2); references: the same batches, locks and reads without writing",
        "batch": batch, "seeded": seeded, "seed_seconds": round(seeding, 1),
        "weights_changed": CHANGED_WEIGHTS,
        "first_grading": first,
        "job": job,
        "reference_reads": {"seconds": round(reads, 2),
                            "employers_per_s": round(employers / reads)},
        "reference_reads_and_grading": {"seconds": round(graded, 2),
                                        "employers_per_s": round(employers / graded)},
        "ratio_job_to_reads": round(job["seconds"] / reads, 2),
        "ratio_job_to_reads_and_grading": round(job["seconds"] / graded, 2),
    }


def main(employers: int = 500_000, batch: int = 500) -> dict[str, Any]:
    return asyncio.run(run(employers, batch))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employers", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    write("credit_grades", main(args.employers, args.batch))
