"""Field-key rotation (R-INT-7): re-encrypt every complainant field not under the active key.

`python -m intake.privacy.rotate [--batch-size N] [--max-batches N]` with the service's
environment (`DATABASE_URL`, `FIELD_ENCRYPTION_KEYS` holding the old and the new key,
`FIELD_ENCRYPTION_ACTIVE_KEY` = the new one). Each batch is one transaction over rows locked with
`FOR UPDATE SKIP LOCKED`, so it runs beside the live service and beside another rotator; a row
is chosen only while one of its fields is under another key, so an interrupted run resumes where it
stopped and a finished one changes nothing. Old ciphertexts stay readable throughout, as long as
the old key stays configured (remove it only when `remaining` is 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import create_engine
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.complaints.models import complaints
from intake.settings import IntakeSettings

# Every encrypted column of intake, with the associated data that binds it to its row.
FIELDS = (
    ("complainant_name_enc", "complaints.name"),
    ("complainant_id_number_enc", "complaints.id_number"),
    ("complainant_phone_enc", "complaints.phone"),
)


@dataclass
class RotationReport:
    active_key: str
    rotated: int
    batches: int
    remaining: int


def _stale(active: str) -> sa.ColumnElement[bool]:
    return sa.or_(*(sa.func.split_part(complaints.c[column], ".", 2) != active
                    for column, _ in FIELDS))


async def remaining(engine: AsyncEngine, active: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(
            sa.select(sa.func.count()).select_from(complaints).where(_stale(active)))).scalar_one())


async def rotate(engine: AsyncEngine, cipher: FieldCipher, *, batch_size: int = 200,
                 max_batches: int | None = None) -> RotationReport:
    """Re-encrypt under `cipher.active`, `batch_size` rows a transaction, until none is left (or
    `max_batches` were done). Rows are walked in id order; rows locked by others are skipped and
    counted in `remaining`, for the next run."""
    rotated = batches = 0
    after = ""
    columns = [complaints.c.id, *(complaints.c[column] for column, _ in FIELDS)]
    while max_batches is None or batches < max_batches:
        async with engine.begin() as conn:
            rows = (await conn.execute(
                sa.select(*columns).where(_stale(cipher.active), complaints.c.id > after)
                .order_by(complaints.c.id).limit(batch_size)
                .with_for_update(skip_locked=True))).all()
            if not rows:
                break
            for row in rows:
                await conn.execute(complaints.update().where(complaints.c.id == row.id).values({
                    column: cipher.rotate(getattr(row, column), f"{aad}:{row.id}")
                    for column, aad in FIELDS}))
        rotated += len(rows)
        batches += 1
        after = rows[-1].id
    return RotationReport(cipher.active, rotated, batches, await remaining(engine, cipher.active))


async def _main(args: argparse.Namespace) -> RotationReport:
    settings = IntakeSettings()
    cipher = FieldCipher.from_settings(settings.field_encryption_keys,
                                       settings.field_encryption_active_key)
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        return await rotate(engine, cipher, batch_size=args.batch_size or settings.key_rotation_batch_size,
                            max_batches=args.max_batches)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m intake.privacy.rotate",
                                     description="re-encrypt complainant fields under the active key")
    parser.add_argument("--batch-size", type=int, default=0, help="rows per transaction")
    parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches")
    report = asyncio.run(_main(parser.parse_args(argv)))
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main()
