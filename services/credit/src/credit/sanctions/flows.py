"""Sanction use cases: record a major case's R-MAJ-3 follow-up, tell partners at once about
organisations and, once staff entered the identity, about people; the regulator reads a person."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import MajorCaseSanctions
from labor_contracts.credit import PersonRef, Punishment, SanctionImposed
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import credit_code_problem, new_id
from labor_runtime import audit
from labor_runtime.bus import Rejected
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit.employers import history
from credit.sanctions import rules
from credit.sanctions.models import sanctions
from credit.sanctions.schemas import PersonPut, PersonRead, SanctionView
from credit.settings import CreditRuntime


def _name_aad(sanction_id: str) -> str:
    return f"sanctions.name:{sanction_id}"


def _id_number_aad(sanction_id: str) -> str:
    return f"sanctions.id_number:{sanction_id}"


async def record_major_case(uow: UnitOfWork, *, terms: rules.Terms, cipher: FieldCipher,
                            event: Envelope, data: MajorCaseSanctions) -> None:
    """One row per party, once per major case (a re-sent event adds nothing). Organisations are
    punished at once; a person's punishment waits for the identity staff enter."""
    now = uow.clock.now()
    parties: list[tuple[rules.PartyRole, str | None]] = []
    for s in data.sanctions:
        try:
            role = rules.PartyRole(s.party_role)
        except ValueError as exc:
            raise Rejected(f"major case {data.major_case_id}: unknown party role "
                           f"{s.party_role!r}") from exc
        code = s.credit_code.strip().upper() if s.credit_code else None
        problem = credit_code_problem(code) if code is not None else None
        if problem:
            raise Rejected(f"major case {data.major_case_id}: credit code of {role} invalid: "
                           f"{problem}")
        parties.append((role, code))
    new = False
    for index, (s, (role, code)) in enumerate(zip(data.sanctions, parties, strict=True)):
        measure = rules.punishment(role, starts_on=s.starts_on, terms=terms)
        sanction_id = new_id()
        organisation = rules.is_organisation(role)
        values: dict[str, Any] = dict(
            id=sanction_id, major_case_id=data.major_case_id, party_index=index,
            case_id=data.case_id, case_number=data.case_number, district=data.district,
            party_role=role.value, credit_code=code, punishments=[_punishment(measure)],
            source_event_id=event.id, created_at=now, starts_on=measure.starts_on,
            ends_on=measure.ends_on)
        if organisation:
            values.update(name=s.name, imposed_at=now)
        else:  # a person: personal data, kept encrypted and shown masked
            values.update(name_enc=cipher.encrypt(s.name, _name_aad(sanction_id)),
                          name_masked=rules.mask_name(s.name))
        inserted = (await uow.session.execute(
            insert(sanctions).values(**values)
            .on_conflict_do_nothing(index_elements=["major_case_id", "party_index"])
            .returning(sanctions.c.id))).first()
        if inserted is None:  # this major case's follow-up is already recorded
            continue
        new = True
        if not organisation:
            continue
        await uow.emit(SanctionImposed(
            sanction_id=sanction_id, major_case_id=data.major_case_id, party_role=role.value,
            credit_code=code, name=s.name, punishments=[Punishment(**_punishment(measure))],
            imposed_at=now), subject=sanction_id)
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=uow.source, role="system", action="sanction.impose",
            subject=f"sanction:{sanction_id}",
            reason=f"R-MAJ-3 major case {data.major_case_id}: {role} {measure.measure} "
                   f"{measure.starts_on}..{measure.ends_on}"))
        if code is not None:
            await history.record(
                uow.session, credit_code=code, kind=history.Kind.SANCTION, at=now,
                summary=rules.downgrade_summary(role, measure, data.case_number),
                source=event.id, ref=sanction_id,
                details={"major_case_id": data.major_case_id, "measure": measure.measure,
                         "starts_on": measure.starts_on.isoformat(),
                         "ends_on": measure.ends_on.isoformat()})
    employer_code = (data.employer.credit_code or "").strip().upper()
    if new and employer_code and not credit_code_problem(employer_code):
        people = sum(not rules.is_organisation(role) for role, _ in parties)
        await history.record(
            uow.session, credit_code=employer_code, kind=history.Kind.SANCTION, at=now,
            summary=f"R-MAJ-3 follow-up of major case {data.case_number or data.case_id}: "
                    f"labor audit {'ordered' if data.labor_audit else 'not ordered'}, "
                    f"{len(parties) - people} organisation(s) barred from bids, "
                    f"{people} person(s) banned from the construction market",
            source=event.id, ref=data.major_case_id)


def _punishment(measure: rules.Measure) -> dict[str, Any]:
    return {"measure": measure.measure, "agencies": list(measure.agencies),
            "starts_on": measure.starts_on.isoformat(), "ends_on": measure.ends_on.isoformat()}


async def _row(session: AsyncSession, who: Principal, sanction_id: str,
               lock: bool = False) -> sa.Row[Any]:
    query = sa.select(sanctions).where(sanctions.c.id == sanction_id)
    row = (await session.execute(query.with_for_update() if lock else query)).first()
    # Another district's sanction is as unknown as a missing one; one of a major case that named no
    # district (a person's identity may be entered on it) is the city detachment's only.
    if row is None or not who.reaches(row.district):
        raise Problem(404, "not-found", "No such sanction", f"no sanction {sanction_id}")
    return row


def _view(row: sa.Row[Any]) -> SanctionView:
    return SanctionView(
        id=row.id, major_case_id=row.major_case_id, case_id=row.case_id,
        case_number=row.case_number, district=row.district, party_role=row.party_role,
        credit_code=row.credit_code, name=row.name or row.name_masked,
        id_number_masked=row.id_number_masked,
        punishments=[Punishment(**p) for p in row.punishments],
        status="imposed" if row.imposed_at is not None else "awaiting_identity",
        imposed_at=row.imposed_at)


async def read(runtime: CreditRuntime, who: Principal, sanction_id: str) -> SanctionView:
    async with runtime.session() as session:
        return _view(await _row(session, who, sanction_id))


async def list_for_major_case(runtime: CreditRuntime, who: Principal,
                              major_case_id: str) -> list[SanctionView]:
    query = (sa.select(sanctions).where(sanctions.c.major_case_id == major_case_id)
             .order_by(sanctions.c.party_index))
    if not who.city_wide:
        query = query.where(sanctions.c.district == who.district)
    async with runtime.session() as session:
        return [_view(r) for r in (await session.execute(query)).all()]


async def enter_person(runtime: CreditRuntime, who: Principal, sanction_id: str,
                       body: PersonPut) -> SanctionView:
    """Staff enter the banned person's identity: kept encrypted, and only now the ban is
    imposed and pushed, with the person masked (R-MAJ-3)."""
    cipher = runtime.cipher
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await _row(uow.session, who, sanction_id, lock=True)
        if rules.is_organisation(rules.PartyRole(row.party_role)):
            raise Problem(409, "not-a-person", "The sanction is an organisation's",
                          f"sanction {sanction_id} bars a {row.party_role}; only a team leader's "
                          "or foreman's identity is entered")
        if row.imposed_at is not None:
            raise Problem(409, "identity-entered", "Identity already entered",
                          f"the ban was imposed at {row.imposed_at.isoformat()} with the identity "
                          "entered then; partners acted on it")
        person = PersonRef(person_id=sanction_id, name_masked=rules.mask_name(body.name),
                           id_number_masked=rules.mask_id_number(body.id_number))
        await uow.session.execute(sanctions.update().where(sanctions.c.id == sanction_id).values(
            name_enc=cipher.encrypt(body.name, _name_aad(sanction_id)),
            name_masked=person.name_masked,
            id_number_enc=cipher.encrypt(body.id_number, _id_number_aad(sanction_id)),
            id_number_masked=person.id_number_masked, identified_by=who.subject, imposed_at=now))
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role="officer_a", action="sanction.identify",
            subject=f"sanction:{sanction_id}", reason=body.reason))
        await uow.emit(SanctionImposed(
            sanction_id=sanction_id, major_case_id=row.major_case_id, party_role=row.party_role,
            name=person.name_masked, person=person,
            punishments=[Punishment(**p) for p in row.punishments], imposed_at=now),
            subject=sanction_id)
        await uow.commit()
    return await read(runtime, who, sanction_id)


async def read_person(runtime: CreditRuntime, partner: Principal,
                      sanction_id: str) -> PersonRead:
    """The regulator enforcing the market ban reads the person in full; the read is audited
    in the same transaction (R-OVS-2)."""
    async with runtime.uow() as uow:
        row = (await uow.session.execute(
            sa.select(sanctions).where(sanctions.c.id == sanction_id))).first()
        if row is None or row.id_number_enc is None:
            raise Problem(404, "not-found", "No such banned person",
                          f"sanction {sanction_id} names no identified person")
        read = PersonRead(
            sanction_id=sanction_id, party_role=row.party_role,
            name=runtime.cipher.decrypt(row.name_enc, _name_aad(sanction_id)),
            id_number=runtime.cipher.decrypt(row.id_number_enc, _id_number_aad(sanction_id)),
            punishments=[Punishment(**p) for p in row.punishments])
        await audit.record(uow.session, audit.AuditEntry(
            at=uow.clock.now(), actor=partner.subject, role="partner",
            action="read_personal_data", subject=f"sanction:{sanction_id}",
            reason="R-MAJ-3 enforcement of the construction-market ban"))
        await uow.commit()
    return read
