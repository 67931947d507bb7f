"""Delivery use cases: open a delivery for a stored document, run one round of attempts outside
any transaction, record its outcome with the event in one transaction, and read deliveries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.identifiers import new_id
from labor_contracts.notify import DeliveryFailed, DocumentServed
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.workers import created_work
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.channels.base import Channel, ChannelUnusable, DeliveryRefused, Letter
from notify.delivery.models import deliveries, delivery_attempts
from notify.delivery.rules import (
    AttemptOutcome,
    ChannelName,
    DeliveryStatus,
    Receipt,
    Refusal,
    failure_reason,
    next_round_due,
    proof_text,
)
from notify.delivery.schemas import AttemptView, DeliveryView, PlannedChannel, ProofView, SkippedChannel
from notify.documents.models import documents
from notify.settings import NotifyRuntime, NotifySettings

log = logging.getLogger(__name__)


def plan(priority: Sequence[ChannelName], channels: Mapping[ChannelName, Channel],
         recipient: EmployerRef) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The channels to try, in priority order, with the recipient's address on each; and the
    channels skipped, with why."""
    steps: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for name in priority:
        channel = channels.get(name)
        try:
            if channel is None:
                raise ChannelUnusable("no adapter for this channel")
            steps.append({"channel": str(name), "address": channel.address_for(recipient)})
        except ChannelUnusable as exc:
            skipped.append({"channel": str(name), "reason": str(exc)})
    return steps, skipped


async def open_delivery(uow: UnitOfWork, *, settings: NotifySettings,
                        channels: Mapping[ChannelName, Channel], document_id: str, case_id: str,
                        recipient: EmployerRef) -> str:
    """Start serving a stored document: due at once, or failed at once when no channel can reach
    the recipient (staff are told by notify.delivery.failed.v1)."""
    now = uow.clock.now()
    steps, skipped = plan(settings.channel_priority, channels, recipient)
    delivery_id = new_id()
    values: dict[str, Any] = dict(
        id=delivery_id, document_id=document_id, case_id=case_id, plan=steps, skipped=skipped,
        # Short enough to stay on one header line; the same for every e-mail of this delivery.
        message_id=f"<{delivery_id.replace('-', '')}@{settings.sender_domain}>",
        rounds=0, created_at=now, updated_at=now)
    if steps:
        values.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    else:
        reason = "no channel can reach the recipient: " + "; ".join(
            f"{s['channel']}: {s['reason']}" for s in skipped)
        values.update(status=DeliveryStatus.FAILED, failed_at=now, failure_reason=reason)
        await uow.emit(DeliveryFailed(document_id=document_id, case_id=case_id, reason=reason,
                                      failed_at=now), subject=document_id)
    await uow.session.execute(deliveries.insert().values(**values))
    if steps:
        created_work(uow.session, deliveries)
    return delivery_id


@dataclass(frozen=True)
class _Tried:
    channel: ChannelName
    address: str
    started_at: datetime
    finished_at: datetime
    receipt: Receipt | None
    refusal: Refusal | None


async def attempt(runtime: NotifyRuntime, channels: Mapping[ChannelName, Channel],
                  delivery_id: str) -> DeliveryStatus | None:
    """One round: try the planned channels in order until one takes the document. No database
    transaction is open while a channel talks to its far end. None when there was nothing to do
    (already served or failed: a served document is never sent again)."""
    settings = runtime.settings
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(deliveries, documents.c.kind, documents.c.title, documents.c.content_type,
                      documents.c.content, documents.c.sha256, documents.c.verify_url,
                      documents.c.recipient)
            .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
            .where(deliveries.c.id == delivery_id))).first()
    if row is None or row.status != DeliveryStatus.PENDING:
        return None
    tried: list[_Tried] = []
    for step in row.plan:
        name, address = ChannelName(step["channel"]), step["address"]
        letter = Letter(
            delivery_id=row.id, message_id=row.message_id, reference=new_id(),
            document_id=row.document_id,
            case_id=row.case_id, kind=row.kind, title=row.title, content_type=row.content_type,
            content=row.content, sha256=row.sha256, verify_url=row.verify_url,
            recipient_name=row.recipient.get("name", ""), address=address)
        started = runtime.clock.now()
        receipt, refusal = await _hand_over(channels.get(name), letter, name,
                                            settings.delivery_attempt_timeout_seconds)
        tried.append(_Tried(name, address, started, runtime.clock.now(), receipt, refusal))
        if receipt is not None:
            break
    return await _record(runtime, settings, delivery_id, tried)


async def _hand_over(channel: Channel | None, letter: Letter, name: ChannelName,
                     timeout: float) -> tuple[Receipt | None, Refusal | None]:
    if channel is None:
        return None, Refusal(name, letter.address, None, "channel no longer configured")
    try:
        async with asyncio.timeout(timeout):
            return await channel.deliver(letter), None
    except DeliveryRefused as exc:
        return None, Refusal(name, letter.address, exc.reply_code, exc.reply_text)
    except TimeoutError:
        return None, Refusal(name, letter.address, None, f"no answer within {timeout:g}s")
    except Exception as exc:  # an adapter bug must fail the attempt, not wedge the delivery
        log.exception("channel %s failed unexpectedly on delivery %s", name, letter.delivery_id)
        return None, Refusal(name, letter.address, None, f"unexpected {type(exc).__name__}: {exc}")


async def _record(runtime: Runtime, settings: NotifySettings, delivery_id: str,
                  tried: list[_Tried]) -> DeliveryStatus | None:
    """The round's attempts, and the delivery's new state with its event, in one transaction."""
    async with runtime.uow() as uow:
        current = (await uow.session.execute(
            sa.select(deliveries, documents.c.kind)
            .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
            .where(deliveries.c.id == delivery_id).with_for_update(of=deliveries))).one()
        round_no = current.rounds + 1
        for t in tried:
            outcome = t.receipt or t.refusal
            assert outcome is not None
            await uow.session.execute(delivery_attempts.insert().values(
                delivery_id=delivery_id, round=round_no, channel=str(t.channel), address=t.address,
                started_at=t.started_at, finished_at=t.finished_at,
                outcome=AttemptOutcome.SERVED if t.receipt else AttemptOutcome.FAILED,
                reply_code=outcome.reply_code, reply_text=outcome.reply_text))
        if current.status != DeliveryStatus.PENDING:
            # Another worker finished it while this one was sending (its lease ran out): keep the
            # facts of this round, change nothing else.
            log.warning("delivery %s was %s before this round ended", delivery_id, current.status)
            await uow.commit()
            return None
        now = uow.clock.now()
        changes: dict[str, Any] = dict(rounds=round_no, lease_until=None, updated_at=now)
        receipt = tried[-1].receipt if tried else None
        if receipt is not None:
            status = DeliveryStatus.SERVED
            proof = proof_text(receipt)
            changes.update(status=status, next_attempt_at=None, served_at=receipt.at,
                           served_channel=str(receipt.channel), served_address=receipt.address,
                           reply_code=receipt.reply_code, reply_text=receipt.reply_text, proof=proof)
            await uow.emit(DocumentServed(
                document_id=current.document_id, case_id=current.case_id, kind=current.kind,
                channel=str(receipt.channel), served_at=receipt.at, proof=proof),
                subject=current.document_id)
        else:
            due = next_round_due(round_no, settings.delivery_retry_seconds, now)
            if due is not None:
                status = DeliveryStatus.PENDING
                changes.update(next_attempt_at=due)
            else:
                status = DeliveryStatus.FAILED
                reason = failure_reason(round_no, [t.refusal for t in tried if t.refusal])
                changes.update(status=status, next_attempt_at=None, failed_at=now,
                               failure_reason=reason)
                await uow.emit(DeliveryFailed(document_id=current.document_id,
                                              case_id=current.case_id, reason=reason, failed_at=now),
                               subject=current.document_id)
        await uow.session.execute(deliveries.update().where(deliveries.c.id == delivery_id)
                                  .values(**changes))
        await uow.commit()
    return status


_VIEW_COLUMNS = (deliveries, documents.c.kind, documents.c.title)


async def list_deliveries(runtime: Runtime, *, case_id: str | None, status: DeliveryStatus | None,
                          limit: int) -> list[DeliveryView]:
    query = (sa.select(*_VIEW_COLUMNS)
             .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
             .order_by(deliveries.c.created_at.desc(), deliveries.c.id).limit(limit))
    if case_id is not None:
        query = query.where(deliveries.c.case_id == case_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        attempts = await _attempts(conn, [r.id for r in rows])
    return [_view(r, attempts.get(r.id, [])) for r in rows]


async def get_delivery(runtime: Runtime, delivery_id: str) -> DeliveryView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(*_VIEW_COLUMNS)
            .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
            .where(deliveries.c.id == delivery_id))).first()
        if row is None:
            raise Problem(404, "not-found", "No such delivery")
        attempts = await _attempts(conn, [delivery_id])
    return _view(row, attempts.get(delivery_id, []))


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
            reply_text=r.reply_text))
    return found


def _view(row: sa.Row[Any], attempts: list[AttemptView]) -> DeliveryView:
    proof = None
    if row.status == DeliveryStatus.SERVED:
        proof = ProofView(channel=row.served_channel, address=row.served_address,
                          served_at=row.served_at, reply_code=row.reply_code,
                          reply_text=row.reply_text, message_id=row.message_id, text=row.proof)
    return DeliveryView(
        id=row.id, document_id=row.document_id, case_id=row.case_id, kind=row.kind,
        title=row.title, status=row.status, plan=[PlannedChannel(**s) for s in row.plan],
        skipped=[SkippedChannel(**s) for s in row.skipped], rounds=row.rounds,
        next_attempt_at=row.next_attempt_at, created_at=row.created_at, proof=proof,
        failed_at=row.failed_at, failure_reason=row.failure_reason, attempts=attempts)
