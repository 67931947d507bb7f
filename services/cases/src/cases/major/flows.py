"""Major-case use cases: trigger check (R-MAJ-1), the emergency response record and its milestone
clocks (R-MAJ-2), milestones done, missed milestones, follow-up sanctions (R-MAJ-3)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import (
    MajorCaseSanctions,
    MajorCaseTriggered,
    MajorMilestoneDue,
    MajorMilestoneMissed,
    Sanction,
)
from labor_contracts.common import EmployerRef
from labor_contracts.identifiers import new_id
from labor_runtime import audit, timers
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.timers import Timer
from sqlalchemy.ext.asyncio import AsyncSession

from cases.casefile import queries
from cases.casefile.base import Actor
from cases.lifecycle.flows import (
    check_district,
    note_on_timeline,
    readable_case,
    staff_case,
)
from cases.major import rules
from cases.major.models import major_cases, major_incidents, major_milestones, major_sanctions
from cases.major.rules import IncidentKind, MajorThresholds, Milestone, PartyRole
from cases.major.schemas import (
    IncidentOutcome,
    IncidentReport,
    IncidentView,
    MajorCaseView,
    MilestoneDone,
    MilestoneView,
    SanctionsRequest,
    SanctionView,
    TaskForce,
    TaskForceMember,
)
from cases.settings import CasesRuntime, CasesSettings

log = logging.getLogger(__name__)

Row = sa.Row[Any]
TIMER_PREFIX = "cases.major."


def timer_kind(milestone: Milestone) -> str:
    """Each milestone its own timer kind, so dashboards count missed milestones by name."""
    return f"{TIMER_PREFIX}{milestone}"


def thresholds(settings: CasesSettings) -> MajorThresholds:
    return MajorThresholds(settings.major_case_workers, settings.major_case_amount,
                           settings.major_case_online_views)


async def _audit(session: AsyncSession, *, actor: Actor, at: datetime, action: str, subject: str,
                 reason: str) -> None:
    """R-OVS-2: every decision of the emergency response is audited."""
    await audit.record(session, audit.AuditEntry(at=at, actor=actor.subject, role=actor.role,
                                                 action=action, subject=subject, reason=reason))


# Trigger ----------------------------------------------------------------------------------------


_case = queries.case_by_id("the_case")
_incidents_of_case = sa.select(
    sa.func.coalesce(sa.func.max(major_incidents.c.worker_count), 0).label("incident_workers"),
    sa.func.coalesce(sa.func.max(major_incidents.c.amount), 0).label("incident_amount"),
    sa.func.coalesce(sa.func.max(major_incidents.c.views), 0).label("incident_views"),
    sa.func.array_agg(sa.distinct(major_incidents.c.kind)).label("incident_kinds"),
).where(major_incidents.c.case_id == _case.c.id).lateral("incidents")
# The case, its major case if any, and what was reported about it: one statement per check.
_trigger_figures = (
    sa.select(_case, major_cases.c.id.label("major_case_id"), _incidents_of_case)
    .select_from(_case.outerjoin(major_cases, major_cases.c.case_id == _case.c.id)
                 .join(_incidents_of_case, sa.true())))


async def trigger_figures(session: AsyncSession, case_id: str) -> Row:
    """The case's row with `major_case_id` and the largest figures of its incidents."""
    return (await session.execute(_trigger_figures, {"case_id": case_id})).one()


def grounds_of(settings: CasesSettings, figures: Row) -> list[str]:
    """R-MAJ-1 on the case's figures and every incident reported about it (`trigger_figures`)."""
    return rules.major_case_grounds(
        worker_count=max(figures.worker_count, figures.incident_workers),
        arrears_amount=max(figures.arrears_amount, figures.incident_amount),
        online_views=figures.incident_views,
        incidents={IncidentKind(k) for k in figures.incident_kinds or []},
        thresholds=thresholds(settings))


async def check_triggers(uow: UnitOfWork, settings: CasesSettings, *, case_id: str,
                         actor: Actor) -> str | None:
    """Open the emergency response when R-MAJ-1 holds and the case has none yet; returns its id.

    Called when a case is opened (the complaint's figures) and when staff report an incident.
    """
    figures = await trigger_figures(uow.session, case_id)
    if figures.major_case_id is not None:
        return None
    grounds = grounds_of(settings, figures)
    if not grounds:
        return None
    return await _open(uow, settings, case=figures, grounds=grounds, actor=actor)


async def _open(uow: UnitOfWork, settings: CasesSettings, *, case: Row, grounds: list[str],
                actor: Actor) -> str:
    session = uow.session
    now = uow.clock.now()
    major_case_id = new_id()
    schedule = rules.milestone_schedule(now, settings.major_milestone_clocks())
    await session.execute(major_cases.insert().values(
        id=major_case_id, case_id=case.id, district=case.district, grounds=grounds,
        triggered_at=now, triggered_by=actor.subject, task_force=[]))
    await session.execute(major_milestones.insert(), [
        {"major_case_id": major_case_id, "milestone": m.value, "due_at": due} for m, due in schedule])
    await timers.start(session, [(timer_kind(m), due) for m, due in schedule],
                       subject=major_case_id, now=now)
    reason = "R-MAJ-1 major case: " + "; ".join(grounds)
    await note_on_timeline(session, case, action="major_case_triggered", actor=actor, at=now,
                            reason=reason)
    await _audit(session, actor=actor, at=now, action="major_case.trigger",
                 subject=f"case:{case.id}", reason=reason)
    await uow.emit(MajorCaseTriggered(
        major_case_id=major_case_id, case_id=case.id, district=case.district,
        employer=EmployerRef(credit_code=case.employer_credit_code, name=case.employer_name,
                             address=case.employer_address),
        grounds=grounds, triggered_at=now,
        milestones=[MajorMilestoneDue(milestone=m, due_at=due) for m, due in schedule]),
        subject=case.id)
    log.info("case %s is major (%s)", case.id, major_case_id)
    return major_case_id


async def report_incident(runtime: CasesRuntime, who: Principal, case_id: str,
                          body: IncidentReport) -> IncidentOutcome:
    """Staff report an incident (road blocking, views, ...); R-MAJ-1 is checked again."""
    settings = runtime.settings
    actor = Actor.staff(who, _acting_role(who))
    incident_id = new_id()
    async with runtime.uow() as uow:
        now = uow.clock.now()
        await staff_case(uow, who, case_id)
        await uow.session.execute(major_incidents.insert().values(
            id=incident_id, case_id=case_id, kind=body.kind, views=body.views,
            worker_count=body.worker_count, amount=body.amount, note=body.note,
            reported_by=who.subject, reported_at=now))
        await _audit(uow.session, actor=actor, at=now, action="major_case.incident_reported",
                     subject=f"case:{case_id}", reason=f"{body.kind}: {body.note}".rstrip(": "))
        major_case_id = await check_triggers(uow, settings, case_id=case_id, actor=actor)
        grounds = grounds_of(settings, await trigger_figures(uow.session, case_id))
        await uow.commit()
    existing = major_case_id
    if existing is None:
        async with runtime.engine.connect() as conn:
            existing = (await conn.execute(sa.select(major_cases.c.id).where(
                major_cases.c.case_id == case_id))).scalar_one_or_none()
    view = await major_case_view(runtime, who, existing) if existing else None
    incident = next(i for i in (view.incidents if view else await _incidents(runtime, case_id))
                    if i.incident_id == incident_id)
    return IncidentOutcome(incident=incident, grounds=grounds, major_case=view,
                           newly_triggered=major_case_id is not None)


def _acting_role(who: Principal) -> str:
    """The most senior of the caller's roles, recorded with what they did."""
    for role in ("detachment_chief", "brigade_chief", "officer_a", "grid_worker"):
        if role in who.roles:
            return role
    return sorted(who.roles)[0]


# Task force, milestones, sanctions ---------------------------------------------------------------


def no_such_major_case(major_case_id: str) -> Problem:
    return Problem(404, "not-found", "No such major case", f"no major case {major_case_id}")


async def _lock_major(session: AsyncSession, who: Principal, major_case_id: str) -> Row:
    row = (await session.execute(sa.select(major_cases).where(major_cases.c.id == major_case_id)
                                 .with_for_update())).first()
    if row is None:
        raise no_such_major_case(major_case_id)
    check_district(who, row, no_such_major_case(major_case_id))
    return row


async def set_task_force(runtime: CasesRuntime, who: Principal, major_case_id: str,
                         body: TaskForce) -> MajorCaseView:
    """Record the "1+6" task force members (R-MAJ-2)."""
    actor = Actor.staff(who, _acting_role(who))
    async with runtime.uow() as uow:
        now = uow.clock.now()
        await _lock_major(uow.session, who, major_case_id)
        members = [m.model_dump(mode="json") for m in body.members]
        await uow.session.execute(major_cases.update().where(major_cases.c.id == major_case_id)
                                  .values(task_force=members))
        summary = ", ".join(f"{m.agency}: {m.name}" for m in body.members)
        await _audit(uow.session, actor=actor, at=now, action="major_case.task_force",
                     subject=f"major_case:{major_case_id}", reason=summary)
        await uow.commit()
    return await major_case_view(runtime, who, major_case_id)


async def record_milestone(runtime: CasesRuntime, who: Principal, major_case_id: str,
                           milestone: Milestone, body: MilestoneDone) -> MajorCaseView:
    """A milestone reached: who, when and the evidence; its clock stops (late if it already fired)."""
    actor = Actor.staff(who, _acting_role(who))
    async with runtime.uow() as uow:
        now = uow.clock.now()
        major = await _lock_major(uow.session, who, major_case_id)
        row = (await uow.session.execute(sa.select(major_milestones).where(
            major_milestones.c.major_case_id == major_case_id,
            major_milestones.c.milestone == milestone))).one()
        if row.done_at is not None:
            raise Problem(409, "milestone-done", "Milestone already recorded",
                          f"{milestone} was recorded by {row.done_by} at {row.done_at.isoformat()}")
        await uow.session.execute(major_milestones.update().where(
            major_milestones.c.major_case_id == major_case_id,
            major_milestones.c.milestone == milestone).values(
            done_at=now, done_by=who.subject, evidence_note=body.evidence_note))
        on_time = await timers.complete(uow.session, kind=timer_kind(milestone),
                                        subject=major_case_id, now=now)
        reason = f"{milestone} {'on time' if on_time else 'late'}: {body.evidence_note}"
        case = (await uow.session.execute(sa.select(_case), {"case_id": major.case_id})).one()
        uow.continue_trace(case.traceparent)
        await note_on_timeline(uow.session, case, action=f"major_milestone_{milestone}",
                                actor=actor, at=now, reason=reason)
        await _audit(uow.session, actor=actor, at=now, action=f"major_case.milestone.{milestone}",
                     subject=f"major_case:{major_case_id}", reason=reason)
        await uow.commit()
    return await major_case_view(runtime, who, major_case_id)


async def milestone_missed(uow: UnitOfWork, timer: Timer) -> None:
    """Timer handler: a milestone clock ran out unmet → alert (R-MAJ-2)."""
    milestone = Milestone(timer.kind.removeprefix(TIMER_PREFIX))
    now = uow.clock.now()
    major = (await uow.session.execute(sa.select(major_cases).where(
        major_cases.c.id == timer.subject))).one()
    await uow.session.execute(major_milestones.update().where(
        major_milestones.c.major_case_id == timer.subject,
        major_milestones.c.milestone == milestone).values(missed_at=now))
    await timers.emit_overdue(uow, timer)
    await uow.emit(MajorMilestoneMissed(
        major_case_id=major.id, case_id=major.case_id, district=major.district,
        milestone=milestone, description=rules.MILESTONE_DESCRIPTIONS[milestone],
        due_at=timer.due_at, fired_at=now), subject=major.case_id)
    log.warning("major case %s missed milestone %s", major.id, milestone)


TIMER_HANDLERS = {timer_kind(m): milestone_missed for m in Milestone}


async def impose_sanctions(runtime: CasesRuntime, who: Principal, major_case_id: str,
                           body: SanctionsRequest) -> MajorCaseView:
    """R-MAJ-3 follow-up: bid ban and downgrade of developer and general contractor, construction
    market ban of team leaders and foremen; emitted for credit and the partners."""
    settings = runtime.settings
    actor = Actor.staff(who, "detachment_chief")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        major = await _lock_major(uow.session, who, major_case_id)
        if major.sanctions_at is not None:
            raise Problem(409, "sanctions-imposed", "Sanctions already imposed",
                          f"the follow-up sanctions were recorded at {major.sanctions_at.isoformat()}")
        starts_on = body.starts_on or runtime.calendar.local_date(now)
        parties: list[tuple[PartyRole, str, str | None]] = [
            (PartyRole.DEVELOPER, body.developer.name, body.developer.credit_code),
            (PartyRole.GENERAL_CONTRACTOR, body.general_contractor.name,
             body.general_contractor.credit_code),
            *((PartyRole(p.role), p.name, None) for p in body.individuals)]
        sanctions = []
        for role, name, credit_code in parties:
            term = rules.sanction_term(role, starts_on=starts_on,
                                       bid_ban_months=settings.major_bid_ban_months,
                                       market_ban_years=settings.major_market_ban_years)
            sanctions.append(Sanction(party_role=role, name=name, credit_code=credit_code,
                                      measures=list(term.measures), starts_on=term.starts_on,
                                      ends_on=term.ends_on))
        await uow.session.execute(major_sanctions.insert(), [
            {"id": new_id(), "major_case_id": major_case_id, **s.model_dump(mode="python")}
            for s in sanctions])
        await uow.session.execute(major_cases.update().where(major_cases.c.id == major_case_id)
                                  .values(sanctions_at=now))
        case = (await uow.session.execute(sa.select(_case), {"case_id": major.case_id})).one()
        uow.continue_trace(case.traceparent)
        reason = "R-MAJ-3 follow-up: " + "; ".join(
            f"{s.party_role} {s.name}: {', '.join(s.measures)} {s.starts_on}..{s.ends_on}"
            for s in sanctions)
        await note_on_timeline(uow.session, case, action="major_case_sanctions", actor=actor,
                                at=now, reason=reason)
        await _audit(uow.session, actor=actor, at=now, action="major_case.sanctions",
                     subject=f"major_case:{major_case_id}", reason=reason)
        await uow.emit(MajorCaseSanctions(
            major_case_id=major_case_id, case_id=case.id, case_number=case.case_number,
            district=case.district,
            employer=EmployerRef(credit_code=case.employer_credit_code, name=case.employer_name,
                                 address=case.employer_address),
            sanctions=sanctions, decided_by=who.subject, decided_at=now,
            authority=settings.authority_name), subject=case.id)
        await uow.commit()
    return await major_case_view(runtime, who, major_case_id)


# Reads ------------------------------------------------------------------------------------------


def _milestone_view(row: Row) -> MilestoneView:
    milestone = Milestone(row.milestone)
    if row.done_at is not None:
        status = "done" if row.done_at <= row.due_at else "done_late"
    else:
        status = "missed" if row.missed_at is not None else "open"
    return MilestoneView(milestone=milestone, description=rules.MILESTONE_DESCRIPTIONS[milestone],
                         due_at=row.due_at, status=status, done_at=row.done_at,
                         done_by=row.done_by, evidence_note=row.evidence_note,
                         missed_at=row.missed_at)


def _incident_view(row: Row) -> IncidentView:
    return IncidentView(incident_id=row.id, kind=row.kind, views=row.views,
                        worker_count=row.worker_count, amount=row.amount, note=row.note,
                        reported_by=row.reported_by, reported_at=row.reported_at)


async def _incidents(runtime: CasesRuntime, case_id: str) -> list[IncidentView]:
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(major_incidents).where(
            major_incidents.c.case_id == case_id).order_by(major_incidents.c.reported_at))).all()
    return [_incident_view(r) for r in rows]


async def major_case_view(runtime: CasesRuntime, who: Principal, major_case_id: str) -> MajorCaseView:
    async with runtime.engine.connect() as conn:
        major = (await conn.execute(sa.select(major_cases).where(
            major_cases.c.id == major_case_id))).first()
        if major is None:
            raise no_such_major_case(major_case_id)
        check_district(who, major, no_such_major_case(major_case_id))
        case = (await conn.execute(sa.select(_case.c.case_number, _case.c.employer_name),
                                   {"case_id": major.case_id})).one()
        milestones = (await conn.execute(sa.select(major_milestones).where(
            major_milestones.c.major_case_id == major_case_id)
            .order_by(major_milestones.c.due_at))).all()
        sanctions = (await conn.execute(sa.select(major_sanctions).where(
            major_sanctions.c.major_case_id == major_case_id)
            .order_by(major_sanctions.c.party_role, major_sanctions.c.name))).all()
    members = [TaskForceMember.model_validate(m) for m in major.task_force]
    return MajorCaseView(
        major_case_id=major.id, case_id=major.case_id, case_number=case.case_number,
        district=major.district, employer_name=case.employer_name, grounds=major.grounds,
        triggered_at=major.triggered_at, triggered_by=major.triggered_by, task_force=members,
        missing_agencies=rules.missing_agencies({m.agency.value for m in members}),
        milestones=[_milestone_view(m) for m in milestones],
        incidents=await _incidents(runtime, major.case_id),
        sanctions=[SanctionView(party_role=s.party_role, name=s.name, credit_code=s.credit_code,
                                measures=s.measures, starts_on=s.starts_on, ends_on=s.ends_on)
                   for s in sanctions],
        sanctions_at=major.sanctions_at)


async def major_case_of_case(runtime: CasesRuntime, who: Principal, case_id: str) -> MajorCaseView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        major_case_id = (await conn.execute(sa.select(major_cases.c.id).where(
            major_cases.c.case_id == case_id))).scalar_one_or_none()
    if major_case_id is None:
        raise Problem(404, "not-major", "Not a major case",
                      "no R-MAJ-1 trigger has held for this case")
    return await major_case_view(runtime, who, major_case_id)


async def find(runtime: CasesRuntime, who: Principal, *, open_only: bool, limit: int) -> list[MajorCaseView]:
    """Major cases, newest first; staff below the city see their district's only."""
    query = sa.select(major_cases.c.id).order_by(major_cases.c.triggered_at.desc()).limit(limit)
    if not who.city_wide:
        query = query.where(major_cases.c.district == who.district)
    if open_only:
        query = query.where(major_cases.c.id.in_(sa.select(major_milestones.c.major_case_id).where(
            major_milestones.c.done_at.is_(None))))
    async with runtime.engine.connect() as conn:
        ids = list((await conn.execute(query)).scalars())
    return [await major_case_view(runtime, who, i) for i in ids]
