"""Staff list of complaints with masked identities (R-INT-7), district-scoped, audited (R-OVS-2)."""

from __future__ import annotations

import sqlalchemy as sa
from labor_runtime import audit
from labor_runtime.crypto import DecryptionError, mask
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal

from intake.complaints.models import complaints
from intake.privacy.schemas import ComplaintList, ComplaintListItem

UNREADABLE = "***"


def _masked(runtime: Runtime, token: str, aad: str) -> str:
    try:
        return mask(runtime.cipher.decrypt(token, aad))
    except DecryptionError:  # a key not configured here: show nothing rather than fail the list
        return UNREADABLE


async def list_complaints(runtime: Runtime, staff: Principal, *, status: str | None, limit: int,
                          offset: int) -> ComplaintList:
    statement = sa.select(complaints)
    if not staff.city_wide:
        statement = statement.where(complaints.c.district == staff.district)
    if status is not None:
        statement = statement.where(complaints.c.status == status)
    statement = statement.order_by(complaints.c.received_at.desc(), complaints.c.id)
    async with runtime.uow() as uow:
        rows = (await uow.session.execute(statement.limit(limit + 1).offset(offset))).all()
        await audit.record(uow.session, audit.AuditEntry(
            at=runtime.clock.now(), actor=staff.subject, role=",".join(sorted(staff.roles)),
            action="list_complaints_masked", subject=f"district:{staff.district or 'city'}",
            reason=f"status={status or 'any'} offset={offset} limit={limit}"))
        await uow.commit()
    items = [ComplaintListItem(
        complaint_id=r.id, status=r.status, channel=r.channel, district=r.district,
        employer_name=r.employer_name, employer_credit_code=r.employer_credit_code,
        employer_id=r.employer_id, project=r.project, worker_count=r.worker_count,
        arrears_amount=r.arrears_amount,
        complainant_name=_masked(runtime, r.complainant_name_enc, f"complaints.name:{r.id}"),
        complainant_phone=_masked(runtime, r.complainant_phone_enc, f"complaints.phone:{r.id}"),
        received_at=r.received_at) for r in rows[:limit]]
    return ComplaintList(items=items, next_offset=offset + limit if len(rows) > limit else None)
