"""Staff list of complaints with masked identities (R-INT-7), district-scoped, audited (R-OVS-2)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from labor_runtime import audit
from labor_runtime.crypto import DecryptionError, FieldCipher, mask
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal

from intake.complaints.models import complaints
from intake.privacy.rules import mask_personal_data
from intake.privacy.schemas import ComplaintList, ComplaintListItem

UNREADABLE = "***"
# R-INT-7 free text of a complaint: stored masked, its original as ciphertext beside it
FREE_TEXT = ("summary", "project", "employer_address")


def seal(cipher: FieldCipher, text: str | None, aad: str) -> str | None:
    return None if text is None else cipher.encrypt(text, aad)


def free_text_aad(column: str, complaint_id: str) -> str:
    return f"complaints.{column}:{complaint_id}"


def description_aad(material_id: str) -> str:
    return f"materials.description:{material_id}"


def full_text(cipher: FieldCipher, row: Any, column: str) -> str | None:
    """A complaint's free text as filed: decrypted; the plain column of a row not sealed yet."""
    token = getattr(row, f"{column}_enc")
    if token is None:
        return getattr(row, column)  # type: ignore[no-any-return]
    return cipher.decrypt(token, free_text_aad(column, row.id))


def masked_note(cipher: FieldCipher, row: Any, note: str) -> str:
    """What staff typed about a complaint (a handling note, why they read it), as intake keeps it:
    the complainant's personal data masked (R-INT-7)."""
    return mask_personal_data(note, names=readable_names(cipher, row))


def complainant_names(cipher: FieldCipher, row: Any) -> list[str]:
    """The names a complaint's free text is masked for (R-INT-7): the complainant's, as filed."""
    return [cipher.decrypt(row.complainant_name_enc, f"complaints.name:{row.id}")]


def readable_names(cipher: FieldCipher, row: Any) -> list[str]:
    """`complainant_names`, or none under a key not configured here."""
    try:
        return complainant_names(cipher, row)
    except DecryptionError:
        return []


def masked_text(cipher: FieldCipher, row: Any, text: str | None) -> str | None:
    """Free text of a complaint as shown outside the complainant's readers (R-INT-7); nothing
    under a key not configured here, since the name it would be masked for is unreadable."""
    if not text:
        return text
    try:
        return mask_personal_data(text, names=complainant_names(cipher, row))
    except DecryptionError:
        return UNREADABLE


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
        employer_id=r.employer_id, project=masked_text(runtime.cipher, r, r.project),
        worker_count=r.worker_count, arrears_amount=r.arrears_amount,
        complainant_name=_masked(runtime, r.complainant_name_enc, f"complaints.name:{r.id}"),
        complainant_phone=_masked(runtime, r.complainant_phone_enc, f"complaints.phone:{r.id}"),
        received_at=r.received_at) for r in rows[:limit]]
    return ComplaintList(items=items, next_offset=offset + limit if len(rows) > limit else None)
