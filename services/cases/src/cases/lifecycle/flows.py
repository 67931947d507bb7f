"""Case lifecycle use cases and the data functions other domains build on.

Data functions (`lock_case`, `transition`, `next_number`, ...) take the caller's session and never
commit; flows open one unit of work and commit once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from labor_contracts.cases import CaseRegistered
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cases.casefile.base import Actor
from cases.documents import flows as document_flows
from cases.lifecycle import rules
from cases.lifecycle.models import (
    case_complaints,
    case_timeline,
    cases,
    number_sequences,
)
from cases.lifecycle.rules import CaseState
from cases.lifecycle.schemas import (
    CaseSummary,
    CaseView,
    DocumentSummary,
    EmployerView,
    TimelineView,
)
from cases.settings import CasesRuntime, CasesSettings

log = logging.getLogger(__name__)

Row = sa.Row[Any]


# Data functions ------------------------------------------------------------------------------

_complaints_of_cases = (
    sa.select(case_complaints.c.case_id, case_complaints.c.complaint_id)
    .where(case_complaints.c.case_id == sa.any_(sa.bindparam("case_ids", type_=ARRAY(sa.Text))))
    .order_by(case_complaints.c.received_at))
_number_case = cases.update().where(cases.c.id == sa.bindparam("the_case")).values(
    case_number=sa.bindparam("number"), registered_at=sa.bindparam("at"),
    immediate_registration=sa.bindparam("immediate"), updated_at=sa.bindparam("at"))


async def lock_case(session: AsyncSession, case_id: str) -> Row:
    """The case row, locked for this transaction (steps on one case run one at a time)."""
    row = (await session.execute(
        sa.select(cases).where(cases.c.id == case_id).with_for_update())).first()
    if row is None:
        raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
    return row


async def readable_case(conn: AsyncConnection | AsyncSession, who: Principal, case_id: str) -> Row:
    """The case's id and district for a read: 404 when unknown, 403 for another district's."""
    row = (await conn.execute(sa.select(cases.c.id, cases.c.district)
                              .where(cases.c.id == case_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
    check_district(who, row)
    return row


class Located(Protocol):
    """A case as the district check sees it (a row or a case file)."""

    @property
    def district(self) -> str | None: ...


def check_district(principal: Principal, row: Located) -> None:
    """Staff below the city detachment see and act on their own district's cases only."""
    if principal.district is not None and row.district != principal.district:
        raise Problem(403, "forbidden", "Another district's case",
                      "staff may handle cases of their own district only")


async def staff_case(uow: UnitOfWork, who: Principal, case_id: str) -> Row:
    """The case a staff member acts on: locked, of their district, its trace continued."""
    row = await lock_case(uow.session, case_id)
    check_district(who, row)
    uow.continue_trace(row.traceparent)
    return row


async def note_on_timeline(session: AsyncSession, case: Row, *, action: str, actor: Actor,
                           at: datetime, reason: str) -> None:
    """A step recorded on the case's timeline that does not change its state."""
    await session.execute(case_timeline.insert().values(
        case_id=case.id, at=at, action=action, from_state=case.state, to_state=case.state,
        actor=actor.subject, role=actor.role, reason=reason))


async def next_number(session: AsyncSession, *, series: str, year: int, count: int = 1) -> int:
    """The last of the next `count` official numbers of a series in a year; gap-free, since they
    commit with their use."""
    statement = insert(number_sequences).values(series=series, year=year, last=count)
    upsert = statement.on_conflict_do_update(
        index_elements=[number_sequences.c.series, number_sequences.c.year],
        set_={"last": number_sequences.c.last + count}).returning(number_sequences.c.last)
    return int((await session.execute(upsert)).scalar_one())


async def complaint_ids_by_case(session: AsyncSession, case_ids: list[str]) -> dict[str, list[str]]:
    """Each case's complaints, in the order they were received."""
    found: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
    for row in (await session.execute(_complaints_of_cases, {"case_ids": case_ids})).all():
        found[row.case_id].append(row.complaint_id)
    return found


@dataclass(frozen=True)
class Registration:
    case_id: str
    at: datetime
    immediate: bool
    reason: str
    traceparent: str | None


def numbering(uow: UnitOfWork, settings: CasesSettings) -> CaseNumbering:
    """The transaction's case numbering; steps kept after it see the numbers it gives."""
    return uow.at_commit("cases.numbering", lambda: CaseNumbering(uow, settings))


@dataclass
class CaseNumbering:
    """The cases a transaction registers take their numbers (立案编号) together as it commits.

    Numbers stay gap-free (they commit with their use), and the year's counter, which every
    registration waits for, is locked for the commit only: taken at registration it was held
    through the rest of a consumer's batch, and registrations queued on it.
    """

    uow: UnitOfWork
    settings: CasesSettings
    registered: list[Registration] = field(default_factory=list)

    def registers(self, case_id: str) -> bool:
        """Whether this transaction registered the case (its number comes at commit)."""
        return any(r.case_id == case_id for r in self.registered)

    async def __call__(self) -> None:
        if not self.registered:
            return
        session = self.uow.session
        years = [r.at.astimezone(BUREAU_TZ).year for r in self.registered]
        numbers: list[str] = []
        for year in sorted(set(years)):
            count = years.count(year)
            last = await next_number(session, series="case", year=year, count=count)
            numbers += [rules.document_number(self.settings.case_number_prefix, year, n)
                        for n in range(last - count + 1, last + 1)]
        in_order = sorted(self.registered, key=lambda r: r.at.astimezone(BUREAU_TZ).year)
        await session.execute(_number_case, [
            {"the_case": r.case_id, "number": n, "at": r.at, "immediate": r.immediate}
            for r, n in zip(in_order, numbers, strict=True)])
        complaints = await complaint_ids_by_case(session, [r.case_id for r in in_order])
        for registration, number in zip(in_order, numbers, strict=True):
            self.uow.continue_trace(registration.traceparent)
            await self.uow.emit(CaseRegistered(
                case_id=registration.case_id, case_number=number,
                complaint_ids=complaints[registration.case_id], registered_at=registration.at,
                immediate=registration.immediate, reason=registration.reason),
                subject=registration.case_id)


# Queries ---------------------------------------------------------------------------------------


async def case_view(runtime: CasesRuntime, who: Principal, case_id: str) -> CaseView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
        if row is None:
            raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
        check_district(who, row)
        complaint_ids = list((await conn.execute(
            sa.select(case_complaints.c.complaint_id).where(case_complaints.c.case_id == case_id)
            .order_by(case_complaints.c.received_at))).scalars())
        docs = await document_flows.of_case(conn, case_id)
    state = CaseState(row.state)
    return CaseView(
        case_id=row.id, case_number=row.case_number, state=state,
        allowed_actions=[str(a) for a in rules.allowed_actions(state)],
        complaint_ids=complaint_ids, district=row.district,
        employer=EmployerView(name=row.employer_name, credit_code=row.employer_credit_code,
                              address=row.employer_address),
        worker_count=row.worker_count, arrears_amount=row.arrears_amount,
        suspected_crime=row.suspected_crime, mass_incident=row.mass_incident, summary=row.summary,
        immediate_registration=row.immediate_registration, opened_at=row.opened_at,
        registered_at=row.registered_at, notice_period_ends_at=row.notice_period_ends_at,
        decided_at=row.decided_at, payment_due_at=row.payment_due_at,
        published_at=row.published_at,
        documents=[DocumentSummary(document_id=d.id, kind=d.kind, title=d.title, number=d.number,
                                   sha256=d.sha256, verify_url=d.verify_url, issued_at=d.issued_at,
                                   served_at=d.served_at, served_channel=d.channel)
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
    if who.district is not None:
        query = query.where(cases.c.district == who.district)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [CaseSummary(case_id=r.id, case_number=r.case_number, state=r.state,
                        employer_name=r.employer_name, district=r.district, opened_at=r.opened_at)
            for r in rows]
