"""Repair-notice use cases: show a repair's public notice, take objections while it is open
(each one stops the repair: `publish.objection.filed.v1`), record the outcome."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import RepairConcluded, RepairNoticeStarted
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_contracts.publish import ObjectionFiled
from labor_runtime import audit
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from publish.repair_notices import rules
from publish.repair_notices.models import repair_notices, repair_objections
from publish.repair_notices.schemas import (
    ObjectionCreate,
    ObjectionReceipt,
    ObjectionView,
    RepairNoticePage,
    RepairNoticeView,
)
from publish.settings import PublishRuntime, PublishSettings


def contact_aad(objection_id: str) -> str:
    return f"repair_objections.contact:{objection_id}"


async def start_notice(uow: UnitOfWork, event: Envelope, data: RepairNoticeStarted) -> None:
    """R-CRD-5: the repair is on the public site for its notice period; once per repair."""
    await uow.session.execute(insert(repair_notices).values(
        repair_id=data.repair_id, entry_id=data.entry_id, credit_code=data.credit_code,
        employer_name=data.employer_name, summary=data.summary,
        notice_starts_at=data.notice_starts_at, notice_ends_at=data.notice_ends_at,
        published_at=uow.clock.now(), source_event_id=event.id, district=data.district)
        .on_conflict_do_nothing(index_elements=["repair_id"]))


async def conclude(uow: UnitOfWork, data: RepairConcluded) -> None:
    """The notice shows the outcome and takes no more objections. A repair refused before its
    notice has none: nothing to show."""
    await uow.session.execute(repair_notices.update().where(
        repair_notices.c.repair_id == data.repair_id, repair_notices.c.outcome.is_(None))
        .values(outcome=data.outcome, outcome_reason=data.reason,
                concluded_at=data.concluded_at))


_objections = (sa.select(sa.func.count()).where(
    repair_objections.c.repair_id == repair_notices.c.repair_id)
    .correlate(repair_notices).scalar_subquery().label("objections"))


def _view(row: Any, runtime: Runtime) -> RepairNoticeView:
    state = rules.status(runtime.clock.now(), starts_at=row.notice_starts_at,
                         ends_at=row.notice_ends_at, outcome=row.outcome)
    return RepairNoticeView(
        id=row.repair_id, credit_code=row.credit_code, employer_name=row.employer_name,
        summary=row.summary, notice_starts_at=row.notice_starts_at,
        notice_ends_at=row.notice_ends_at, status=state, outcome_reason=row.outcome_reason,
        concluded_at=row.concluded_at, objections=row.objections)


async def public_page(runtime: Runtime, *, page: int, page_size: int,
                      credit_code: str | None) -> RepairNoticePage:
    where = [repair_notices.c.notice_starts_at <= runtime.clock.now()]
    if credit_code:
        where.append(repair_notices.c.credit_code == credit_code.strip().upper())
    async with runtime.engine.connect() as conn:
        total = (await conn.execute(sa.select(sa.func.count()).select_from(repair_notices)
                                    .where(*where))).scalar_one()
        rows = (await conn.execute(
            sa.select(repair_notices, _objections).where(*where)
            .order_by(repair_notices.c.notice_starts_at.desc(), repair_notices.c.repair_id)
            .offset((page - 1) * page_size).limit(page_size))).all()
    return RepairNoticePage(items=[_view(r, runtime) for r in rows], page=page,
                            page_size=page_size, total=total)


async def public_one(runtime: Runtime, repair_id: str) -> RepairNoticeView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(repair_notices, _objections).where(
            repair_notices.c.repair_id == repair_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such repair notice")
    return _view(row, runtime)


def _origin_key(settings: PublishSettings) -> bytes:
    """The rate limit's key, from the service's active field key (the same on every replica)."""
    keys = json.loads(settings.field_encryption_keys)
    return hashlib.sha256(b"repair_objections.origin:" +
                          base64.b64decode(keys[settings.field_encryption_active_key])).digest()


async def _within_rate(session: AsyncSession, origin: str, now: datetime, limit: int) -> None:
    await session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:o))"), {"o": origin})
    filed = (await session.execute(sa.select(repair_objections.c.filed_at).where(
        repair_objections.c.origin == origin,
        repair_objections.c.filed_at > now - rules.RATE_WINDOW))).scalars().all()
    wait = rules.retry_after(list(filed), now, limit)
    if wait is not None:
        problem = Problem(429, "too-many-objections", "Too many objections from your address",
                          f"at most {limit} objections an hour are taken from one address; "
                          f"try again in {wait} seconds")
        problem.headers["Retry-After"] = str(wait)
        raise problem


async def file_objection(runtime: PublishRuntime, repair_id: str, body: ObjectionCreate,
                         address: str) -> ObjectionReceipt:
    """R-PUB-5: anyone objects while the notice is open; the repair stops until a reviewer
    handles it (credit hears `publish.objection.filed.v1`, committed with the objection)."""
    settings = runtime.settings
    origin = rules.origin_tag(address, _origin_key(settings))
    async with runtime.uow() as uow:
        now = uow.clock.now()
        # Locked so that an objection and the repair's conclusion never cross.
        row = (await uow.session.execute(sa.select(repair_notices).where(
            repair_notices.c.repair_id == repair_id).with_for_update())).first()
        if row is None:
            raise Problem(404, "not-found", "No such repair notice")
        refused = rules.objection_refused(rules.status(
            now, starts_at=row.notice_starts_at, ends_at=row.notice_ends_at,
            outcome=row.outcome))
        if refused:
            raise Problem(409, "notice-closed", "Objections are not taken now", refused,
                          notice_ends_at=row.notice_ends_at.isoformat())
        await _within_rate(uow.session, origin, now, settings.objections_per_address_per_hour)
        objection_id = new_id()
        contact = None
        if body.contact and body.contact.strip():
            contact = runtime.cipher.encrypt(body.contact.strip(), contact_aad(objection_id))
        await uow.session.execute(repair_objections.insert().values(
            id=objection_id, repair_id=repair_id, grounds=body.grounds, contact_enc=contact,
            origin=origin, filed_at=now))
        await uow.emit(ObjectionFiled(objection_id=objection_id, repair_id=repair_id,
                                      credit_code=row.credit_code, grounds=body.grounds,
                                      filed_at=now), subject=repair_id)
        await uow.commit()
    return ObjectionReceipt(id=objection_id, repair_id=repair_id, filed_at=now)


async def objections_of(runtime: Runtime, who: Principal,
                        repair_id: str) -> list[ObjectionView]:
    """The objections with the objectors' contacts, for the reviewer who handles them; the read
    of personal data is audited (R-OVS-2)."""
    async with runtime.uow() as uow:
        notice = (await uow.session.execute(sa.select(repair_notices.c.district).where(
            repair_notices.c.repair_id == repair_id))).first()
        # Another district's objectors are as unknown as a missing notice (OWASP API1).
        if notice is None or not who.reaches(notice.district):
            raise Problem(404, "not-found", "No such repair notice")
        rows = (await uow.session.execute(
            sa.select(repair_objections).where(repair_objections.c.repair_id == repair_id)
            .order_by(repair_objections.c.filed_at, repair_objections.c.id))).all()
        views = [ObjectionView(
            id=r.id, repair_id=r.repair_id, grounds=r.grounds, filed_at=r.filed_at,
            contact=None if r.contact_enc is None
            else runtime.cipher.decrypt(r.contact_enc, contact_aad(r.id))) for r in rows]
        if any(v.contact is not None for v in views):
            await audit.record(uow.session, audit.AuditEntry(
                at=uow.clock.now(), actor=who.subject, role=",".join(sorted(who.roles)),
                action="read_personal_data", subject=f"repair:{repair_id}",
                reason="objectors' contacts, to handle the objections (R-PUB-5)"))
        await uow.commit()
    return views
