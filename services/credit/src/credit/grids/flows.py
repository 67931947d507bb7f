"""Grid use cases (网格, R-ORG-1): load the tree, assign grid workers, read it, report coverage.

Every change of a grid (its data or its workers) takes the grid's next `version` and is emitted
as credit.grid.changed.v1 in the same transaction; loading the same file again emits nothing."""

from __future__ import annotations

import sqlalchemy as sa
from labor_contracts.credit import GridChanged
from labor_runtime import audit
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert

from credit.employers.flows import employers_on, follow_grid
from credit.employers.models import employer_penalties, employers
from credit.grids import rules
from credit.grids.models import grid_workers, grids
from credit.grids.schemas import (
    Coverage,
    GridLineError,
    GridRead,
    GridRef,
    LoadReport,
    Unplaced,
)
from credit.grids.tree import grid_with_path

_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtext('credit.grids.load'))")


def _roles(who: Principal) -> str:
    return ",".join(sorted(who.roles))


def _as_grid(row: sa.Row) -> rules.Grid:  # type: ignore[type-arg]
    return rules.Grid(code=row.code, name=row.name, level=rules.Level(row.level),
                      parent_code=row.parent_code, district=row.district, active=row.active)


async def load(uow: UnitOfWork, *, text: str, actor: str, role: str, reason: str) -> LoadReport:
    """Load a grids file into the tree: all of it or nothing (422 listing every bad line)."""
    session = uow.session
    await session.execute(_LOCK)  # two loads at once would both see a grid as new
    parsed = rules.parse(text)
    stored = {row.code: _as_grid(row) for row in (await session.execute(sa.select(grids))).all()}
    errors = sorted(parsed.errors + rules.validate(parsed.lines, stored), key=lambda e: e.line)
    if errors:
        raise Problem(422, "invalid-grid-file", "Invalid grids file",
                      f"{len(errors)} line(s) cannot join the grid tree; nothing was loaded",
                      errors=[GridLineError(line=e.line, reason=e.reason).model_dump()
                              for e in errors])
    now = uow.clock.now()
    fresh = rules.changed(parsed.lines, stored)
    line_of = {line.grid.code: line.number for line in parsed.lines}
    retiring = [g.code for g in fresh if not g.active]
    if retiring:  # locked first: an employer being put on one meanwhile is counted or refused
        await session.execute(sa.select(grids.c.code).where(grids.c.code.in_(retiring))
                              .with_for_update())
    occupied = await employers_on(session, retiring)
    if occupied:
        raise Problem(422, "invalid-grid-file", "Invalid grids file",
                      "a grid that employers are on cannot be retired; nothing was loaded",
                      errors=[GridLineError(line=line_of[code], reason=f"{count} employer(s) "
                                            f"still on grid {code}: move them first").model_dump()
                              for code, count in sorted(occupied.items())])
    workers: dict[str, list[str]] = {}
    for code, subject in (await session.execute(
            sa.select(grid_workers.c.grid, grid_workers.c.subject)
            .where(grid_workers.c.grid.in_([g.code for g in fresh if g.code in stored]))
            .order_by(grid_workers.c.subject))).all():
        workers.setdefault(code, []).append(subject)
    for grid in fresh:
        values = {"name": grid.name, "level": grid.level.value, "parent_code": grid.parent_code,
                  "district": grid.district, "active": grid.active, "updated_at": now}
        row = (await session.execute(
            insert(grids).values(code=grid.code, version=1, **values)
            .on_conflict_do_update(index_elements=[grids.c.code],
                                   set_={**values, "version": grids.c.version + 1})
            .returning(*grids.c))).one()
        await uow.emit(_event(row, workers.get(grid.code, [])), subject=grid.code)
        previous = stored.get(grid.code)
        if previous is not None and previous.district != grid.district:
            for change in await follow_grid(session, grid=grid.code, district=grid.district,
                                            now=now, source=f"staff:{actor}"):
                await uow.emit(change, subject=change.credit_code)
    created = [grid.code for grid in fresh if grid.code not in stored]
    report = LoadReport(lines=len(parsed.lines), created=created,
                        changed=[grid.code for grid in fresh if grid.code in stored],
                        unchanged=len(parsed.lines) - len(fresh))
    if fresh:
        await audit.record(session, audit.AuditEntry(
            at=now, actor=actor, role=role, action="load_grids", subject="grids",
            reason=f"{reason}: {len(report.created)} new, {len(report.changed)} changed"))
    return report


def _event(row: sa.Row, workers: list[str]) -> GridChanged:  # type: ignore[type-arg]
    """The grid as it now is, with its workers: what intake and cases keep."""
    return GridChanged(code=row.code, name=row.name, level=row.level, parent_code=row.parent_code,
                       district=row.district, grid_workers=workers, active=row.active,
                       version=row.version, changed_at=row.updated_at)


async def upload(runtime: Runtime, who: Principal, text: str, reason: str) -> LoadReport:
    async with runtime.uow() as uow:
        report = await load(uow, text=text, actor=who.subject, role=_roles(who), reason=reason)
        await uow.commit()
    return report


def _not_found(code: str) -> Problem:
    return Problem(404, "not-found", "No such grid", f"no grid {code} in the grid tree")


def _visible(who: Principal, district: str | None) -> bool:
    """District staff see their district's grids and the city above them."""
    return district is None or who.reaches(district)


async def set_workers(runtime: Runtime, who: Principal, code: str, subjects: list[str],
                      reason: str) -> GridRead:
    """Replace a grid's workers (网格员); a change is emitted with the grid's next version."""
    wanted = sorted({subject.strip() for subject in subjects if subject.strip()})
    async with runtime.uow() as uow:
        session = uow.session
        row = (await session.execute(
            sa.select(grids).where(grids.c.code == code).with_for_update())).first()
        if row is None or not _visible(who, row.district):
            raise _not_found(code)
        if not who.reaches(row.district):
            raise Problem(403, "forbidden", "Not your district's grid",
                          f"you assign grid workers in district {who.district} only")
        current = sorted((await session.execute(
            sa.select(grid_workers.c.subject).where(grid_workers.c.grid == code)))
            .scalars().all())
        if current != wanted:
            now = runtime.clock.now()
            await session.execute(grid_workers.delete().where(
                grid_workers.c.grid == code, grid_workers.c.subject.not_in(wanted)))
            if added := sorted(set(wanted) - set(current)):  # the others keep their assigned_at
                await session.execute(grid_workers.insert(), [
                    {"grid": code, "subject": subject, "assigned_at": now} for subject in added])
            row = (await session.execute(
                grids.update().where(grids.c.code == code)
                .values(version=grids.c.version + 1, updated_at=now).returning(*grids.c))).one()
            await uow.emit(_event(row, wanted), subject=code)
            await audit.record(session, audit.AuditEntry(
                at=now, actor=who.subject, role=_roles(who), action="assign_grid_workers",
                subject=f"grid:{code}", reason=f"{reason}: {', '.join(wanted) or 'none'}"))
        await uow.commit()
    return await read(runtime, who, code)


async def read(runtime: Runtime, who: Principal, code: str) -> GridRead:
    async with runtime.engine.connect() as conn:
        grid = await grid_with_path(conn, code)
    if grid is None or not _visible(who, grid.district):
        raise _not_found(code)
    return grid


async def children(runtime: Runtime, who: Principal, parent: str | None) -> list[GridRef]:
    """The grids right under `parent` (the city without it), in code order."""
    query = sa.select(grids.c.code, grids.c.name, grids.c.level).order_by(grids.c.code)
    query = query.where(grids.c.parent_code == parent if parent else grids.c.parent_code.is_(None))
    if not who.city_wide:
        query = query.where(sa.or_(grids.c.district.is_(None), grids.c.district == who.district))
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [GridRef(code=r.code, name=r.name, level=r.level) for r in rows]


async def coverage(runtime: Runtime, who: Principal, limit: int) -> Coverage:
    """R-ORG-1 coverage: every employer in one grid, or listed with why it is not yet."""
    scope = employers.c.district == who.district if not who.city_wide else sa.true()
    first_decision = (
        sa.select(employer_penalties.c.decision_number, employer_penalties.c.recorded_at)
        .where(employer_penalties.c.credit_code == employers.c.credit_code)
        .order_by(employer_penalties.c.recorded_at).limit(1).lateral("first_decision"))
    async with runtime.engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
        total, placed = (await conn.execute(
            sa.select(sa.func.count(), sa.func.count(employers.c.grid)).where(scope))).one()
        unplaced = (await conn.execute(
            sa.select(employers.c.credit_code, employers.c.name, employers.c.district,
                      employers.c.legacy_grid, employers.c.created_at,
                      first_decision.c.decision_number, first_decision.c.recorded_at)
            .select_from(employers.outerjoin(first_decision, sa.true()))
            .where(scope, employers.c.grid.is_(None))
            .order_by(employers.c.created_at, employers.c.credit_code).limit(limit))).all()
        lonely = sa.select(grids.c.code, grids.c.name, grids.c.level).where(
            grids.c.level == rules.Level.VILLAGE.value, grids.c.active,
            ~sa.exists().where(grid_workers.c.grid == grids.c.code)).order_by(grids.c.code)
        if not who.city_wide:
            lonely = lonely.where(grids.c.district == who.district)
        without_workers = (await conn.execute(lonely.limit(limit))).all()
    return Coverage(
        employers_total=total, with_grid=placed, without_grid=total - placed,
        unplaced=[Unplaced(credit_code=r.credit_code, name=r.name, district=r.district,
                           why=_why(r)) for r in unplaced],
        grids_without_workers=[GridRef(code=r.code, name=r.name, level=r.level)
                               for r in without_workers])


def _why(row: sa.Row) -> str:  # type: ignore[type-arg]
    if row.legacy_grid is not None:
        return (f"its grid {row.legacy_grid!r} was named before the grid tree; assign a "
                "village grid")
    if row.decision_number is not None:
        return (f"registered by penalty decision {row.decision_number} on "
                f"{row.recorded_at.date().isoformat()}; no grid assigned yet")
    return f"registered on {row.created_at.date().isoformat()} without a grid"
