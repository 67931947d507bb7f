"""Proof of service (送达凭证, R-DLV-3): kept as the far end or the server gave it, hashed and
chained per case, and announced with the proven time from which legal clocks run.

Proof comes three ways: in a channel's answer (e-mail's receipt, DingTalk's send result), by
callback (the WeChat read receipt, the fax DSN: `CallbackProofs`), or from staff (a grid worker's
photo and signature, the post's return receipt: `record_in_person`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_contracts.notify import DocumentServed
from labor_runtime import audit
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal, Role
from labor_runtime.tracing import continued
from labor_runtime.workers import created_work

from notify.channels.base import ChannelName, ProofRejected, Receipt, Refusal
from notify.delivery.models import deliveries, delivery_attempts, delivery_proofs, handovers
from notify.delivery.rules import (
    CHAIN_GENESIS,
    AttemptOutcome,
    DeliveryStatus,
    Fallback,
    Proven,
    chain_link,
    in_person_refusal,
)
from notify.documents.models import documents
from notify.grids.models import grids

log = logging.getLogger(__name__)

_lock_case_chain = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


async def serve(uow: UnitOfWork, delivery: sa.Row[Any], proven: Proven, *, recorded_by: str) -> str:
    """Keep the proof as the next link of the case's chain, mark the delivery served at the proven
    time and announce it (notify.document.served.v1). Returns the proof's id."""
    now = uow.clock.now()
    # One writer per case's chain at a time: two proofs of one case must not share a link.
    await uow.session.execute(_lock_case_chain, {"key": f"proofs:{delivery.case_id}"})
    previous = (await uow.session.execute(
        sa.select(delivery_proofs.c.chain_sha256).where(delivery_proofs.c.case_id == delivery.case_id)
        .order_by(delivery_proofs.c.seq.desc()).limit(1))).scalar_one_or_none() or CHAIN_GENESIS
    digest = sha256_hex(proven.evidence)
    chain = chain_link(previous, proof_sha256=digest, document_id=delivery.document_id,
                       served_at=proven.at)
    proof_id = new_id()
    await uow.session.execute(delivery_proofs.insert().values(
        id=proof_id, delivery_id=delivery.id, document_id=delivery.document_id,
        case_id=delivery.case_id, channel=proven.channel, address=proven.address,
        reference=proven.reference, served_at=proven.at, summary=proven.summary,
        content_type=proven.evidence_type, content=proven.evidence, sha256=digest,
        previous_chain=previous, chain_sha256=chain, recorded_by=recorded_by, recorded_at=now))
    await uow.session.execute(deliveries.update().where(deliveries.c.id == delivery.id).values(
        status=DeliveryStatus.SERVED, next_attempt_at=None, lease_until=None, proof_due_at=None,
        updated_at=now, served_at=proven.at, served_channel=proven.channel,
        served_address=proven.address, reply_code=proven.reply_code, reply_text=proven.reply_text,
        proof=proven.summary, proof_id=proof_id))
    await uow.emit(DocumentServed(
        document_id=delivery.document_id, case_id=delivery.case_id, kind=delivery.kind,
        channel=proven.channel, served_at=proven.at, proof=proven.summary, proof_id=proof_id,
        proof_sha256=digest, chain_sha256=chain), subject=delivery.document_id)
    return proof_id


async def _handed_over(uow: UnitOfWork, channel: ChannelName,
                       reference: str) -> tuple[sa.Row[Any], sa.Row[Any]] | None:
    """The hand-over `reference` on `channel` and its delivery, locked; None when unknown."""
    handed = (await uow.session.execute(
        sa.select(handovers).where(handovers.c.channel == str(channel),
                                   handovers.c.reference == reference))).first()
    if handed is None:
        return None
    delivery = (await uow.session.execute(
        sa.select(deliveries, documents.c.kind, documents.c.sha256)
        .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
        .where(deliveries.c.id == handed.delivery_id).with_for_update(of=deliveries))).one()
    return handed, delivery


def _check(channel: ChannelName, receipt: Receipt, handed: sa.Row[Any],
           delivery: sa.Row[Any]) -> None:
    """A callback's proof must be about the document and the recipient handed over."""
    if receipt.document_sha256 is not None and receipt.document_sha256.lower() != delivery.sha256:
        raise ProofRejected(f"the party was shown a document hashing to {receipt.document_sha256}; "
                            f"document {delivery.document_id} hashes to {delivery.sha256}")
    if channel == ChannelName.WECHAT and receipt.address != handed.address:
        raise ProofRejected(f"hand-over {receipt.reference} went to another recipient")


async def _called_back(uow: UnitOfWork, handed: sa.Row[Any], outcome: AttemptOutcome,
                       reply_code: int | None, reply_text: str) -> datetime:
    """The callback as an attempt of its hand-over's delivery; returns its time."""
    now = uow.clock.now()
    await uow.session.execute(delivery_attempts.insert().values(
        delivery_id=handed.delivery_id, round=handed.round, channel=handed.channel,
        address=handed.address, started_at=now, finished_at=now, outcome=outcome,
        reply_code=reply_code, reply_text=reply_text, reference=handed.reference))
    return now


class CallbackProofs:
    """The `ProofSink` of channels whose proof arrives by callback. A proof that comes after its
    wait ended still proves service (the party did read it), unless another proof came first."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def proven(self, channel: ChannelName, reference: str, receipt: Receipt) -> bool:
        async with self.runtime.uow() as uow:
            found = await _handed_over(uow, channel, reference)
            if found is None:
                return False
            handed, delivery = found
            _check(channel, receipt, handed, delivery)
            # Served continues the trace of the document's delivery, not the callback's own.
            with continued(self.runtime.tracer, delivery.traceparent, f"proof of {delivery.id}"):
                await _called_back(uow, handed, AttemptOutcome.SERVED, receipt.reply_code,
                                   receipt.reply_text)
                if delivery.status == DeliveryStatus.SERVED:
                    log.info("delivery %s already served; proof %s on %s kept as an attempt",
                             delivery.id, reference, channel)
                else:
                    await serve(uow, delivery, Proven.by_channel(receipt),
                                recorded_by=f"channel:{channel}")
                await uow.commit()
        return True

    async def refused(self, channel: ChannelName, reference: str, refusal: Refusal) -> bool:
        async with self.runtime.uow() as uow:
            found = await _handed_over(uow, channel, reference)
            if found is None:
                return False
            handed, delivery = found
            now = await _called_back(uow, handed, AttemptOutcome.FAILED, refusal.reply_code,
                                     refusal.reply_text)
            if (delivery.status == DeliveryStatus.AWAITING_PROOF
                    and delivery.awaiting_reference == reference):
                # The plan goes on with the next channel at once.
                dead = sorted(set(delivery.dead) | ({str(channel)} if not refusal.transient else set()))
                await uow.session.execute(deliveries.update().where(
                    deliveries.c.id == delivery.id).values(
                    status=DeliveryStatus.PENDING, cursor=delivery.cursor + 1, dead=dead,
                    awaiting_reference=None, proof_due_at=None, next_attempt_at=now,
                    updated_at=now))
                created_work(uow.session, deliveries)
            await uow.commit()
        return True


_IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff",
                "application/pdf": b"%PDF-"}


def decoded(name: str, b64: str, content_type: str, allowed: tuple[str, ...]) -> bytes:
    """An uploaded image or scan, checked by its first bytes; 422 naming the field otherwise."""
    try:
        content = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(422, "evidence-invalid", f"{name} is not base64", str(exc)) from exc
    if content_type not in allowed:
        raise Problem(422, "evidence-invalid", f"{name} has a type that is not kept",
                      f"{name} is kept as {' or '.join(allowed)}, not {content_type}")
    if not content.startswith(_IMAGE_MAGIC[content_type]):
        raise Problem(422, "evidence-invalid", f"{name} is not what it says",
                      f"{name} is not a {content_type} file")
    return content


async def record_by_hand(runtime: Runtime, who: Principal, delivery_id: str, *, way: Fallback,
                         served_at: datetime, reference: str, summary: str,
                         record: dict[str, Any]) -> str:
    """A grid worker served the document in person (photo and signature) or the post returned its
    receipt: `record` (canonical JSON, images base64) is the proof. Grid workers record only for
    their own grid's deliveries; other staff for any. Returns the proof's id."""
    async with runtime.uow() as uow:
        now = uow.clock.now()
        delivery = (await uow.session.execute(
            sa.select(deliveries, documents.c.kind)
            .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
            .where(deliveries.c.id == delivery_id).with_for_update(of=deliveries))).first()
        if delivery is None or not await _may_serve(uow, who, delivery):
            raise Problem(404, "not-found", "No such delivery",
                          f"no delivery {delivery_id} you may serve")
        if delivery.status == DeliveryStatus.SERVED:
            raise Problem(409, "already-served", "The document is already served",
                          f"served by {delivery.served_channel} at {delivery.served_at.isoformat()}; "
                          "its legal clocks run from then")
        refusal = in_person_refusal(served_at, now=now, opened_at=delivery.created_at)
        if refusal is not None:
            raise Problem(422, "served-at-invalid", "The time of service cannot be taken", refusal)
        evidence = json.dumps({**record, "delivery_id": delivery_id,
                               "document_id": delivery.document_id, "way": str(way),
                               "served_at": served_at.isoformat(), "recorded_by": who.subject},
                              ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        proven = Proven(str(way), reference, reference, served_at, None, summary, summary,
                        evidence, "application/json")
        proof_id = await serve(uow, delivery, proven, recorded_by=f"staff:{who.subject}")
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role=",".join(sorted(who.roles)),
            action=f"record_service_{way}", subject=f"delivery:{delivery_id}", reason=summary))
        await uow.commit()
    return proof_id


async def _may_serve(uow: UnitOfWork, who: Principal, delivery: sa.Row[Any]) -> bool:
    """A grid worker serves the deliveries of a grid it works in; other staff those of their
    district (all of them when city-wide)."""
    if who.has_any({Role.OFFICER_A, Role.EXECUTOR_C, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF}):
        return who.reaches(delivery.district)
    if delivery.grid is None:
        return False
    workers = (await uow.session.execute(sa.select(grids.c.workers).where(
        grids.c.code == delivery.grid))).scalar_one_or_none()
    return who.subject in (workers or [])


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
