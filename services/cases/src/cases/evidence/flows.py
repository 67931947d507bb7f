"""Collecting and verifying evidence. No flow updates or deletes an item (R-OVS-1)."""

from __future__ import annotations

import base64
import binascii
import re

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.tables import audit_log

from cases.casefile.base import Actor, no_such_case
from cases.evidence import rules
from cases.evidence.models import evidence_items
from cases.evidence.schemas import EvidenceCreate, EvidenceVerification, EvidenceView, FindingView
from cases.lifecycle.flows import check_district, lock_case, readable_case
from cases.lifecycle.rules import CaseState
from cases.settings import CasesRuntime

ANCHOR = re.compile(r"row_hash=([0-9a-f]{64})")
COLLECTING = frozenset({CaseState.REGISTERED, CaseState.INVESTIGATING, CaseState.NOTICE_SERVED,
                        CaseState.HEARING})


def _view(r: sa.Row) -> EvidenceView:  # type: ignore[type-arg]
    return EvidenceView(
        evidence_id=r.id, case_id=r.case_id, position=r.position, kind=r.kind, title=r.title,
        description=r.description, content_type=r.content_type, content_sha256=r.content_sha256,
        size=r.size, collected_by=r.collected_by, collected_at=r.collected_at,
        prev_hash=r.prev_hash, row_hash=r.row_hash)


async def add(runtime: CasesRuntime, who: Principal, case_id: str, body: EvidenceCreate) -> EvidenceView:
    """Fix an item when collected: content hash, position and a row hash chained to the last."""
    try:
        content = base64.b64decode(body.content_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(422, "invalid-content", "Content is not base64", str(exc)) from exc
    actor = Actor.staff(who, "officer_a")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        case = await lock_case(uow.session, case_id)  # serialises the chain of one case
        check_district(who, case, no_such_case(case_id))
        if CaseState(case.state) not in COLLECTING:
            raise Problem(409, "not-investigating", "Evidence is collected during investigation",
                          f"the case is {case.state}; evidence is collected from registration "
                          "until the decision", state=case.state)
        last = (await uow.session.execute(
            sa.select(evidence_items.c.position, evidence_items.c.row_hash)
            .where(evidence_items.c.case_id == case_id)
            .order_by(evidence_items.c.position.desc()).limit(1))).first()
        link = rules.Link(
            id=new_id(), case_id=case_id, position=(last.position + 1) if last else 1,
            kind=body.kind, title=body.title, description=body.description,
            content_type=body.content_type, content_sha256=rules.content_hash(content),
            collected_by=who.subject, collected_at=now,
            prev_hash=last.row_hash if last else rules.GENESIS)
        digest = rules.row_hash(link)
        await uow.session.execute(evidence_items.insert().values(
            id=link.id, case_id=case_id, position=link.position, kind=link.kind, title=link.title,
            description=link.description, content_type=link.content_type, content=content,
            content_sha256=link.content_sha256, collected_by=link.collected_by,
            collected_at=now, prev_hash=link.prev_hash, row_hash=digest))
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=actor.subject, role=actor.role, action="evidence.add",
            subject=f"case:{case_id}",
            reason=f"evidence {link.position} {link.kind} sha256={link.content_sha256} "
                   f"row_hash={digest}"))
        await uow.commit()
    return EvidenceView(
        evidence_id=link.id, case_id=case_id, position=link.position, kind=body.kind,
        title=link.title, description=link.description, content_type=link.content_type,
        content_sha256=link.content_sha256, size=len(content), collected_by=link.collected_by,
        collected_at=now, prev_hash=link.prev_hash, row_hash=digest)


async def _case(runtime: CasesRuntime, who: Principal, case_id: str) -> None:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)


async def list_items(runtime: CasesRuntime, who: Principal, case_id: str) -> list[EvidenceView]:
    await _case(runtime, who, case_id)
    columns = [c for c in evidence_items.c if c.name != "content"]
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(*columns, sa.func.length(evidence_items.c.content).label("size"))
            .where(evidence_items.c.case_id == case_id)
            .order_by(evidence_items.c.position))).all()
    return [_view(r) for r in rows]


async def verify(runtime: CasesRuntime, who: Principal | None, case_id: str) -> EvidenceVerification:
    """Recompute every content hash and row hash, follow the chain and check it against the
    row hashes the hash-chained audit log recorded at collection."""
    if who is not None:
        await _case(runtime, who, case_id)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(evidence_items).where(
            evidence_items.c.case_id == case_id).order_by(evidence_items.c.position))).all()
        reasons = (await conn.execute(sa.select(audit_log.c.reason).where(
            audit_log.c.action == "evidence.add", audit_log.c.subject == f"case:{case_id}")
            .order_by(audit_log.c.seq))).scalars().all()
    stored = [rules.Stored(
        link=rules.Link(id=r.id, case_id=r.case_id, position=r.position, kind=r.kind,
                        title=r.title, description=r.description, content_type=r.content_type,
                        content_sha256=r.content_sha256, collected_by=r.collected_by,
                        collected_at=r.collected_at, prev_hash=r.prev_hash),
        content=bytes(r.content), row_hash=r.row_hash) for r in rows]
    anchors = [m.group(1) for reason in reasons if (m := ANCHOR.search(reason))]
    findings = rules.verify_chain(stored, anchors)
    return EvidenceVerification(
        case_id=case_id, intact=not findings, items=len(stored),
        findings=[FindingView(position=f.position, evidence_id=f.item_id, problem=f.problem)
                  for f in findings])
