"""Field-key rotation (R-INT-7): re-encrypt every complainant field not under the active key, and
seal the free text stored before it was encrypted (migration 0010): encrypted as filed into its
`*_enc` column, the plain column masked.

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
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.complaints.models import complaints
from intake.materials.models import materials
from intake.privacy.flows import FREE_TEXT, complainant_names, description_aad, free_text_aad, seal
from intake.privacy.rules import mask_optional, mask_personal_data
from intake.settings import IntakeSettings

# Every encrypted column of the complaints, with the associated data that binds it to its row.
FIELDS = (
    ("complainant_name_enc", "complaints.name"),
    ("complainant_id_number_enc", "complaints.id_number"),
    ("complainant_phone_enc", "complaints.phone"),
    *((f"{column}_enc", f"complaints.{column}") for column in FREE_TEXT),
)


@dataclass
class RotationReport:
    active_key: str
    rotated: int
    batches: int
    remaining: int


def _under_other_key(column: sa.ColumnElement[str], active: str) -> sa.ColumnElement[bool]:
    return sa.func.split_part(column, ".", 2) != active


def _stale(active: str) -> sa.ColumnElement[bool]:
    """A complaint with a field under another key, or free text stored before it was encrypted
    (migration 0010), whose plain column still holds it as filed."""
    c = complaints.c
    return sa.or_(*(_under_other_key(c[column], active) for column, _ in FIELDS),
                  *(sa.and_(c[f"{column}_enc"].is_(None), c[column].is_not(None))
                    for column in FREE_TEXT))


def _stale_material(active: str) -> sa.ColumnElement[bool]:
    return sa.or_(materials.c.description_enc.is_(None),
                  _under_other_key(materials.c.description_enc, active))


async def remaining(engine: AsyncEngine, active: str) -> int:
    async with engine.connect() as conn:
        counts = [(await conn.execute(sa.select(sa.func.count()).select_from(table)
                                      .where(stale))).scalar_one()
                  for table, stale in ((complaints, _stale(active)),
                                       (materials, _stale_material(active)))]
    return sum(int(n) for n in counts)


def _sealed(cipher: FieldCipher, row: sa.Row) -> dict[str, str | None]:  # type: ignore[type-arg]
    """A complaint's free text stored before migration 0010: encrypted as filed, kept masked."""
    names = complainant_names(cipher, row)
    values: dict[str, str | None] = {}
    for column in FREE_TEXT:
        if getattr(row, f"{column}_enc") is None and getattr(row, column) is not None:
            text = getattr(row, column)
            values[f"{column}_enc"] = seal(cipher, text, free_text_aad(column, row.id))
            values[column] = mask_optional(text, names=names)
    return values


async def _complaints(conn: AsyncConnection, cipher: FieldCipher, after: str,
                      batch_size: int) -> list[str]:
    rows = (await conn.execute(
        sa.select(complaints).where(_stale(cipher.active), complaints.c.id > after)
        .order_by(complaints.c.id).limit(batch_size).with_for_update(skip_locked=True))).all()
    for row in rows:
        values = _sealed(cipher, row)
        values.update({column: cipher.rotate(getattr(row, column), f"{aad}:{row.id}")
                       for column, aad in FIELDS
                       if column not in values and getattr(row, column) is not None})
        await conn.execute(complaints.update().where(complaints.c.id == row.id).values(values))
    return [row.id for row in rows]


async def _materials(conn: AsyncConnection, cipher: FieldCipher, after: str,
                     batch_size: int) -> list[str]:
    rows = (await conn.execute(
        sa.select(materials.c.id, materials.c.complaint_id, materials.c.description,
                  materials.c.description_enc, complaints.c.complainant_name_enc)
        .join(complaints, complaints.c.id == materials.c.complaint_id)
        .where(_stale_material(cipher.active), materials.c.id > after)
        .order_by(materials.c.id).limit(batch_size)
        .with_for_update(of=materials, skip_locked=True))).all()
    for row in rows:
        if row.description_enc is None:  # uploaded before migration 0010
            names = [cipher.decrypt(row.complainant_name_enc, f"complaints.name:{row.complaint_id}")]
            values = {"description_enc": cipher.encrypt(row.description, description_aad(row.id)),
                      "description": mask_personal_data(row.description, names=names)}
        else:
            values = {"description_enc": cipher.rotate(row.description_enc,
                                                       description_aad(row.id))}
        await conn.execute(materials.update().where(materials.c.id == row.id).values(values))
    return [row.id for row in rows]


async def rotate(engine: AsyncEngine, cipher: FieldCipher, *, batch_size: int = 200,
                 max_batches: int | None = None) -> RotationReport:
    """Re-encrypt under `cipher.active`, and seal free text stored before it was encrypted,
    `batch_size` rows a transaction, until none is left (or `max_batches` were done): complaints
    first, then materials. Rows are walked in id order; rows locked by others are skipped and
    counted in `remaining`, for the next run."""
    rotated = batches = 0
    for walk in (_complaints, _materials):
        after = ""
        while max_batches is None or batches < max_batches:
            async with engine.begin() as conn:
                done = await walk(conn, cipher, after, batch_size)
            if not done:
                break
            rotated += len(done)
            batches += 1
            after = done[-1]
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
