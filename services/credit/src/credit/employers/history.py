"""The employer's history (一户一档, R-CRD-1): one append-only line per thing that happened to it,
with its date and the event or actor it came from. Every folder records here; the file reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit.employers.models import employer_history


class Kind(StrEnum):
    PENALTY = "penalty"  # 行政处罚
    CASE_CLOSED = "case_closed"
    CONDUCT = "conduct"  # rectification lapsed, fine overdue, court enforcement, staff findings
    COMPLAINT = "complaint"
    WARNING_RAISED = "warning_raised"  # 欠薪预警
    WARNING_CLEARED = "warning_cleared"
    GRADE = "grade"  # 诚信等级
    DEPOSIT = "deposit"  # 工资保障金
    BLACKLIST = "blacklist"  # proposed, reviewed, noticed, listed, removed
    SANCTION = "sanction"  # R-MAJ-3
    REPAIR = "repair"  # 信用修复
    GRID = "grid"  # 网格 assigned or changed


async def record(session: AsyncSession, *, credit_code: str, kind: Kind, at: datetime,
                 summary: str, source: str, ref: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
    """Append one line; the same (source, kind, ref) twice is one line (redelivered events).

    `source`: the event id, or `staff:<subject>` / `system:<job>`; `summary`: one line in words,
    never personal data; `ref`: the id of the thing (decision, warning, entry…)."""
    await session.execute(insert(employer_history).values(
        credit_code=credit_code, kind=kind.value, at=at, summary=summary, source=source,
        ref=ref or "", details=details or {}).on_conflict_do_nothing(
            index_elements=["source", "kind", "ref"]))


@dataclass(frozen=True)
class Line:
    """One line for `record_many`; the fields mean what `record`'s arguments mean."""

    credit_code: str
    kind: Kind
    at: datetime
    summary: str
    source: str
    ref: str = ""
    details: dict[str, Any] = field(default_factory=dict)


async def record_many(session: AsyncSession, lines: Sequence[Line]) -> None:
    """Append many lines at once (a batch job's), each as `record` would."""
    if lines:
        await session.execute(
            insert(employer_history).on_conflict_do_nothing(
                index_elements=["source", "kind", "ref"]),
            [{"credit_code": line.credit_code, "kind": line.kind.value, "at": line.at,
              "summary": line.summary, "source": line.source, "ref": line.ref,
              "details": line.details} for line in lines])
