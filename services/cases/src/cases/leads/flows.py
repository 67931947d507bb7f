"""Inspection-lead use cases: the district's officers list, take up or dismiss leads (audited);
a lead whose warning was cleared is dismissed by the system."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_runtime import audit
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from cases.leads.models import inspection_leads
from cases.leads.schemas import LeadRead, LeadState

CAUSE_ENDED = "system:cause_ended"


async def cause_ended(session: AsyncSession, *, warning_id: str, reason: str,
                      at: datetime) -> None:
    """Dismiss the open lead of a cleared warning; a lead taken up stays with its officer. The
    lead must exist: a clear overtaking its raise is retried until the raise has arrived."""
    state = (await session.execute(
        sa.select(inspection_leads.c.state).where(inspection_leads.c.kind == "warning",
                                                  inspection_leads.c.ref == warning_id)
        .with_for_update())).scalar_one_or_none()
    if state is None:
        raise LookupError(f"no lead of warning {warning_id} yet")
    if state == LeadState.OPEN:
        await session.execute(inspection_leads.update().where(
            inspection_leads.c.kind == "warning", inspection_leads.c.ref == warning_id)
            .values(state=LeadState.DISMISSED.value, dismissed_by=CAUSE_ENDED, decided_at=at,
                    reason=reason))


async def listed(runtime: Runtime[Any], who: Principal, *, state: LeadState | None,
                 limit: int) -> list[LeadRead]:
    """Leads newest first; staff below the city see their district's only."""
    query = sa.select(inspection_leads)
    if not who.city_wide:
        query = query.where(inspection_leads.c.district == who.district)
    if state is not None:
        query = query.where(inspection_leads.c.state == state.value)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query.order_by(inspection_leads.c.opened_at.desc(),
                                                  inspection_leads.c.id.desc()).limit(limit))).all()
    return [LeadRead.model_validate(row, from_attributes=True) for row in rows]


async def decide(runtime: Runtime[Any], who: Principal, lead_id: str, *, take: bool,
                 reason: str) -> LeadRead:
    """Take up or dismiss an open lead of the officer's district, with the reason (audited)."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        lead = (await uow.session.execute(sa.select(inspection_leads).where(
            inspection_leads.c.id == lead_id).with_for_update())).first()
        if lead is None or not who.reaches(lead.district):
            raise Problem(404, "not-found", "Lead not found",
                          f"no inspection lead {lead_id} in your district")
        if lead.state != LeadState.OPEN:
            raise Problem(409, "lead-decided", "Lead already decided",
                          f"lead {lead_id} is {lead.state}: only an open lead is taken up or "
                          "dismissed", state=lead.state)
        decision: dict[str, Any] = (
            {"state": LeadState.TAKEN.value, "taken_by": who.subject} if take
            else {"state": LeadState.DISMISSED.value, "dismissed_by": who.subject})
        row = (await uow.session.execute(inspection_leads.update().where(
            inspection_leads.c.id == lead_id).values(decided_at=now, reason=reason, **decision)
            .returning(*inspection_leads.c))).one()
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role=",".join(sorted(who.roles)),
            action="take_lead" if take else "dismiss_lead", subject=f"lead:{lead_id}",
            reason=reason))
        await uow.commit()
    return LeadRead.model_validate(row, from_attributes=True)
