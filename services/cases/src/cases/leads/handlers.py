"""How cases reacts to credit: a warning (R-CRD-3) or a deposit finding (R-CRD-6) opens an
inspection lead; a cleared warning dismisses its lead while nobody has taken it up."""

from __future__ import annotations

from labor_contracts.credit import DepositMissing, WageWarningCleared, WageWarningRaised
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler
from sqlalchemy.dialects.postgresql import insert

from cases.leads import flows
from cases.leads.models import inspection_leads


async def on_warning_raised(uow: UnitOfWork, event: Envelope, data: WageWarningRaised) -> None:
    await _open(uow, event, kind="warning", ref=data.warning_id, credit_code=data.credit_code,
                employer_name=data.employer_name, district=data.district, grid=data.grid,
                level=data.level, summary=f"{data.level} wage warning ({data.cause}, "
                f"{data.period}): {'; '.join(data.evidence)}")


async def on_deposit_missing(uow: UnitOfWork, event: Envelope, data: DepositMissing) -> None:
    await _open(uow, event, kind="deposit", ref=data.finding_id, credit_code=data.credit_code,
                employer_name=data.employer_name, district=data.district, grid=data.grid,
                level=None, summary=f"project {data.project_id} ({data.project_name}) without "
                f"a valid wage guarantee deposit: {data.reason}")


async def on_warning_cleared(uow: UnitOfWork, event: Envelope, data: WageWarningCleared) -> None:
    await flows.cause_ended(uow.session, warning_id=data.warning_id, reason=data.reason,
                            at=uow.clock.now())


async def _open(uow: UnitOfWork, event: Envelope, **lead: str | None) -> None:
    """Once per event and per warning or finding (a redelivery or a re-announcement is one)."""
    await uow.session.execute(insert(inspection_leads).values(
        id=new_id(), source_event_id=event.id, opened_at=uow.clock.now(), state="open",
        **lead).on_conflict_do_nothing())


HANDLERS: dict[str, EventHandler] = {
    WageWarningRaised.event_type: on_warning_raised,
    WageWarningCleared.event_type: on_warning_cleared,
    DepositMissing.event_type: on_deposit_missing,
}
