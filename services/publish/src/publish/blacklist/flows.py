"""Blacklist use cases in publish: disclose a listing and push its punishments, withdraw it when
the employer leaves the list (R-PUB-4), push a major case's joint punishments (R-MAJ-3)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import BlacklistListed, BlacklistRemoved, Punishment, SanctionImposed
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from sqlalchemy.dialects.postgresql import insert

from publish.blacklist.models import joint_punishments
from publish.blacklist.rules import acted_on_by, measure_words, penalty_text
from publish.disclosures import flows as disclosures_flows
from publish.disclosures.flows import FEED_LOCK, view_of
from publish.disclosures.models import disclosures
from publish.disclosures.rules import Category
from publish.webhooks import flows as webhooks

REMOVAL_REASONS = {"repaired": "信用修复完成，移出失信联合惩戒对象名单",
                   "term_ended": "公示期满，移出失信联合惩戒对象名单"}


def _message(message_type: str, timestamp: str, data: dict[str, Any]) -> str:
    return json.dumps({"type": message_type, "timestamp": timestamp, "data": data},
                      ensure_ascii=False, separators=(",", ":"))


def _dumped(punishments: list[Punishment]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json") for p in punishments]


async def disclose_listing(uow: UnitOfWork, event: Envelope, data: BlacklistListed) -> str | None:
    """R-CRD-4 / R-PUB-3: the listing is public until `ends_on`; each subscriber of `blacklist`
    is pushed the disclosure with the punishments its agency enforces. Once per entry."""
    now = uow.clock.now()
    disclosure_id = new_id()
    await uow.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    inserted = (await uow.session.execute(
        insert(disclosures).values(
            id=disclosure_id, category=Category.BLACKLIST, source_ref=data.entry_id,
            source_event_id=event.id, case_id=None, decision_number=data.decision_number,
            employer_name=data.employer_name, employer_credit_code=data.credit_code,
            legal_representative=data.legal_representative, violation=data.facts,
            legal_basis=data.legal_basis, fine_amount=Decimal(0),
            measures=[measure_words(p.measure) for p in data.punishments],
            penalty=penalty_text(data.punishments), authority=data.authority,
            decided_on=data.listed_on, decided_at=data.listed_at, published_at=now,
            publicity_ends_on=data.ends_on, punishments=_dumped(data.punishments))
        .on_conflict_do_nothing(index_elements=["category", "source_ref"])
        .returning(*disclosures.c))).first()
    if inserted is None:
        return None
    public = view_of(inserted).model_dump(mode="json")

    def body_for(agency: str) -> str:
        return _message(webhooks.DISCLOSURE_PUBLISHED, now.isoformat(), public | {
            "entry_id": data.entry_id, "grounds": data.grounds,
            "punishments": _dumped(acted_on_by(data.punishments, agency))})

    await webhooks.enqueue_per_agency(uow.session, disclosure_id=disclosure_id,
                                      category=Category.BLACKLIST,
                                      message_type=webhooks.DISCLOSURE_PUBLISHED,
                                      body_for=body_for, now=now)
    return disclosure_id


async def withdraw_listing(uow: UnitOfWork, data: BlacklistRemoved) -> str | None:
    """R-PUB-4: off the list, the disclosure comes down and every subscriber is told why, with
    the punishments its agency lifts from today."""
    reason = REMOVAL_REASONS.get(data.reason, data.reason)
    lifted_on = Calendar.local_date(data.removed_at).isoformat()

    def lifted(agency: str, row: Any) -> dict[str, Any]:
        acted = acted_on_by([Punishment(**p) for p in row.punishments], agency)
        return {"entry_id": data.entry_id, "removal": data.reason, "lifted_on": lifted_on,
                "punishments_lifted": _dumped(acted)}

    return await disclosures_flows.withdraw(uow, category=Category.BLACKLIST,
                                            source_ref=data.entry_id, reason=reason,
                                            detail_for=lifted)


async def push_sanction(uow: UnitOfWork, event: Envelope, data: SanctionImposed) -> bool:
    """R-MAJ-3: each subscriber of `joint_punishment` whose agency enforces one of the
    punishments is pushed those it enforces; a person only masked. Once per sanction."""
    now = uow.clock.now()
    person = data.person.model_dump(mode="json") if data.person else None
    inserted = (await uow.session.execute(
        insert(joint_punishments).values(
            sanction_id=data.sanction_id, major_case_id=data.major_case_id,
            party_role=data.party_role, credit_code=data.credit_code, name=data.name,
            person=person, punishments=_dumped(data.punishments), imposed_at=data.imposed_at,
            source_event_id=event.id, received_at=now)
        .on_conflict_do_nothing(index_elements=["sanction_id"])
        .returning(joint_punishments.c.sanction_id))).first()
    if inserted is None:
        return False
    notice = {"sanction_id": data.sanction_id, "major_case_id": data.major_case_id,
              "party_role": data.party_role, "credit_code": data.credit_code,
              "name": data.name, "person": person, "imposed_at": data.imposed_at.isoformat()}

    def body_for(agency: str) -> str | None:
        acted = acted_on_by(data.punishments, agency)
        if not acted:
            return None
        return _message(webhooks.PUNISHMENT_IMPOSED, now.isoformat(),
                        notice | {"punishments": _dumped(acted)})

    await webhooks.enqueue_per_agency(uow.session, disclosure_id=data.sanction_id,
                                      category=Category.JOINT_PUNISHMENT,
                                      message_type=webhooks.PUNISHMENT_IMPOSED,
                                      body_for=body_for, now=now)
    return True
