"""The case file's read side for oversight and verification: counts and lists over its tables,
one statement each (the repository owns the same tables for writing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.documents.models import document_services, documents
from cases.lifecycle.models import cases
from cases.penalty.models import penalty_decisions, penalty_proposals


def case_by_id(name: str) -> sa.Subquery:
    """The case's row, selected by the bind parameter `case_id`, for another folder to build one
    statement around (major's trigger check reads it with its own tables)."""
    return sa.select(cases).where(cases.c.id == sa.bindparam("case_id")).subquery(name)


async def registered_between(conn: AsyncConnection, start: datetime, end: datetime) -> list[str]:
    """The ids of the cases registered in [start, end), sorted (R-CASE-9's population)."""
    return sorted((await conn.execute(sa.select(cases.c.id).where(
        cases.c.registered_at >= start, cases.c.registered_at < end))).scalars())


async def case_summaries(conn: AsyncConnection, case_ids: list[str],
                         district: str | None) -> dict[str, Any]:
    """Number, district and state of the given cases (of one district, if given), by id."""
    query = sa.select(cases.c.id, cases.c.case_number, cases.c.district, cases.c.state).where(
        cases.c.id.in_(case_ids))
    if district is not None:
        query = query.where(cases.c.district == district)
    return {r.id: r for r in (await conn.execute(query)).all()}


async def fines(conn: AsyncConnection, start: datetime, end: datetime,
                district: str | None) -> tuple[Decimal, int]:
    """The fines decided in [start, end) and how many decisions imposed them."""
    query = (sa.select(sa.func.coalesce(sa.func.sum(penalty_proposals.c.fine_amount), 0),
                       sa.func.count())
             .select_from(penalty_decisions.join(
                 penalty_proposals, penalty_proposals.c.id == penalty_decisions.c.proposal_id)
                 .join(cases, cases.c.id == penalty_decisions.c.case_id))
             .where(penalty_decisions.c.decided_at >= start, penalty_decisions.c.decided_at < end))
    if district is not None:
        query = query.where(cases.c.district == district)
    total, count = (await conn.execute(query)).one()
    return Decimal(total), int(count)


async def publication_deadlines(conn: AsyncConnection, end: datetime,
                                district: str | None) -> list[tuple[date, datetime | None]]:
    """Each decision signed before `end`: the day its result is due public, and when it was."""
    query = (sa.select(penalty_decisions.c.publish_by, penalty_decisions.c.published_at)
             .select_from(penalty_decisions.join(cases, cases.c.id == penalty_decisions.c.case_id))
             .where(penalty_decisions.c.decided_at < end))
    if district is not None:
        query = query.where(cases.c.district == district)
    return [(r.publish_by, r.published_at) for r in (await conn.execute(query)).all()]


# R-CASE-10 closure, counted in the database: the metrics are refreshed every minute, and loading
# every case of the year into Python cost seconds of CPU per refresh at a million cases. A case's
# deadline is its receipt (or opening) plus the closure period, counted from its local day: the
# day offsets come from the calendar (working days or not) as an array, one entry per day.
_CLOSURE = sa.text("""
    WITH received AS (
        SELECT case_id, min(received_at) AS at FROM case_complaints GROUP BY case_id
    ), closed AS (
        SELECT case_id, max(at) AS at FROM case_timeline
        WHERE to_state = 'closed' AND from_state <> 'closed' GROUP BY case_id
    ), base AS (
        SELECT coalesce(r.at, c.opened_at) AS began, cl.at AS closed_at
        FROM cases c LEFT JOIN received r ON r.case_id = c.id LEFT JOIN closed cl ON cl.case_id = c.id
        WHERE c.opened_at < :end AND (CAST(:district AS text) IS NULL OR c.district = :district)
    ), offsets AS (
        SELECT * FROM unnest(CAST(:days AS date[]), CAST(:offsets AS int[])) AS o(day, days)
    ), judged AS (
        SELECT b.began, b.closed_at,
               (b.closed_at >= :start AND b.closed_at < :end) AS closed_in_window,
               ((b.began AT TIME ZONE CAST(:tz AS text)) + make_interval(days => o.days))
                   AT TIME ZONE CAST(:tz AS text) AS deadline
        FROM base b LEFT JOIN offsets o ON o.day = (b.began AT TIME ZONE CAST(:tz AS text))::date
        WHERE b.closed_at IS NULL OR b.closed_at >= :start
    ), counted AS (
        SELECT *, (closed_in_window OR (deadline >= :start AND deadline < :end
                                         AND deadline <= :now)) AS due
        FROM judged
    )
    SELECT count(*) FILTER (WHERE due) AS due,
           count(*) FILTER (WHERE due AND closed_at <= deadline) AS met,
           count(*) FILTER (WHERE closed_in_window) AS closed,
           coalesce(sum(closed_at - began) FILTER (WHERE closed_in_window), interval '0')
               AS handling
    FROM counted
""")



async def closure_counts(conn: AsyncConnection, *, start: datetime, end: datetime, now: datetime,
                         district: str | None, days: list[date], offsets: list[int],
                         tz: str) -> Any:
    """`_CLOSURE`'s one row: due, met, closed and handling time in the window."""
    return (await conn.execute(_CLOSURE, {"start": start, "end": end, "now": now,
                                          "district": district, "days": days,
                                          "offsets": offsets, "tz": tz})).one()


async def document_verification(conn: AsyncConnection, document_id: str) -> Any:
    """A document with its case's number and its proven service, for R-DLV-4; None if unknown."""
    return (await conn.execute(
        sa.select(documents.c.id, documents.c.kind, documents.c.title, documents.c.number,
                  documents.c.sha256, documents.c.issued_at, cases.c.case_number,
                  document_services.c.served_at)
        .select_from(documents.join(cases, cases.c.id == documents.c.case_id)
                     .outerjoin(document_services,
                                document_services.c.document_id == documents.c.id))
        .where(documents.c.id == document_id))).first()


async def document_with_district(conn: AsyncConnection, document_id: str) -> sa.Row[Any] | None:
    """A document's stored bytes and number with its case's district; None if unknown."""
    return (await conn.execute(
        sa.select(documents.c.content, documents.c.number, cases.c.district)
        .select_from(documents.join(cases, cases.c.id == documents.c.case_id))
        .where(documents.c.id == document_id))).first()
