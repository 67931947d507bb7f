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


_PENDING = "labor_runtime.audit.pending"
_lock_chain = sa.text("SELECT pg_advisory_xact_lock(:k)")
_last_hash = sa.select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
# Entries in order, one statement text whatever their number (seq follows the arrays' order).
_append_chained = sa.text(
    "INSERT INTO audit_log (at, actor, role, action, subject, reason, prev_hash, hash) "
    "SELECT * FROM unnest(CAST(:at AS timestamptz[]), CAST(:actor AS text[]), "
    "CAST(:role AS text[]), CAST(:action AS text[]), CAST(:subject AS text[]), "
    "CAST(:reason AS text[]), CAST(:prev_hash AS text[]), CAST(:hash AS text[]))")


def defer_to_commit(session: AsyncSession) -> None:
    """From now on, entries recorded in this session wait for `append_deferred`, which its unit of
    work calls just before commit: the chain's lock, which every transaction that records waits
    for, is then held for the commit only, not from a transaction's first decision on."""
    session.info[_PENDING] = []


async def record(session: AsyncSession, entry: AuditEntry) -> None:
    """Append an entry in the caller's transaction (at its commit, in a unit of work)."""
    pending: list[AuditEntry] | None = session.info.get(_PENDING)
    if pending is not None:
        pending.append(entry)
    else:
        await _append(session, [entry])


async def append_deferred(session: AsyncSession) -> None:
    """Chain the entries the session's transaction recorded, in the order it recorded them."""
    pending: list[AuditEntry] = session.info.get(_PENDING, [])
    if pending:
        await _append(session, pending)
        pending.clear()


async def _append(session: AsyncSession, entries: list[AuditEntry]) -> None:
    await session.execute(_lock_chain, {"k": _LOCK_KEY})
    prev = (await session.execute(_last_hash)).scalar_one_or_none() or GENESIS
    chained: list[tuple[str, str]] = []  # (prev_hash, hash) of each entry, in order
    for entry in entries:
        digest = entry_hash(prev, entry)
        chained.append((prev, digest))
        prev = digest
    await session.execute(_append_chained, {
        "at": [e.at for e in entries], "actor": [e.actor for e in entries],
        "role": [e.role for e in entries], "action": [e.action for e in entries],
        "subject": [e.subject for e in entries], "reason": [e.reason for e in entries],
        "prev_hash": [p for p, _ in chained], "hash": [h for _, h in chained]})


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
