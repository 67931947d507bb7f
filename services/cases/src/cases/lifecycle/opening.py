"""Opening cases from accepted complaints (R-CASE-1, R-CASE-3, R-INT-6): a new case, or the
complaint joins the employer's open case; either registers at once when R-CASE-3 holds."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.tracing import current_traceparent

from cases.casefile.base import Actor
from cases.casefile.model import CaseFile
from cases.casefile.repository import SqlCaseFiles
from cases.lifecycle.models import case_complaints
from cases.settings import CasesSettings

log = logging.getLogger(__name__)

# Built once: the path every accepted complaint takes.
_case_of_complaint = sa.select(case_complaints.c.case_id).where(
    case_complaints.c.complaint_id == sa.bindparam("complaint_id"))


async def open_from_complaint(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                              event: Envelope, data: ComplaintAccepted) -> str | None:
    """Open a case for an accepted complaint, or join the employer's open case (R-INT-6); either
    registers at once when R-CASE-3 holds.

    Returns the case id, or None when the complaint already has a case (a redelivery under
    another event id changes nothing either).
    """
    existing = (await uow.session.execute(
        _case_of_complaint, {"complaint_id": data.complaint_id})).scalar_one_or_none()
    if existing is not None:
        log.info("complaint %s already has case %s", data.complaint_id, existing)
        return None
    files = SqlCaseFiles(uow, settings, calendar)
    actor = Actor.service(event.source)
    joined = await files.open_case_of(data)
    if joined is not None:
        joined.join(files.desk(), actor, data)
        await files.save(joined)
        return joined.id
    case_file = CaseFile.open(files.desk(), actor, data, current_traceparent())
    await files.add(case_file)
    return case_file.id


