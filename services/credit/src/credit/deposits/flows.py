"""Deposit use cases (R-CRD-6): staff register projects and record deposits; the daily check
finds projects without a valid deposit; coverage as a figure and a gauge."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import DepositMissing
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.tracing import continued
from labor_runtime.workers import Loop
from prometheus_client import Gauge
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from credit.deposits import rules
from credit.deposits.models import deposit_findings, wage_deposits
from credit.deposits.schemas import (
    Coverage,
    DepositPut,
    DepositRead,
    ProjectPut,
    ProjectRead,
    Uncovered,
)
from credit.employers import history
from credit.employers.flows import valid_credit_code
from credit.employers.models import employers
from credit.ingestion.models import projects
from credit.settings import CreditRuntime

SYSTEM = "system:deposits"
_current = wage_deposits.alias("current_deposit")
# Projects with their current deposit (columns prefixed `deposit_`), or none.
_WITH_CURRENT = sa.select(
    projects, *(c.label(f"deposit_{c.name}") for c in _current.c)).select_from(
    projects.outerjoin(_current, sa.and_(_current.c.project_id == projects.c.project_id,
                                         _current.c.replaced_at.is_(None))))


def _deposit(row: sa.Row[Any]) -> rules.Deposit | None:
    if row.deposit_id is None:
        return None
    return rules.Deposit(row.deposit_id, rules.Kind(row.deposit_kind), row.deposit_amount,
                         row.deposit_valid_from, row.deposit_valid_until)


def _not_found(project_id: str) -> Problem:
    return Problem(404, "not-found", "Project not found",
                   f"no construction project {project_id} in your district")


def _actor(who: Principal) -> dict[str, str]:
    return {"actor": who.subject, "role": ",".join(sorted(who.roles))}


async def register_project(runtime: CreditRuntime, who: Principal, project_id: str,
                           body: ProjectPut) -> tuple[ProjectRead, bool]:
    """Register a construction project or replace its data; returns (project, created)."""
    code = valid_credit_code(body.credit_code)
    district = body.district or who.district
    if not who.reaches(district):
        raise Problem(403, "forbidden", "Another district's project",
                      f"you register projects of district {who.district} only")
    now = runtime.clock.now()
    values = {"name": body.name, "credit_code": code, "district": district, "grid": body.grid,
              "started_on": body.started_on, "ends_on": body.ends_on, "updated_at": now}
    async with runtime.uow() as uow:
        existing = (await uow.session.execute(
            sa.select(projects.c.district).where(projects.c.project_id == project_id)
            .with_for_update())).first()
        if existing is not None and not who.reaches(existing.district):  # as unknown as on reading
            raise _not_found(project_id)
        await uow.session.execute(
            insert(projects).values(project_id=project_id, **values)
            .on_conflict_do_update(index_elements=["project_id"], set_=values))
        await audit.record(uow.session, audit.AuditEntry(
            at=now, **_actor(who), action="register_project" if existing is None
            else "update_project", subject=f"project:{project_id}", reason=f"contractor {code}"))
        await history.record(
            uow.session, credit_code=code, kind=history.Kind.DEPOSIT, at=now,
            summary=f"general contractor of project {project_id} ({body.name})",
            source=f"staff:{who.subject}", ref=f"project:{project_id}:{now.isoformat()}")
        await uow.commit()
    return await read_project(runtime, who, project_id), existing is None


async def record_deposit(runtime: CreditRuntime, who: Principal, project_id: str,
                         body: DepositPut) -> ProjectRead:
    """Record the project's deposit; the one it replaces stays on file (`replaced_at`)."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        project = (await uow.session.execute(
            sa.select(projects).where(projects.c.project_id == project_id)
            .with_for_update())).first()
        if project is None or not who.reaches(project.district):
            raise _not_found(project_id)
        await uow.session.execute(
            wage_deposits.update().where(wage_deposits.c.project_id == project_id,
                                         wage_deposits.c.replaced_at.is_(None))
            .values(replaced_at=now))
        deposit_id = new_id()
        await uow.session.execute(wage_deposits.insert().values(
            id=deposit_id, project_id=project_id, kind=body.kind.value, amount=body.amount,
            bank=body.bank, guarantee_number=body.guarantee_number, valid_from=body.valid_from,
            valid_until=body.valid_until, recorded_by=who.subject, recorded_at=now,
            reason=body.reason))
        await audit.record(uow.session, audit.AuditEntry(
            at=now, **_actor(who), action="record_wage_deposit",
            subject=f"project:{project_id}", reason=body.reason))
        await history.record(
            uow.session, credit_code=project.credit_code, kind=history.Kind.DEPOSIT, at=now,
            summary=f"wage guarantee deposit of project {project_id}: {body.kind.value} "
            f"{body.amount} yuan, valid {body.valid_from} to {body.valid_until}",
            source=f"staff:{who.subject}", ref=deposit_id)
        await uow.commit()
    return await read_project(runtime, who, project_id)


async def read_project(runtime: CreditRuntime, who: Principal, project_id: str) -> ProjectRead:
    """The project with its deposits, current first."""
    today = runtime.calendar.local_date(runtime.clock.now())
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            _WITH_CURRENT.where(projects.c.project_id == project_id))).first()
        if row is None or not who.reaches(row.district):
            raise _not_found(project_id)
        deposits = (await conn.execute(
            sa.select(wage_deposits).where(wage_deposits.c.project_id == project_id)
            .order_by(wage_deposits.c.replaced_at.desc().nulls_first(),
                      wage_deposits.c.recorded_at.desc()))).all()
    current = _deposit(row)
    return ProjectRead(
        project_id=row.project_id, name=row.name, credit_code=row.credit_code,
        district=row.district, grid=row.grid, started_on=row.started_on, ends_on=row.ends_on,
        covered_today=current is not None and current.valid_on(today),
        deposits=[DepositRead.model_validate(d, from_attributes=True) for d in deposits])


async def _in_progress(conn: AsyncConnection, day: date,
                       district: str | None = None) -> list[sa.Row[Any]]:
    query = _WITH_CURRENT.where(sa.or_(projects.c.ends_on.is_(None), projects.c.ends_on >= day))
    if district is not None:
        query = query.where(projects.c.district == district)
    return list((await conn.execute(query.order_by(projects.c.project_id))).all())


async def coverage(runtime: CreditRuntime, who: Principal | None = None,
                   district: str | None = None) -> Coverage:
    """R-CRD-6 coverage today, of a district's projects for its staff."""
    if who is not None and who.district is not None:
        if district not in (None, who.district):
            raise Problem(403, "forbidden", "Another district's projects",
                          f"you see the projects of district {who.district} only")
        district = who.district
    day = runtime.calendar.local_date(runtime.clock.now())
    async with runtime.engine.connect() as conn:
        rows = await _in_progress(conn, day, district)
    uncovered = [(row, found) for row in rows
                 if (found := rules.finding(_deposit(row), day)) is not None]
    return Coverage(
        day=day, projects=len(rows), covered=len(rows) - len(uncovered),
        rate=rules.coverage_rate(len(rows), len(rows) - len(uncovered)),
        target=runtime.settings.deposit_coverage_target,
        uncovered=[Uncovered(project_id=row.project_id, name=row.name,
                             credit_code=row.credit_code, district=row.district,
                             gap=found.gap, reason=found.reason) for row, found in uncovered])


async def check(runtime: CreditRuntime, day: date) -> int:
    """The daily check: a finding for every project in progress without a valid deposit on
    `day`, emitted once per project and lapse; returns how many findings are new."""
    now = runtime.clock.now()
    new = 0
    async with runtime.uow() as uow:
        conn = await uow.session.connection()
        rows = await _in_progress(conn, day)
        names = {r.credit_code: r for r in (await conn.execute(
            sa.select(employers.c.credit_code, employers.c.name, employers.c.district,
                      employers.c.grid).where(employers.c.credit_code.in_(
                          {row.credit_code for row in rows}))))}
        for row in rows:
            found = rules.finding(_deposit(row), day)
            if found is None:
                continue
            finding_id = (await conn.execute(
                insert(deposit_findings).values(
                    id=new_id(), project_id=row.project_id, credit_code=row.credit_code,
                    lapse=found.lapse, reason=found.reason, check_day=day, found_at=now)
                .on_conflict_do_nothing(index_elements=["project_id", "lapse"])
                .returning(deposit_findings.c.id))).scalar_one_or_none()
            if finding_id is None:
                continue  # found before: once per lapse
            new += 1
            employer = names.get(row.credit_code)
            await uow.emit(DepositMissing(
                finding_id=finding_id, project_id=row.project_id, project_name=row.name,
                credit_code=row.credit_code,
                employer_name=employer.name if employer is not None else row.credit_code,
                district=row.district or (employer.district if employer is not None else None),
                grid=row.grid or (employer.grid if employer is not None else None),
                reason=found.reason, found_at=now), subject=row.project_id)
            await history.record(
                uow.session, credit_code=row.credit_code, kind=history.Kind.DEPOSIT, at=now,
                summary=f"project {row.project_id} ({row.name}) without a valid wage guarantee "
                f"deposit on {day.isoformat()}: {found.reason}", source=SYSTEM, ref=finding_id)
        await uow.commit()
    return new


class DailyCheck(Loop):
    """Runs the check once a day at the configured local time, and for the day in progress at
    start (findings are once per lapse, so a restart repeats nothing); a clock shift wakes it."""

    def __init__(self, runtime: CreditRuntime) -> None:
        super().__init__(poll_seconds=timedelta(days=1).total_seconds())
        self.runtime = runtime
        self.checked: date | None = None
        self.gauge = Gauge("credit_deposit_coverage_ratio",
                           "R-CRD-6 construction projects in progress covered by a valid wage "
                           "guarantee deposit (target 1)", registry=runtime.metrics.registry)
        runtime.add_gauges(self.refresh_gauge)

    async def cycle(self) -> float | None:
        at = self.runtime.settings.deposit_check_time
        local_now = self.runtime.clock.now().astimezone(BUREAU_TZ)
        day = rules.check_day(local_now, at)
        if day != self.checked:
            # The day's check is what its findings follow from: one trace for the day.
            with continued(self.runtime.tracer, None, f"deposit check {day.isoformat()}"):
                await check(self.runtime, day)
            self.checked = day
        return (rules.next_check(local_now, at) - local_now).total_seconds()

    async def refresh_gauge(self) -> None:
        self.gauge.set(float((await coverage(self.runtime)).rate))
