"""Append-only, hash-chained audit log (R-OVS-2): who did what to which record, when and why."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from labor_runtime.tables import audit_log

GENESIS = "0" * 64
_LOCK_KEY = 0x4C41424F52  # one advisory lock per database serialises the chain


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    role: str
    action: str
    subject: str
    reason: str = ""


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    canonical = json.dumps(
        [prev_hash, entry.at.isoformat(), entry.actor, entry.role, entry.action, entry.subject,
         entry.reason],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record(session: AsyncSession, entry: AuditEntry) -> str:
    """Append an entry in the caller's transaction; returns its hash."""
    await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    prev = (
        await session.execute(sa.select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1))
    ).scalar_one_or_none() or GENESIS
    digest = entry_hash(prev, entry)
    await session.execute(
        audit_log.insert().values(at=entry.at, actor=entry.actor, role=entry.role,
                                  action=entry.action, subject=entry.subject, reason=entry.reason,
                                  prev_hash=prev, hash=digest)
    )
    return digest


async def verify_chain(session: AsyncSession) -> list[int]:
    """Sequence numbers whose entry was altered or whose predecessor is missing."""
    broken = []
    prev = GENESIS
    for row in (await session.execute(sa.select(audit_log).order_by(audit_log.c.seq))).all():
        entry = AuditEntry(row.at, row.actor, row.role, row.action, row.subject, row.reason)
        if row.prev_hash != prev or entry_hash(prev, entry) != row.hash:
            broken.append(int(row.seq))
        prev = row.hash
    return broken
