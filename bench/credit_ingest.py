"""Shared-data ingestion throughput (R-CRD-3): a city sends ~10 million rows a month.

Generates N valid payroll rows (50 months of N/50 employers' wage special accounts) as a CSV file
and loads it through the code path of an upload (`credit.ingestion.flows.load`: digest, parse and
validate, COPY to the staging table, merge by natural key, queue the employers); then the same
rows again in another file (every row unchanged: nothing is written but the batch). Beside it, in
the same run, the bare reference: PostgreSQL's own COPY of the same file into an unindexed table.

    python -m bench.credit_ingest [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from credit.__main__ import MIGRATIONS
from credit.ingestion import flows
from credit.ingestion.sources import SOURCES, read_csv
from credit.settings import CreditRuntime, CreditSettings
from labor_contracts.identifiers import credit_code_check_character
from labor_runtime.db import drop_database, ensure_database
from labor_runtime.migrations import migrate
from sqlalchemy.engine import make_url

from bench.messaging import PG, write

MONTHS = 50
COLUMNS = "credit_code,account,month,project_id,balance,wages_payable"


def generate(path: Path, rows: int, header: str = COLUMNS) -> None:
    employers = max(1, rows // MONTHS)
    codes = [f"91350100MA{n:07d}" for n in range(employers)]
    codes = [c + credit_code_check_character(c) for c in codes]
    months = [f"{2022 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)]
    swap = header != COLUMNS  # the same rows with the first two columns the other way round
    with path.open("w") as out:
        out.write(header + "\n")
        written = 0
        for month in months:
            lines = []
            for n, code in enumerate(codes):
                if written == rows:
                    break
                account = f"62220{n:011d}"
                first, second = (account, code) if swap else (code, account)
                lines.append(f"{first},{second},{month},P-{n % 997},{n * 7 % 900000}.50,"
                             f"{n * 5 % 700000}.00\n")
                written += 1
            out.writelines(lines)


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


async def _server_ticks(runtime: CreditRuntime) -> int:
    """CPU ticks of the database's backends so far (PostgreSQL runs on this machine)."""
    async with runtime.reader.connect() as conn:
        pids = (await conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars().all()
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += _ticks(pid)
    return total


async def load(runtime: CreditRuntime, path: Path) -> dict[str, Any]:
    """Loads the file as an upload would; wall time and the CPU seconds it cost the client and
    the database, since the machine is shared and wall time depends on who else runs."""
    actor = flows.Actor(subject="bench", role="ops", reason="benchmark")
    async with runtime.reader.connect():  # the pool's connection is open before counting
        pass
    server, client = await _server_ticks(runtime), time.process_time()
    start = time.perf_counter()
    with path.open("rb") as file:
        loaded = await flows.load(runtime, SOURCES["payroll"], file,
                                  digest=flows.digest_of(file), fmt="csv", via="upload",
                                  filename=path.name, actor=actor)
    seconds = time.perf_counter() - start
    hz = os.sysconf("SC_CLK_TCK")
    client_cpu = time.process_time() - client
    server_cpu = (await _server_ticks(runtime) - server) / hz
    rows = loaded.batch["rows_total"]
    return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "client_cpu_s": round(client_cpu, 2), "server_cpu_s": round(server_cpu, 2),
            "rows_per_cpu_s": round(rows / (client_cpu + server_cpu)),
            "rows_changed": loaded.batch["rows_changed"],
            "rows_unchanged": loaded.batch["rows_unchanged"]}


async def bare_copy(url: str, path: Path) -> dict[str, Any]:
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute("CREATE TABLE bare_payroll (credit_code text, account text, month text, "
                           "project_id text, balance numeric, wages_payable numeric)")
        server, start = _ticks(conn.get_server_pid()), time.perf_counter()
        result = await conn.copy_to_table("bare_payroll", source=str(path), format="csv",
                                          header=True)
        seconds = time.perf_counter() - start
        server_cpu = (_ticks(conn.get_server_pid()) - server) / os.sysconf("SC_CLK_TCK")
    finally:
        await conn.close()
    rows = int(result.split()[-1])
    return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "server_cpu_s": round(server_cpu, 2),
            "rows_per_cpu_s": round(rows / server_cpu) if server_cpu else None}


def parse_only(path: Path) -> float:
    start = time.perf_counter()
    with path.open(newline="") as text:
        for _ in read_csv(SOURCES["payroll"], text):
            pass
    return time.perf_counter() - start


async def main(rows: int) -> dict[str, Any]:
    url = make_url(PG).set(database=f"bench_ingest_{uuid.uuid4().hex[:8]}").render_as_string(False)
    await ensure_database(url)
    runtime = CreditRuntime(CreditSettings(database_url=url, environment="test"))
    try:
        await asyncio.to_thread(migrate, MIGRATIONS, url)
        with tempfile.TemporaryDirectory() as tmp:
            first, again = Path(tmp) / "payroll__1.csv", Path(tmp) / "payroll__2.csv"
            generate(first, rows)
            generate(again, rows, header="account,credit_code,month,project_id,balance,"
                     "wages_payable")
            size = first.stat().st_size
            parse_seconds = parse_only(first)
            loaded = await load(runtime, first)
            unchanged = await load(runtime, again)
            bare = await bare_copy(url, first)
    finally:
        await runtime.engine.dispose()
        await drop_database(url)
    assert loaded["rows_changed"] == rows and unchanged["rows_unchanged"] == rows
    return {
        "rows": rows, "file_mb": round(size / 1e6, 1), "target_rows_per_s": 20_000,
        "load": loaded, "reload_unchanged": unchanged,
        "parse_only": {"seconds": round(parse_seconds, 2),
                       "rows_per_s": round(rows / parse_seconds)},
        "bare_copy": bare,
        "ratio_load_to_bare": round(loaded["rows_per_s"] / bare["rows_per_s"], 3),
        # the machine is shared (other tests, other services): its load when the run ended
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    write("credit_ingest", asyncio.run(main(parser.parse_args().rows)))
