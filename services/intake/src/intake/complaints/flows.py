"""Complaint use cases: each opens one unit of work and commits once."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.identifiers import new_id
from labor_contracts.intake import ComplaintAccepted, CorrectionNoticeIssued
from labor_runtime import audit, outbox, timers
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import PROBLEM_BASE, Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql as pg

from intake.channels.guard import ChannelClient
from intake.complaints.models import complaints
from intake.complaints.rules import (
    MATERIAL_LABELS,
    ComplaintStatus,
    missing_materials,
    new_tracking_code,
    provided_materials,
)
from intake.complaints.schemas import (
    BatchItem,
    BatchItemResult,
    ComplainantView,
    ComplaintCreate,
    ComplaintReceipt,
    ComplaintTextView,
    CorrectionNotice,
)
from intake.employers import flows as employer_flows
from intake.employers.rules import complaint_district
from intake.privacy.flows import (
    FREE_TEXT,
    complainant_names,
    free_text_aad,
    full_text,
    masked_note,
    seal,
)
from intake.privacy.rules import mask_optional, mask_personal_data
from intake.settings import IntakeRuntime

ASSIGNMENT = "intake.assignment"
PHONE_CONFIRMATION = "intake.phone_confirmation"
REGISTRATION_ANSWER = "intake.registration_answer"


NOTICE_TITLE = "One-time correction notice (一次性补正告知书)"


def correction_notice(missing: list[str]) -> CorrectionNotice:
    """R-INT-2: one notice naming every missing item, so the worker comes back at most once."""
    items = [MATERIAL_LABELS.get(m, m) for m in missing]
    return CorrectionNotice(title=NOTICE_TITLE, missing=missing, items=items,
                            detail="the complaint lacks: " + "; ".join(items))


# The hot path of intake in one statement, one round trip, atomic without BEGIN/COMMIT: the
# complaint (or nothing, if the idempotency key was used), its outbox event and its R-INT-3
# deadlines, the last two written by the runtime's fragments. Measured: ~7 round trips through
# the ORM unit of work cost 4x the throughput.
_ACCEPT = sa.text(
    """
    WITH complaint AS (
        INSERT INTO complaints (
            id, tracking_code, channel, channel_client, idempotency_key, request_sha256,
            complaint_type, status, employer_name, employer_credit_code, employer_address,
            district, worker_count, arrears_amount, suspected_crime, mass_incident, summary,
            complainant_name_enc, complainant_id_number_enc, complainant_phone_enc,
            missing_materials, employer_id, project, summary_enc, project_enc,
            employer_address_enc, received_at, updated_at)
        VALUES (
            :id, :tracking_code, :channel, :channel_client, :idempotency_key, :request_sha256,
            :complaint_type, :status, :employer_name, :employer_credit_code, :employer_address,
            :district, :worker_count, :arrears_amount, :suspected_crime, :mass_incident, :summary,
            :name_enc, :id_number_enc, :phone_enc, :missing, :employer_id, :project,
            :summary_enc, :project_enc, :employer_address_enc, :now, :now)
        ON CONFLICT (channel_client, idempotency_key) DO NOTHING
        RETURNING id
    ),""" + employer_flows.UPSERT_CTE + """,
    """ + outbox.insert_cte("event", body=employer_flows.EVENT_BODY_WITH_TOTALS,
                            from_=employer_flows.EVENT_FROM) + """,
    """ + timers.start_cte("deadlines", subject="complaint.id", from_="complaint") + """
    SELECT id FROM complaint
    """
).bindparams(outbox.BODY, sa.bindparam("missing", type_=pg.ARRAY(sa.Text)))


def _deadlines(runtime: IntakeRuntime, now: datetime) -> list[tuple[str, datetime]]:
    """R-INT-3: the three clocks that start when a complaint is accepted with its materials."""
    settings = runtime.settings
    return [
        (ASSIGNMENT, now + timedelta(hours=settings.assignment_within_hours)),
        (PHONE_CONFIRMATION, now + timedelta(hours=settings.phone_confirmation_within_hours)),
        (REGISTRATION_ANSWER, runtime.calendar.add_days(now, settings.registration_answer_within_days)),
    ]


async def accept(runtime: IntakeRuntime, client: ChannelClient, idempotency_key: str,
                 body: ComplaintCreate) -> tuple[ComplaintReceipt, bool]:
    """Accept a complaint exactly once per idempotency key; returns (receipt, replayed).

    Complete materials: `received`, ComplaintAccepted and the R-INT-3 clocks. Missing materials
    (R-INT-2): stored `awaiting_materials` with the one-time correction notice, which is also
    emitted (CorrectionNoticeIssued) for the channel to deliver; uploads later complete it.
    """
    settings = runtime.settings
    if body.complaint_type not in settings.required_materials:
        raise Problem(422, "unknown-complaint-type", "Unknown complaint type",
                      f"known types: {', '.join(sorted(settings.required_materials))}")
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    provided = provided_materials(
        has_identity=any(m.kind == "identity_proof" for m in body.materials),
        evidence_kinds=[m.kind for m in body.materials])
    missing = missing_materials(body.complaint_type, provided, settings.required_materials)

    now = runtime.clock.now()
    complaint_id = new_id()
    tracking_code = new_tracking_code()
    cipher = runtime.cipher
    person = body.complainant
    status = ComplaintStatus.AWAITING_MATERIALS if missing else ComplaintStatus.RECEIVED
    employer = await employer_flows.match_employer(  # R-INT-6
        runtime, credit_code=body.employer.credit_code, name=body.employer.name,
        address=body.employer.address)
    # R-ORG-1: against a registered employer, the register's district (where its grid is)
    district = complaint_district(employer.register_district, body.district)
    # R-INT-7: the free text leaves intake, and is stored, without the complainant in it; as filed
    # it is kept only encrypted, sealed here so the statement below stays one round trip
    names = [person.name]
    filed = {"summary": body.summary, "project": body.project,
             "employer_address": body.employer.address}
    masked = {column: mask_optional(text, names=names) for column, text in filed.items()}
    data: ComplaintAccepted | CorrectionNoticeIssued
    if missing:
        notice = correction_notice(missing)
        data = CorrectionNoticeIssued(complaint_id=complaint_id, tracking_code=tracking_code,
                                      channel=client.channel, missing=missing, items=notice.items,
                                      issued_at=now, district=district)
    else:
        data = ComplaintAccepted(
            complaint_id=complaint_id, channel=client.channel, received_at=now,
            employer=EmployerRef(credit_code=body.employer.credit_code, name=body.employer.name,
                                 address=masked["employer_address"]),
            district=district, worker_count=body.worker_count,
            arrears_amount=body.arrears_amount, suspected_crime=body.suspected_crime,
            mass_incident=body.mass_incident, summary=masked["summary"] or "",
            project=masked["project"], employer_id=employer.id, grid=employer.grid)
    _, event = outbox.outbox_row(source=settings.source, subject=complaint_id, time=now, data=data)
    deadlines = [] if missing else _deadlines(runtime, now)
    async with runtime.reader.connect() as conn:
        inserted = (await conn.execute(_ACCEPT, {
            "id": complaint_id, "tracking_code": tracking_code, "channel": client.channel,
            "channel_client": client.subject, "idempotency_key": idempotency_key,
            "request_sha256": request_hash, "complaint_type": body.complaint_type,
            "status": status, "employer_name": body.employer.name,
            "employer_credit_code": body.employer.credit_code,
            "employer_address": masked["employer_address"], "district": district,
            "worker_count": body.worker_count, "arrears_amount": body.arrears_amount,
            "suspected_crime": body.suspected_crime, "mass_incident": body.mass_incident,
            "summary": masked["summary"],
            "name_enc": cipher.encrypt(person.name, f"complaints.name:{complaint_id}"),
            "id_number_enc": cipher.encrypt(person.id_number, f"complaints.id_number:{complaint_id}"),
            "phone_enc": cipher.encrypt(person.phone, f"complaints.phone:{complaint_id}"),
            "missing": missing, "project": masked["project"], "now": now, **event,
            **{f"{column}_enc": seal(cipher, text, free_text_aad(column, complaint_id))
               for column, text in filed.items()},
            **timers.start_params(deadlines, now=now),
            **employer_flows.accept_params(employer, link=not missing)})).first()
    if inserted is None:
        # The key was used before: a channel's retry, or a concurrent duplicate that won.
        existing = await _by_key(runtime, client.subject, idempotency_key)
        assert existing is not None
        return _replay(existing, request_hash), True
    # The sweeper needs no wake (`timers.start_cte`): R-INT-3's deadlines are hours away.
    runtime.relay.wake()
    return receipt(complaint_id, tracking_code, status, now, missing), False


def receipt(complaint_id: str, tracking_code: str, status: str, received_at: datetime,
            missing: list[str]) -> ComplaintReceipt:
    return ComplaintReceipt(complaint_id=complaint_id, tracking_code=tracking_code, status=status,
                            received_at=received_at, missing=missing,
                            correction_notice=correction_notice(missing) if missing else None)


async def accept_batch(runtime: IntakeRuntime, client: ChannelClient,
                       items: list[BatchItem]) -> list[BatchItemResult]:
    """R-INT-5: an offline queue re-sent; each item applied exactly once by its own key, answered
    on its own (accepted, duplicate or rejected): a bad item never sinks the others."""
    results = []
    for index, item in enumerate(items):
        try:
            if not 8 <= len(item.idempotency_key) <= 128:
                raise Problem(422, "invalid-idempotency-key", "Invalid idempotency key",
                              "an item's idempotency_key has 8 to 128 characters")
            body = ComplaintCreate.model_validate(item.complaint)
            done, replayed = await accept(runtime, client, item.idempotency_key, body)
        except ValidationError as exc:
            errors = [{"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"],
                       "type": e["type"]} for e in exc.errors()]
            results.append(BatchItemResult(
                index=index, idempotency_key=item.idempotency_key, outcome="rejected",
                problem={"type": PROBLEM_BASE + "validation-failed", "status": 422,
                         "title": "Request failed validation",
                         "detail": "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5]),
                         "errors": errors}))
            continue
        except Problem as problem:
            results.append(BatchItemResult(
                index=index, idempotency_key=item.idempotency_key, outcome="rejected",
                problem={"type": PROBLEM_BASE + problem.code, "status": problem.status,
                         "title": problem.title, "detail": problem.detail, **problem.extra}))
            continue
        results.append(BatchItemResult(index=index, idempotency_key=item.idempotency_key,
                                       outcome="duplicate" if replayed else "accepted",
                                       receipt=done))
    return results


async def complete_materials(uow: UnitOfWork, runtime: IntakeRuntime, row: sa.Row,  # type: ignore[type-arg]
                             missing: list[str]) -> str:
    """After an upload: record what the complaint still lacks; when nothing, accept it now
    (ComplaintAccepted, R-INT-3 clocks from this moment). Returns the complaint's status."""
    now = runtime.clock.now()
    if missing:
        await uow.session.execute(complaints.update().where(complaints.c.id == row.id)
                                  .values(missing_materials=missing, updated_at=now))
        return str(row.status)
    await uow.session.execute(complaints.update().where(complaints.c.id == row.id).values(
        missing_materials=[], status=ComplaintStatus.RECEIVED, updated_at=now))
    # R-INT-6 totals, and R-ORG-1 the district (the register's, if registered) and grid
    linked = await employer_flows.link(uow.session, row, now, address=full_text(
        runtime.cipher, row, "employer_address"))
    names = complainant_names(runtime.cipher, row)  # R-INT-7 (a row not sealed yet is plain)
    await uow.emit(ComplaintAccepted(
        complaint_id=row.id, channel=row.channel, received_at=now,
        employer=EmployerRef(credit_code=row.employer_credit_code, name=row.employer_name,
                             address=mask_optional(row.employer_address, names=names)),
        worker_count=row.worker_count, arrears_amount=row.arrears_amount,
        suspected_crime=row.suspected_crime, mass_incident=row.mass_incident,
        summary=mask_personal_data(row.summary, names=names),
        project=mask_optional(row.project, names=names), **linked), subject=row.id)
    await timers.start(uow.session, _deadlines(runtime, now), subject=row.id, now=now)
    return ComplaintStatus.RECEIVED


def _replay(row: sa.Row, request_hash: str) -> ComplaintReceipt:  # type: ignore[type-arg]
    if row.request_sha256 != request_hash:
        raise Problem(409, "idempotency-key-reused", "Idempotency key reused",
                      "this Idempotency-Key was used for a different complaint; use a new key")
    return receipt(row.id, row.tracking_code, row.status, row.received_at,
                   list(row.missing_materials or []))


async def _by_key(runtime: Runtime, client: str, key: str) -> sa.Row | None:  # type: ignore[type-arg]
    async with runtime.reader.connect() as conn:
        return (await conn.execute(sa.select(complaints).where(
            complaints.c.channel_client == client, complaints.c.idempotency_key == key))).first()


async def status_by_tracking_code(runtime: Runtime, tracking_code: str) -> sa.Row:  # type: ignore[type-arg]
    async with runtime.reader.connect() as conn:
        row = (await conn.execute(sa.select(complaints).where(
            complaints.c.tracking_code == tracking_code))).first()
    if row is None:
        raise Problem(404, "not-found", "No complaint with this tracking code")
    return row


async def _audited_read(runtime: Runtime, staff: Principal, complaint_id: str, reason: str, *,
                        action: str) -> sa.Row:  # type: ignore[type-arg]
    """The complaint, for a handler of its district, the read recorded in the audit log (R-OVS-2)."""
    async with runtime.uow() as uow:
        row = (await uow.session.execute(sa.select(complaints).where(
            complaints.c.id == complaint_id))).first()
        if row is None or not staff.reaches(row.district):  # another district's: as unknown
            raise Problem(404, "not-found", "No such complaint")
        await audit.record(uow.session, audit.AuditEntry(
            at=runtime.clock.now(), actor=staff.subject, role=",".join(sorted(staff.roles)),
            action=action, subject=f"complaint:{complaint_id}",
            # masked as written: the log is append-only and hash-chained, so an entry is never
            # rewritten later (those written before masking stay as they are)
            reason=masked_note(runtime.cipher, row, reason)))
        await uow.commit()
    return row


async def read_complainant(runtime: Runtime, staff: Principal, complaint_id: str,
                           reason: str) -> ComplainantView:
    """Decrypt the worker's identity for a handler of the case; every read is audited (R-OVS-2)."""
    row = await _audited_read(runtime, staff, complaint_id, reason, action="read_complainant")
    cipher = runtime.cipher
    return ComplainantView(
        complaint_id=complaint_id,
        name=cipher.decrypt(row.complainant_name_enc, f"complaints.name:{complaint_id}"),
        id_number=cipher.decrypt(row.complainant_id_number_enc, f"complaints.id_number:{complaint_id}"),
        phone=cipher.decrypt(row.complainant_phone_enc, f"complaints.phone:{complaint_id}"),
    )


async def read_text(runtime: Runtime, staff: Principal, complaint_id: str,
                    reason: str) -> ComplaintTextView:
    """The free text unmasked, for a handler of the case; every read is audited (R-INT-7)."""
    row = await _audited_read(runtime, staff, complaint_id, reason, action="read_complaint_text")
    text = {column: full_text(runtime.cipher, row, column) for column in FREE_TEXT}
    return ComplaintTextView(complaint_id=complaint_id, summary=text["summary"] or "",
                             project=text["project"], employer_address=text["employer_address"])
