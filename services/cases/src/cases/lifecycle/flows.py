"""Reading cases (a case, its timeline, finding cases) and the data functions other folders
build on: `lock_case`, the district check, a note on the timeline. Data functions take the
caller's session and never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cases.casefile.base import Actor, no_such_case
from cases.documents import flows as document_flows
from cases.grids.flows import grid_of
from cases.lifecycle import rules
from cases.lifecycle.models import (
    case_complaints,
    case_timeline,
    cases,
)
from cases.lifecycle.rules import CaseState
from cases.lifecycle.schemas import (
    CaseSummary,
    CaseView,
    DocumentSummary,
    EmployerView,
    TimelineView,
)
from cases.settings import CasesRuntime

Row = sa.Row[Any]


# Data functions ------------------------------------------------------------------------------


async def lock_case(session: AsyncSession, case_id: str) -> Row:
    """The case row, locked for this transaction (steps on one case run one at a time)."""
    row = (await session.execute(
        sa.select(cases).where(cases.c.id == case_id).with_for_update())).first()
    if row is None:
        raise no_such_case(case_id)
    return row


async def readable_case(conn: AsyncConnection | AsyncSession, who: Principal, case_id: str) -> Row:
    """The case's id and district for a read: 404 when unknown, 403 for another district's."""
    row = (await conn.execute(sa.select(cases.c.id, cases.c.district)
                              .where(cases.c.id == case_id))).first()
    if row is None:
        raise no_such_case(case_id)
    check_district(who, row, no_such_case(case_id))
    return row


class Located(Protocol):
    """A case as the district check sees it (a row or a case file)."""

    @property
    def district(self) -> str | None: ...


def check_district(principal: Principal, row: Located, missing: Problem) -> None:
    """Staff below the city detachment see and act on their own district's cases only; another
    district's answers `missing`, the caller's answer for no such object, so that a prober
    cannot tell the two apart (issue 10, finding 8)."""
    if not principal.reaches(row.district):
        raise missing


async def staff_case(uow: UnitOfWork, who: Principal, case_id: str) -> Row:
    """The case a staff member acts on: locked, of their district, its trace continued."""
    row = await lock_case(uow.session, case_id)
    check_district(who, row, no_such_case(case_id))
    uow.continue_trace(row.traceparent)
    return row


async def note_on_timeline(session: AsyncSession, case: Row, *, action: str, actor: Actor,
                           at: datetime, reason: str) -> None:
    """A step recorded on the case's timeline that does not change its state."""
    await session.execute(case_timeline.insert().values(
        case_id=case.id, at=at, action=action, from_state=case.state, to_state=case.state,
        actor=actor.subject, role=actor.role, reason=reason))


# Queries ---------------------------------------------------------------------------------------


async def case_view(runtime: CasesRuntime, who: Principal, case_id: str) -> CaseView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
        if row is None:
            raise no_such_case(case_id)
        check_district(who, row, no_such_case(case_id))
        complaint_ids = list((await conn.execute(
            sa.select(case_complaints.c.complaint_id).where(case_complaints.c.case_id == case_id)
            .order_by(case_complaints.c.received_at))).scalars())
        docs = await document_flows.of_case(conn, case_id)
        grid = await grid_of(conn, row.employer_credit_code)
    state = CaseState(row.state)
    return CaseView(
        case_id=row.id, case_number=row.case_number, state=state,
        allowed_actions=[str(a) for a in rules.allowed_actions(state)],
        complaint_ids=complaint_ids, district=row.district,
        employer=EmployerView(name=row.employer_name, credit_code=row.employer_credit_code,
                              address=row.employer_address),
        grid=grid, worker_count=row.worker_count, arrears_amount=row.arrears_amount,
        suspected_crime=row.suspected_crime, mass_incident=row.mass_incident, summary=row.summary,
        immediate_registration=row.immediate_registration, opened_at=row.opened_at,
        registered_at=row.registered_at, notice_period_ends_at=row.notice_period_ends_at,
        decided_at=row.decided_at, payment_due_at=row.payment_due_at,
        published_at=row.published_at,
        documents=[DocumentSummary(document_id=d.id, kind=d.kind, title=d.title, number=d.number,
                                   sha256=d.sha256, verify_url=d.verify_url, issued_at=d.issued_at,
                                   served_at=d.served_at, served_channel=d.channel,
                                   proof_id=d.proof_id, proof_sha256=d.proof_sha256,
                                   chain_sha256=d.chain_sha256)
                   for d in docs])


async def timeline(runtime: CasesRuntime, who: Principal, case_id: str) -> list[TimelineView]:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        entries = (await conn.execute(sa.select(case_timeline).where(
            case_timeline.c.case_id == case_id).order_by(case_timeline.c.seq))).all()
    return [TimelineView(seq=e.seq, at=e.at, action=e.action, from_state=e.from_state,
                         to_state=e.to_state, actor=e.actor, role=e.role, reason=e.reason)
            for e in entries]


async def find(runtime: CasesRuntime, who: Principal, *, complaint_id: str | None, state: str | None,
               limit: int) -> list[CaseSummary]:
    query = sa.select(cases).order_by(cases.c.opened_at.desc()).limit(limit)
    if complaint_id is not None:
        query = query.where(cases.c.id.in_(sa.select(case_complaints.c.case_id).where(
            case_complaints.c.complaint_id == complaint_id)))
    if state is not None:
        query = query.where(cases.c.state == state)
    if not who.city_wide:
        query = query.where(cases.c.district == who.district)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [CaseSummary(case_id=r.id, case_number=r.case_number, state=r.state,
                        employer_name=r.employer_name, district=r.district, opened_at=r.opened_at)
            for r in rows]
