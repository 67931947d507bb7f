"""Reading deliveries, their attempts and proofs, and checking a case's proof chain."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.delivery.models import deliveries, delivery_attempts, delivery_proofs
from notify.delivery.rules import CHAIN_GENESIS, DeliveryStatus, chain_link
from notify.delivery.schemas import (
    AttemptView,
    ChainLink,
    DeliveryView,
    PlannedChannel,
    ProofChainView,
    ProofView,
    SkippedChannel,
)
from notify.documents.models import documents
from notify.grids.models import grids

_VIEW_COLUMNS = (deliveries, documents.c.kind, documents.c.title,
                 delivery_proofs.c.sha256.label("proof_sha256"),
                 delivery_proofs.c.content_type.label("proof_type"),
                 delivery_proofs.c.chain_sha256)
_FROM = (deliveries.join(documents, deliveries.c.document_id == documents.c.id)
         .outerjoin(delivery_proofs, delivery_proofs.c.id == deliveries.c.proof_id))


def _within_reach(who: Principal) -> sa.ColumnElement[bool]:
    """Deliveries of the caller's district; all of them for city-wide staff. A delivery of no
    known district is city-wide business."""
    if who.city_wide:
        return sa.true()
    return deliveries.c.district == who.district


async def list_deliveries(runtime: Runtime, who: Principal, *, case_id: str | None,
                          status: DeliveryStatus | None, grid_worker: str | None,
                          limit: int) -> list[DeliveryView]:
    """Newest first, within the caller's reach; `grid_worker`: only those to serve by hand in a
    grid that worker works in."""
    query = (sa.select(*_VIEW_COLUMNS).select_from(_FROM).where(_within_reach(who))
             .order_by(deliveries.c.created_at.desc(), deliveries.c.id).limit(limit))
    if case_id is not None:
        query = query.where(deliveries.c.case_id == case_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    if grid_worker is not None:
        query = query.where(deliveries.c.grid.in_(
            sa.select(grids.c.code).where(grids.c.workers.contains([grid_worker]))))
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        attempts = await _attempts(conn, [r.id for r in rows])
    return [_view(r, attempts.get(r.id, [])) for r in rows]


async def get_delivery(runtime: Runtime, who: Principal, delivery_id: str) -> DeliveryView:
    """One delivery; another district's answers 404 like one that does not exist."""
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(*_VIEW_COLUMNS).select_from(_FROM)
                                  .where(deliveries.c.id == delivery_id, _within_reach(who)))).first()
        if row is None:
            raise Problem(404, "not-found", "No such delivery")
        attempts = await _attempts(conn, [delivery_id])
    return _view(row, attempts.get(delivery_id, []))


async def proof_artefact(runtime: Runtime, who: Principal, delivery_id: str) -> tuple[bytes, str]:
    """The kept proof of a served delivery, exactly as the far end or the staff gave it."""
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(delivery_proofs.c.content, delivery_proofs.c.content_type)
            .join_from(deliveries, delivery_proofs, delivery_proofs.c.id == deliveries.c.proof_id)
            .where(deliveries.c.id == delivery_id, _within_reach(who)))).first()
    if row is None:
        raise Problem(404, "not-found", "No proof of service",
                      f"delivery {delivery_id} does not exist or is not served")
    return bytes(row.content), row.content_type


async def proof_chain(runtime: Runtime, who: Principal, case_id: str) -> ProofChainView:
    """Recompute the case's chain from the kept artefacts: each link must follow from the one
    before and the artefact's own hash. Another district's case answers 404."""
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(delivery_proofs, deliveries.c.district)
            .join_from(delivery_proofs, deliveries, deliveries.c.id == delivery_proofs.c.delivery_id)
            .where(delivery_proofs.c.case_id == case_id).order_by(delivery_proofs.c.seq))).all()
    if not rows or not all(who.reaches(r.district) for r in rows):
        raise Problem(404, "not-found", "No proof of service in this case")
    links: list[ChainLink] = []
    previous = CHAIN_GENESIS
    for r in rows:
        digest = hashlib.sha256(r.content).hexdigest()
        expected = chain_link(previous, proof_sha256=digest, document_id=r.document_id,
                              served_at=r.served_at)
        intact = (digest == r.sha256 and r.previous_chain == previous
                  and r.chain_sha256 == expected)
        links.append(ChainLink(proof_id=r.id, document_id=r.document_id, channel=r.channel,
                               served_at=r.served_at, sha256=r.sha256,
                               previous_chain=r.previous_chain, chain_sha256=r.chain_sha256,
                               intact=intact))
        previous = r.chain_sha256
    return ProofChainView(case_id=case_id, intact=all(link.intact for link in links), links=links)


OPEN = (DeliveryStatus.PENDING, DeliveryStatus.AWAITING_PROOF, DeliveryStatus.IN_PERSON)


async def open_counts(runtime: Runtime) -> dict[str, int]:
    """Documents not yet served, by status, for the gauge (the in-person backlog above all)."""
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(deliveries.c.status, sa.func.count())
            .where(deliveries.c.status.in_(OPEN)).group_by(deliveries.c.status))).all()
    return {str(status): 0 for status in OPEN} | {status: n for status, n in rows}


async def _attempts(conn: AsyncConnection,
                    delivery_ids: list[str]) -> dict[str, list[AttemptView]]:
    found: dict[str, list[AttemptView]] = {}
    if not delivery_ids:
        return found
    rows = (await conn.execute(
        sa.select(delivery_attempts).where(delivery_attempts.c.delivery_id.in_(delivery_ids))
        .order_by(delivery_attempts.c.id))).all()
    for r in rows:
        found.setdefault(r.delivery_id, []).append(AttemptView(
            round=r.round, channel=r.channel, address=r.address, started_at=r.started_at,
            finished_at=r.finished_at, outcome=r.outcome, reply_code=r.reply_code,
            reply_text=r.reply_text, reference=r.reference))
    return found


def _view(row: sa.Row[Any], attempts: list[AttemptView]) -> DeliveryView:
    proof = None
    if row.status == DeliveryStatus.SERVED:
        proof = ProofView(proof_id=row.proof_id, channel=row.served_channel,
                          address=row.served_address, served_at=row.served_at,
                          reply_code=row.reply_code, reply_text=row.reply_text,
                          message_id=row.message_id, text=row.proof, sha256=row.proof_sha256,
                          content_type=row.proof_type, chain_sha256=row.chain_sha256)
    awaiting = None
    if row.status == DeliveryStatus.AWAITING_PROOF:
        awaiting = PlannedChannel(**row.plan[row.cursor])
    return DeliveryView(
        id=row.id, document_id=row.document_id, case_id=row.case_id, kind=row.kind,
        title=row.title, status=row.status, plan=[PlannedChannel(**s) for s in row.plan],
        skipped=[SkippedChannel(**s) for s in row.skipped], confirmation_id=row.confirmation_id,
        rounds=row.rounds, next_attempt_at=row.next_attempt_at, awaiting=awaiting,
        proof_due_at=row.proof_due_at, fallback=row.fallback,
        in_person_since=row.in_person_since, in_person_reason=row.in_person_reason,
        grid=row.grid, created_at=row.created_at, proof=proof, failed_at=row.failed_at,
        failure_reason=row.failure_reason, attempts=attempts)
