"""The case file on PostgreSQL: loaded and locked in one unit of work, saved as the rows that
changed and the records its commands left (timeline, audit log, timers, outbox at commit); and
the clerk who numbers, renders, signs and stores its documents."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import CaseRegistered
from labor_contracts.intake import ComplaintAccepted
from labor_runtime import audit, timers
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.rendering import DocumentContent
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from cases.casefile.base import (
    Actor,
    Announced,
    Audited,
    CaseComplaint,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineStarted,
    Decision,
    Desk,
    DocumentRef,
    Draft,
    Hearing,
    Payment,
    Proposal,
    RectificationOrder,
    Registered,
    RegistrationForm,
    Step,
    no_such_case,
)
from cases.casefile.model import CaseFile
from cases.documents import flows as documents
from cases.documents.models import document_services
from cases.documents.models import documents as documents_table
from cases.documents.rules import FilingKind, canonical_json, served_kind
from cases.evidence.models import evidence_items
from cases.execution.models import payments
from cases.lifecycle.flows import check_district
from cases.lifecycle.models import (
    case_complaints,
    case_timeline,
    cases,
    number_sequences,
    registration_forms,
)
from cases.lifecycle.rules import JOINABLE_STATES, CaseState, document_number
from cases.penalty.models import hearings, penalty_decisions, penalty_proposals
from cases.rectification.models import rectification_orders
from cases.settings import CasesRuntime, CasesSettings
from cases.signatures import flows as signatures

# The mutable columns of the case row the procedure changes.
_ROOT = ("state", "worker_count", "arrears_amount", "suspected_crime", "mass_incident",
         "notice_period_ends_at", "decided_at", "payment_due_at", "published_at")
# What every new case is written with: the root's columns (built once: the path of every complaint).
_NEW_CASE = ("id", "state", "district", "employer_name", "employer_credit_code", "employer_address",
             "employer_key", "worker_count", "arrears_amount", "suspected_crime", "mass_incident",
             "summary", "opened_at", "traceparent")
_case = sa.select(cases).where(cases.c.id == sa.bindparam("case_id"))
_locked_case = _case.with_for_update()
_insert_case = cases.insert()
_link_complaints = case_complaints.insert()
_add_to_timeline = case_timeline.insert()
_employer_lock = sa.select(sa.func.pg_advisory_xact_lock(
    sa.func.hashtextextended(sa.bindparam("lock_key"), 0)))
_open_case_of_employer = (
    sa.select(cases).where(cases.c.employer_key == sa.bindparam("employer_key"),
                           cases.c.district.is_not_distinct_from(sa.bindparam("district")),
                           cases.c.state.in_([str(s) for s in JOINABLE_STATES]))
    .order_by(cases.c.opened_at).limit(1).with_for_update())


_complaints_of_cases = (
    sa.select(case_complaints.c.case_id, case_complaints.c.complaint_id)
    .where(case_complaints.c.case_id == sa.any_(sa.bindparam("case_ids", type_=ARRAY(sa.Text))))
    .order_by(case_complaints.c.received_at))
_number_case = cases.update().where(cases.c.id == sa.bindparam("the_case")).values(
    case_number=sa.bindparam("number"), registered_at=sa.bindparam("at"),
    immediate_registration=sa.bindparam("immediate"), updated_at=sa.bindparam("at"))


async def next_number(session: AsyncSession, *, series: str, year: int, count: int = 1) -> int:
    """The last of the next `count` official numbers of a series in a year; gap-free, since they
    commit with their use."""
    statement = insert(number_sequences).values(series=series, year=year, last=count)
    upsert = statement.on_conflict_do_update(
        index_elements=[number_sequences.c.series, number_sequences.c.year],
        set_={"last": number_sequences.c.last + count}).returning(number_sequences.c.last)
    return int((await session.execute(upsert)).scalar_one())


async def complaint_ids_by_case(session: AsyncSession, case_ids: list[str]) -> dict[str, list[str]]:
    """Each case's complaints, in the order they were received."""
    found: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
    for row in (await session.execute(_complaints_of_cases, {"case_ids": case_ids})).all():
        found[row.case_id].append(row.complaint_id)
    return found


@dataclass(frozen=True)
class Registration:
    case_id: str
    at: datetime
    immediate: bool
    reason: str
    traceparent: str | None


def numbering(uow: UnitOfWork, settings: CasesSettings) -> CaseNumbering:
    """The transaction's case numbering; steps kept after it see the numbers it gives."""
    return uow.at_commit("cases.numbering", lambda: CaseNumbering(uow, settings))


@dataclass
class CaseNumbering:
    """The cases a transaction registers take their numbers (立案编号) together as it commits.

    Numbers stay gap-free (they commit with their use), and the year's counter, which every
    registration waits for, is locked for the commit only: taken at registration it was held
    through the rest of a consumer's batch, and registrations queued on it.
    """

    uow: UnitOfWork
    settings: CasesSettings
    registered: list[Registration] = field(default_factory=list)

    def registers(self, case_id: str) -> bool:
        """Whether this transaction registered the case (its number comes at commit)."""
        return any(r.case_id == case_id for r in self.registered)

    async def __call__(self) -> None:
        if not self.registered:
            return
        session = self.uow.session
        years = [r.at.astimezone(BUREAU_TZ).year for r in self.registered]
        numbers: list[str] = []
        for year in sorted(set(years)):
            count = years.count(year)
            last = await next_number(session, series="case", year=year, count=count)
            numbers += [document_number(self.settings.case_number_prefix, year, n)
                        for n in range(last - count + 1, last + 1)]
        in_order = sorted(self.registered, key=lambda r: r.at.astimezone(BUREAU_TZ).year)
        await session.execute(_number_case, [
            {"the_case": r.case_id, "number": n, "at": r.at, "immediate": r.immediate}
            for r, n in zip(in_order, numbers, strict=True)])
        complaints = await complaint_ids_by_case(session, [r.case_id for r in in_order])
        for registration, number in zip(in_order, numbers, strict=True):
            self.uow.continue_trace(registration.traceparent)
            await self.uow.emit(CaseRegistered(
                case_id=registration.case_id, case_number=number,
                complaint_ids=complaints[registration.case_id], registered_at=registration.at,
                immediate=registration.immediate, reason=registration.reason),
                subject=registration.case_id)


def _columns(part: Any) -> dict[str, Any]:
    return {f.name: getattr(part, f.name) for f in fields(part)}


def _part(cls: Any, row: sa.Row[Any]) -> Any:
    values = row._mapping
    return cls(**{f.name: values[f.name] for f in fields(cls)})


def _root(row: sa.Row[Any]) -> CaseFile:
    """The case file's root from its `cases` row; the parts are loaded apart."""
    return CaseFile(
        id=row.id, state=CaseState(row.state), district=row.district,
        employer_name=row.employer_name, employer_credit_code=row.employer_credit_code,
        employer_address=row.employer_address, worker_count=row.worker_count,
        arrears_amount=row.arrears_amount, summary=row.summary,
        suspected_crime=row.suspected_crime, mass_incident=row.mass_incident,
        employer_key=row.employer_key, immediate_registration=row.immediate_registration,
        opened_at=row.opened_at, case_number=row.case_number, registered_at=row.registered_at,
        notice_period_ends_at=row.notice_period_ends_at, decided_at=row.decided_at,
        payment_due_at=row.payment_due_at, published_at=row.published_at,
        traceparent=row.traceparent)


class SqlClerk:
    """Numbers documents from the year's counter (gap-free: it commits with its use) and files
    them: PDFs through documents (notify serves those that are served), records as canonical
    JSON, each signed by its signer's key."""

    def __init__(self, uow: UnitOfWork, settings: CasesSettings, cipher: FieldCipher | None) -> None:
        self._uow = uow
        self._settings = settings
        self._cipher = cipher

    async def number(self, series: str, prefix: str, at: datetime) -> str:
        year = at.astimezone(BUREAU_TZ).year
        return document_number(prefix, year,
                               await next_number(self._uow.session, series=series, year=year))

    async def file(self, draft: Draft) -> DocumentRef:
        session, settings = self._uow.session, self._settings
        if draft.form is not None:
            document_id = await documents.file_record(
                session, settings, case_id=draft.case_id, kind=draft.kind, title=draft.title,
                number=draft.number, content=canonical_json(draft.form),
                issued_by=draft.issued_by, at=draft.at)
        else:
            assert draft.recipient is not None and draft.party is not None

            def content(document_id: str, verify_url: str) -> DocumentContent:
                assert draft.party is not None
                return DocumentContent(
                    authority=settings.authority_name, title=draft.title, number=draft.number,
                    case_number=draft.case_number, party=draft.party,
                    paragraphs=list(draft.paragraphs), issued_on=draft.at.astimezone(BUREAU_TZ).date(),
                    document_id=document_id, verify_url=verify_url, addressee=draft.addressee,
                    party_label=draft.party_label)

            if draft.serve:
                issued = await documents.issue(
                    self._uow, settings, case_id=draft.case_id, district=draft.district,
                    kind=served_kind(draft.kind),
                    number=draft.number, recipient=draft.recipient, issued_by=draft.issued_by,
                    at=draft.at, content=content)
            else:
                issued = await documents.file(
                    session, settings, case_id=draft.case_id, kind=FilingKind(draft.kind),
                    number=draft.number, recipient=draft.recipient, issued_by=draft.issued_by,
                    at=draft.at, content=content)
            document_id = issued.document_id
        if draft.signer is not None:
            await self.sign(document_id, draft.signer, draft.purpose, draft.at)
        return DocumentRef(document_id, draft.number)

    async def sign(self, document_id: str, signer: Actor, purpose: str, at: datetime) -> None:
        assert self._cipher is not None, "only a staff member's command signs"
        await signatures.sign(self._uow.session, self._cipher, document_id=document_id,
                              signer=signer.subject, role=signer.role, purpose=purpose, at=at)


@dataclass
class _Loaded:
    file: CaseFile
    snapshot: CaseFile
    whole: bool = True


class SqlCaseFiles:
    """Case files of one unit of work: each loaded once (locked), saved by `save`."""

    def __init__(self, uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                 cipher: FieldCipher | None = None) -> None:
        self._uow = uow
        self._settings = settings
        self._calendar = calendar
        self.clerk = SqlClerk(uow, settings, cipher)
        self._loaded: dict[str, _Loaded] = {}

    def desk(self) -> Desk:
        return Desk(self._settings, self._calendar, self.clerk, self._uow.clock.now())

    async def get(self, case_id: str) -> CaseFile:
        """The case file, locked for this transaction; 404 when there is no such case."""
        case_file = await self.find(case_id)
        if case_file is None:
            raise no_such_case(case_id)
        return case_file

    async def find(self, case_id: str) -> CaseFile | None:
        """The case file, locked; None when the case is not one of ours."""
        if case_id in self._loaded:
            loaded = self._loaded[case_id]
            assert loaded.whole, "a case file loaded for joining is not used for other commands"
            return loaded.file
        row = (await self._uow.session.execute(_locked_case, {"case_id": case_id})).first()
        return None if row is None else await self._load(row)

    async def read(self, case_id: str) -> CaseFile:
        """The case file as it stands, for a view: not locked, never saved."""
        row = (await self._uow.session.execute(_case, {"case_id": case_id})).first()
        if row is None:
            raise no_such_case(case_id)
        return await self._load(row)

    async def by_decision_number(self, decision_number: str) -> CaseFile | None:
        case_id = (await self._uow.session.execute(
            sa.select(penalty_decisions.c.case_id).where(
                penalty_decisions.c.decision_number == decision_number))).scalar_one_or_none()
        return None if case_id is None else await self.get(case_id)

    async def open_case_of(self, complaint: ComplaintAccepted) -> CaseFile | None:
        """R-INT-6: the open case against the same employer (intake's key) in the same district,
        locked, so that concurrent complaints join it one after the other."""
        if complaint.employer_id is None:
            return None
        session = self._uow.session
        # Two complaints against a new employer handled at once must not open two cases: the
        # second waits for the first's transaction and then joins its case.
        await session.execute(_employer_lock, {"lock_key": f"cases.employer:{complaint.employer_id}"})
        row = (await session.execute(_open_case_of_employer, {
            "employer_key": complaint.employer_id, "district": complaint.district})).first()
        if row is None:
            return None
        return (self._loaded[row.id].file if row.id in self._loaded
                else await self._load_for_joining(row))

    async def add(self, case_file: CaseFile) -> None:
        """Write a new case file: its row, complaints and records, in as few statements as the
        path of every accepted complaint can take."""
        session, now = self._uow.session, self._uow.clock.now()
        await session.execute(_insert_case, {
            **{name: getattr(case_file, name) for name in _NEW_CASE}, "updated_at": now})
        await session.execute(_link_complaints, [
            {"case_id": case_file.id, **_columns(c)} for c in case_file.complaints])
        await self._write_records(case_file)
        case_file.records.clear()
        self._loaded[case_file.id] = _Loaded(case_file, copy.deepcopy(case_file))

    async def payment_recorded(self, reference: str) -> bool:
        """Whether the bank's reference was imported before, on any case."""
        return any(p.reference == reference for loaded in self._loaded.values()
                   for p in loaded.file.payments) or (await self._uow.session.execute(
            sa.select(payments.c.reference).where(payments.c.reference == reference))).first() is not None

    async def _parts(self, table: sa.Table, case_id: str, *order: Any) -> list[sa.Row[Any]]:
        return list((await self._uow.session.execute(
            sa.select(table).where(table.c.case_id == case_id).order_by(*order))).all())

    async def _load(self, row: sa.Row[Any]) -> CaseFile:
        session, case_id, parts = self._uow.session, row.id, self._parts
        decision = await parts(penalty_decisions, case_id)
        hearing = await parts(hearings, case_id)
        docs = (await session.execute(
            sa.select(documents_table.c.id, documents_table.c.number, document_services.c.served_at)
            .select_from(documents_table.outerjoin(
                document_services, document_services.c.document_id == documents_table.c.id))
            .where(documents_table.c.case_id == case_id))).all()
        case_file = _root(row)
        case_file.complaints = [_part(CaseComplaint, r) for r in await parts(
            case_complaints, case_id, case_complaints.c.received_at)]
        case_file.evidence_ids = set((await session.execute(sa.select(evidence_items.c.id).where(
            evidence_items.c.case_id == case_id))).scalars())
        case_file.forms = [_part(RegistrationForm, r) for r in await parts(
            registration_forms, case_id, registration_forms.c.submitted_at)]
        case_file.proposals = [_part(Proposal, r) for r in await parts(
            penalty_proposals, case_id, penalty_proposals.c.proposed_at)]
        case_file.hearing = _part(Hearing, hearing[0]) if hearing else None
        case_file.decision = _part(Decision, decision[0]) if decision else None
        case_file.payments = [_part(Payment, r) for r in await parts(
            payments, case_id, payments.c.paid_on)]
        case_file.orders = [_part(RectificationOrder, r) for r in await parts(
            rectification_orders, case_id, rectification_orders.c.ordered_at)]
        case_file.documents = {d.id: DocumentRef(d.id, d.number, d.served_at) for d in docs}
        self._loaded[case_id] = _Loaded(case_file, copy.deepcopy(case_file))
        return case_file

    async def _load_for_joining(self, row: sa.Row[Any]) -> CaseFile:
        """The parts a joining complaint changes: the root, and the live registration form of a
        case not registered yet. Saving adds the new complaint; nothing else reads it (every
        accepted complaint may take this path, so it reads no more)."""
        case_file = _root(row)
        if case_file.state in (CaseState.RECEIVED, CaseState.REGISTRATION_PENDING):
            case_file.forms = [_part(RegistrationForm, r) for r in await self._parts(
                registration_forms, row.id, registration_forms.c.submitted_at)]
        self._loaded[row.id] = _Loaded(case_file, copy.deepcopy(case_file), whole=False)
        return case_file

    async def save(self, case_file: CaseFile) -> None:
        """Write what changed since loading, and what the commands recorded."""
        loaded = self._loaded[case_file.id]
        session, before, now = self._uow.session, loaded.snapshot, self._uow.clock.now()
        changed = {name: getattr(case_file, name) for name in _ROOT
                   if getattr(case_file, name) != getattr(before, name)}
        if changed:
            await session.execute(cases.update().where(cases.c.id == case_file.id)
                                  .values(**changed, updated_at=now))
        await _save_parts(session, case_complaints, "complaint_id", before.complaints,
                          case_file.complaints, case_file.id)
        await _save_parts(session, registration_forms, "id", before.forms, case_file.forms,
                          case_file.id)
        await _save_parts(session, penalty_proposals, "id", before.proposals, case_file.proposals,
                          case_file.id)
        await _save_parts(session, hearings, "id", [before.hearing] if before.hearing else [],
                          [case_file.hearing] if case_file.hearing else [], case_file.id)
        await _save_parts(session, penalty_decisions, "id",
                          [before.decision] if before.decision else [],
                          [case_file.decision] if case_file.decision else [], case_file.id)
        await _save_parts(session, payments, "reference", before.payments, case_file.payments,
                          case_file.id)
        await _save_parts(session, rectification_orders, "id", before.orders, case_file.orders,
                          case_file.id)
        await self._write_records(case_file)
        case_file.records.clear()
        loaded.snapshot = copy.deepcopy(case_file)

    async def _write_records(self, case_file: CaseFile) -> None:
        session, uow, now = self._uow.session, self._uow, self._uow.clock.now()
        steps = [r for r in case_file.records if isinstance(r, Step)]
        if steps:
            await session.execute(_add_to_timeline, [
                dict(case_id=case_file.id, at=s.at, action=s.action, from_state=s.from_state,
                     to_state=s.to_state, actor=s.actor.subject, role=s.actor.role,
                     reason=s.reason) for s in steps])
        for record in case_file.records:
            match record:
                case Audited(action=action, actor=actor, at=at, reason=reason):
                    await audit.record(session, audit.AuditEntry(
                        at=at, actor=actor.subject, role=actor.role, action=action,
                        subject=f"case:{case_file.id}", reason=reason))
                case DeadlineStarted(kind=kind, subject=subject, due_at=due_at, payload=payload):
                    await timers.schedule(session, kind=kind, subject=subject, due_at=due_at,
                                          now=now, payload=payload)
                case DeadlineMet(kind=kind, subject=subject):
                    await timers.complete(session, kind=kind, subject=subject, now=now)
                case DeadlineCancelled(kind=kind, subject=subject):
                    await timers.cancel(session, kind=kind, subject=subject, now=now)
                case Registered(at=at, immediate=immediate, reason=reason):
                    numbering(uow, self._settings).registered.append(Registration(
                        case_file.id, at, immediate, reason, uow.traceparent))
                case Announced(data=data):
                    await uow.emit(data, subject=case_file.id)


async def _save_parts(session: AsyncSession, table: sa.Table, key: str, before: list[Any],
                      after: list[Any], case_id: str) -> None:
    """Insert the parts that are new, update the columns of those that changed."""
    old = {getattr(p, key): _columns(p) for p in before}
    for part in after:
        now = _columns(part)
        prior = old.get(now[key])
        if prior is None:
            await session.execute(insert(table).values(case_id=case_id, **now)
                                  .on_conflict_do_nothing())
        elif prior != now:
            await session.execute(table.update().where(table.c[key] == now[key]).values(
                {name: value for name, value in now.items() if prior[name] != value}))


@dataclass(frozen=True)
class Command:
    """A staff member's command on one case file, with what it needs to act."""

    file: CaseFile
    desk: Desk
    actor: Actor


@asynccontextmanager
async def staff_command(runtime: CasesRuntime, who: Principal, case_id: str,
                        role: str) -> AsyncIterator[Command]:
    """Open a staff member's command (in `role`) on a case: the file loaded and locked, of their
    district, its trace continued; saved and committed when the block ends without error."""
    settings = runtime.settings
    async with runtime.uow() as uow:
        files = SqlCaseFiles(uow, settings, runtime.calendar, runtime.cipher)
        case_file = await files.get(case_id)
        check_district(who, case_file, no_such_case(case_id))
        uow.continue_trace(case_file.traceparent)
        try:
            yield Command(case_file, files.desk(), Actor(who.subject, role))
        except Problem as refused:
            if refused.status == 409 and "state" not in refused.extra:
                # A step the procedure has not reached (or has passed) depends on where the case
                # stands: the caller sees that state, as with an illegal transition.
                refused.extra["state"] = str(case_file.state)
                refused.detail = f"{refused.detail} (the case is {case_file.state})".strip()
            raise
        await files.save(case_file)
        await uow.commit()
