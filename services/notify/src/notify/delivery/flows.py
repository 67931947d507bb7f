"""Delivery use cases: open a delivery for a stored document on the party's confirmed addresses,
run its hand-overs and follow-ups outside any transaction, and record each outcome with its event
in one transaction. Proof itself is kept by `proofs`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.identifiers import new_id
from labor_contracts.notify import DeliveryFailed
from labor_runtime.db import UnitOfWork
from labor_runtime.workers import created_work

from notify.addresses import flows as addresses
from notify.channels.base import (
    Channel,
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    HandedOver,
    Letter,
    Pending,
    Receipt,
    Refusal,
)
from notify.delivery import proofs
from notify.delivery.models import deliveries, delivery_attempts, handovers
from notify.delivery.rules import (
    WORKED,
    AttemptOutcome,
    DeliveryStatus,
    Fallback,
    Proven,
    fallback_reason,
    next_look,
    next_round_due,
    next_step,
    proof_due,
    refusal_text,
)
from notify.documents.models import documents
from notify.grids.queries import grid_of
from notify.settings import DeliveryPlan, NotifyRuntime, NotifySettings

log = logging.getLogger(__name__)


def plan(delivery_plan: DeliveryPlan, channels: Mapping[ChannelName, Channel],
         confirmed: Mapping[str, str] | None,
         recipient: EmployerRef) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The channels to try, in the plan's order, each on the party's confirmed address; and the
    channels skipped, with why. Without a delivery-address confirmation nothing is electronic."""
    steps: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for name in delivery_plan.channels:
        address = (confirmed or {}).get(str(name))
        channel = channels.get(name)
        try:
            if address is None:
                hint = (f"; the case names {recipient.email}, which the party has not confirmed"
                        if name == ChannelName.EMAIL and recipient.email else "")
                raise ChannelUnusable("no confirmed address on this channel (送达地址确认书)" + hint)
            if channel is None:
                raise ChannelUnusable("no adapter for this channel")
            steps.append({"channel": str(name), "address": channel.check_address(address)})
        except ChannelUnusable as exc:
            skipped.append({"channel": str(name), "reason": str(exc)})
    return steps, skipped


async def open_delivery(uow: UnitOfWork, *, settings: NotifySettings,
                        channels: Mapping[ChannelName, Channel], document_id: str, case_id: str,
                        kind: str, recipient: EmployerRef, district: str | None) -> str:
    """Start serving a stored document: due at once on its first confirmed channel, or at once in
    person when the party confirmed no usable address. `district`: the case's; without one (a
    credit document), the employer's grid's, so the right brigade sees it."""
    now = uow.clock.now()
    if district is None:
        grid = await grid_of(uow.session, recipient.credit_code)
        district = grid.district if grid is not None else None
    delivery_plan = settings.plan_for(kind)
    confirmation = await addresses.in_force(uow.session, recipient.credit_code)
    steps, skipped = plan(delivery_plan, channels, confirmation[1] if confirmation else None,
                          recipient)
    delivery_id = new_id()
    values: dict[str, Any] = dict(
        id=delivery_id, document_id=document_id, case_id=case_id, plan=steps, skipped=skipped,
        # Short enough to stay on one header line; the same for every e-mail of this delivery.
        message_id=f"<{delivery_id.replace('-', '')}@{settings.sender_domain}>",
        rounds=0, created_at=now, updated_at=now,
        waits={str(c): w for c, w in delivery_plan.proof_wait_seconds.items()},
        fallback=str(delivery_plan.fallback), district=district,
        confirmation_id=confirmation[0] if confirmation else None, traceparent=uow.traceparent)
    if steps:
        values.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    else:
        values.update(await _in_person(uow, recipient.credit_code, Fallback(delivery_plan.fallback),
                                       fallback_reason(0, [], Fallback(delivery_plan.fallback)),
                                       now))
        await uow.emit(DeliveryFailed(document_id=document_id, case_id=case_id,
                                      reason=values["in_person_reason"], failed_at=now),
                       subject=document_id)
    await uow.session.execute(deliveries.insert().values(**values))
    if steps:
        created_work(uow.session, deliveries)
    return delivery_id


async def _in_person(uow: UnitOfWork, credit_code: str | None, fallback: Fallback, reason: str,
                     now: datetime) -> dict[str, Any]:
    """The columns of a delivery handed to the employer's grid workers (or the post)."""
    grid = await grid_of(uow.session, credit_code) if fallback == Fallback.GRID_WORKER else None
    return dict(status=DeliveryStatus.IN_PERSON, next_attempt_at=None, lease_until=None,
                awaiting_reference=None, proof_due_at=None, in_person_since=now,
                in_person_reason=reason, grid=grid.code if grid is not None else None,
                fallback=str(fallback))


@dataclass(frozen=True)
class _Tried:
    """One hand-over or follow-up and what came of it."""

    index: int
    channel: ChannelName
    address: str
    started_at: datetime
    finished_at: datetime
    outcome: AttemptOutcome
    reply_code: int | None
    reply_text: str
    reference: str | None = None
    receipt: Receipt | None = None
    transient: bool = True


@dataclass
class _Round:
    """What the worker did with one delivery this time: its attempts, in order."""

    start_status: DeliveryStatus
    start_cursor: int
    tried: list[_Tried] = field(default_factory=list)

    @property
    def dead(self) -> set[str]:
        return {str(t.channel) for t in self.tried
                if t.outcome == AttemptOutcome.FAILED and not t.transient}


async def attempt(runtime: NotifyRuntime, channels: Mapping[ChannelName, Channel],
                  delivery_id: str) -> DeliveryStatus | None:
    """The worker's turn with one delivery: ask after the proof it awaits, then hand it over on the
    next channels of its plan until one takes it. No transaction is open while a channel talks to
    its far end. None when there was nothing to do (served, in person, or changed meanwhile)."""
    settings = runtime.settings
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(deliveries, documents.c.kind, documents.c.title, documents.c.content_type,
                      documents.c.sha256, documents.c.verify_url, documents.c.recipient)
            .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
            .where(deliveries.c.id == delivery_id))).first()
    if row is None or row.status not in WORKED:
        return None
    work = _Round(DeliveryStatus(row.status), row.cursor)
    start = row.cursor
    if row.status == DeliveryStatus.AWAITING_PROOF:
        looked = await _follow_up(runtime, channels, row, settings.delivery_attempt_timeout_seconds)
        if looked is None:  # still waiting, and the wait is not over
            return await _record(runtime, settings, delivery_id, work)
        work.tried.append(looked)
        if looked.outcome == AttemptOutcome.SERVED:
            return await _record(runtime, settings, delivery_id, work)
        start = row.cursor + 1
    names = [step["channel"] for step in row.plan]
    dead = set(row.dead)
    content: bytes | None = None  # read only when a hand-over is due, not on every follow-up
    while (index := next_step(names, start, dead | work.dead)) is not None:
        step = row.plan[index]
        if content is None:
            content = await _content(runtime, row.document_id)
        tried = await _hand_over(runtime, channels, row, content, index,
                                 ChannelName(step["channel"]), step["address"],
                                 settings.delivery_attempt_timeout_seconds)
        work.tried.append(tried)
        if tried.outcome in (AttemptOutcome.SERVED, AttemptOutcome.HANDED_OVER):
            break
        start = index + 1
    return await _record(runtime, settings, delivery_id, work)


async def _follow_up(runtime: NotifyRuntime, channels: Mapping[ChannelName, Channel],
                     row: sa.Row[Any], timeout: float) -> _Tried | None:
    """Ask the channel after the awaited proof; a result, or the end of the wait, is an attempt."""
    name = ChannelName(row.plan[row.cursor]["channel"])
    address = row.plan[row.cursor]["address"]
    wait = row.waits.get(str(name), 0.0)
    pending = Pending(name, address, row.awaiting_reference,
                      row.proof_due_at - timedelta(seconds=wait))
    started = runtime.clock.now()
    channel = channels.get(name)
    answer: Receipt | Refusal | None = None
    if channel is not None:
        try:
            async with asyncio.timeout(timeout):
                answer = await channel.follow_up(pending)
        except Exception:  # a far end that cannot answer now is asked again at the next look
            log.warning("follow-up of %s on %s failed", row.awaiting_reference, name, exc_info=True)
    now = runtime.clock.now()
    if isinstance(answer, Receipt):
        return _Tried(row.cursor, name, address, started, now, AttemptOutcome.SERVED,
                      answer.reply_code, answer.reply_text, row.awaiting_reference, answer)
    if isinstance(answer, Refusal):
        return _Tried(row.cursor, name, address, started, now, AttemptOutcome.FAILED,
                      answer.reply_code, answer.reply_text, row.awaiting_reference,
                      transient=answer.transient)
    if now >= row.proof_due_at:
        return _Tried(row.cursor, name, address, started, now, AttemptOutcome.NO_PROOF, None,
                      f"no proof of service within {wait:g}s of the hand-over" if wait else
                      "no proof of service in time", row.awaiting_reference)
    return None


async def _content(runtime: NotifyRuntime, document_id: str) -> bytes:
    async with runtime.engine.connect() as conn:
        return bytes((await conn.execute(sa.select(documents.c.content).where(
            documents.c.id == document_id))).scalar_one())


async def _hand_over(runtime: NotifyRuntime, channels: Mapping[ChannelName, Channel],
                     row: sa.Row[Any], content: bytes, index: int, name: ChannelName,
                     address: str, timeout: float) -> _Tried:
    reference = new_id()
    letter = Letter(
        delivery_id=row.id, message_id=row.message_id, reference=reference,
        document_id=row.document_id, case_id=row.case_id, kind=row.kind, title=row.title,
        content_type=row.content_type, content=content, sha256=row.sha256,
        verify_url=row.verify_url, recipient_name=row.recipient.get("name", ""), address=address)
    started = runtime.clock.now()
    channel = channels.get(name)
    if channel is None:
        return _Tried(index, name, address, started, started, AttemptOutcome.FAILED, None,
                      "channel no longer configured", transient=False)
    async with runtime.engine.begin() as conn:
        await conn.execute(handovers.insert().values(
            reference=reference, delivery_id=row.id, channel=str(name), address=address,
            round=row.rounds + 1, started_at=started))
    try:
        async with asyncio.timeout(timeout):
            answer = await channel.deliver(letter)
    except DeliveryRefused as exc:
        return _Tried(index, name, address, started, runtime.clock.now(), AttemptOutcome.FAILED,
                      exc.reply_code, exc.reply_text, transient=exc.transient)
    except TimeoutError:
        return _Tried(index, name, address, started, runtime.clock.now(), AttemptOutcome.FAILED,
                      None, f"no answer within {timeout:g}s")
    except Exception as exc:  # an adapter bug must fail the attempt, not wedge the delivery
        log.exception("channel %s failed unexpectedly on delivery %s", name, row.id)
        return _Tried(index, name, address, started, runtime.clock.now(), AttemptOutcome.FAILED,
                      None, f"unexpected {type(exc).__name__}: {exc}")
    if isinstance(answer, HandedOver):
        return _Tried(index, name, address, started, runtime.clock.now(),
                      AttemptOutcome.HANDED_OVER, answer.reply_code, answer.reply_text,
                      answer.reference)
    return _Tried(index, name, address, started, runtime.clock.now(), AttemptOutcome.SERVED,
                  answer.reply_code, answer.reply_text, answer.reference, answer)


async def _record(runtime: NotifyRuntime, settings: NotifySettings, delivery_id: str,
                  work: _Round) -> DeliveryStatus | None:
    """This turn's attempts, and the delivery's new state with its event, in one transaction."""
    async with runtime.uow() as uow:
        current = (await uow.session.execute(
            sa.select(deliveries, documents.c.kind, documents.c.recipient)
            .join_from(deliveries, documents, deliveries.c.document_id == documents.c.id)
            .where(deliveries.c.id == delivery_id).with_for_update(of=deliveries))).one()
        round_no = current.rounds + 1
        for t in work.tried:
            await uow.session.execute(delivery_attempts.insert().values(
                delivery_id=delivery_id, round=round_no, channel=str(t.channel), address=t.address,
                started_at=t.started_at, finished_at=t.finished_at, outcome=t.outcome,
                reply_code=t.reply_code, reply_text=t.reply_text, reference=t.reference))
        if current.status != work.start_status or current.cursor != work.start_cursor:
            # A callback proved it, or another worker moved it on while this one was out (its
            # lease ran out): keep the facts of this turn, change nothing else.
            log.warning("delivery %s changed to %s during this turn", delivery_id, current.status)
            await uow.commit()
            return None
        now = uow.clock.now()
        dead = sorted(set(current.dead) | work.dead)
        changes: dict[str, Any] = dict(dead=dead, lease_until=None, updated_at=now)
        last = work.tried[-1] if work.tried else None
        if last is None and work.start_status == DeliveryStatus.AWAITING_PROOF:
            # the wait is not over: look again later
            channel = ChannelName(current.plan[current.cursor]["channel"])
            changes.update(next_attempt_at=next_look(
                now, current.proof_due_at, _poll_seconds(settings, channel)))
            status = DeliveryStatus.AWAITING_PROOF
        elif last is not None and last.receipt is not None:
            status = DeliveryStatus.SERVED
            await proofs.serve(uow, current, Proven.by_channel(last.receipt),
                               recorded_by=f"channel:{last.channel}")
        elif last is not None and last.outcome == AttemptOutcome.HANDED_OVER:
            if await _refused_already(uow, delivery_id, last.reference):
                # The far end's failure report came before this turn was recorded: go on now.
                status = DeliveryStatus.PENDING
                changes.update(status=status, cursor=last.index + 1, next_attempt_at=now)
                created_work(uow.session, deliveries)
            else:
                status = DeliveryStatus.AWAITING_PROOF
                due = proof_due(last.finished_at, current.waits.get(str(last.channel), 0.0))
                changes.update(status=status, cursor=last.index, awaiting_reference=last.reference,
                               proof_due_at=due, next_attempt_at=next_look(
                                   now, due, _poll_seconds(settings, last.channel)))
        else:
            status = await _round_over(uow, settings, current, work, round_no, dead, changes, now)
        if status != DeliveryStatus.SERVED:
            await uow.session.execute(deliveries.update().where(deliveries.c.id == delivery_id)
                                      .values(**changes))
        await uow.commit()
    return status


async def _refused_already(uow: UnitOfWork, delivery_id: str, reference: str | None) -> bool:
    return (await uow.session.execute(sa.select(delivery_attempts.c.id).where(
        delivery_attempts.c.delivery_id == delivery_id,
        delivery_attempts.c.reference == reference,
        delivery_attempts.c.outcome == AttemptOutcome.FAILED).limit(1))).first() is not None


def _poll_seconds(settings: NotifySettings, channel: ChannelName) -> float | None:
    """Channels whose proof is asked for are looked at every follow-up period; the others only
    at the end of their wait (their proof arrives by callback)."""
    return settings.delivery_follow_up_seconds if channel == ChannelName.DINGTALK else None


async def _round_over(uow: UnitOfWork, settings: NotifySettings, current: sa.Row[Any],
                      work: _Round, round_no: int, dead: Sequence[str], changes: dict[str, Any],
                      now: datetime) -> DeliveryStatus:
    """No channel took the document this round: the next round, or the plan's fallback."""
    changes.update(rounds=round_no, cursor=0, awaiting_reference=None, proof_due_at=None)
    live = [s for s in current.plan if s["channel"] not in dead]
    due = next_round_due(round_no, settings.delivery_retry_seconds, now) if live else None
    if due is not None:
        changes.update(status=DeliveryStatus.PENDING, next_attempt_at=due)
        return DeliveryStatus.PENDING
    fallback = Fallback(current.fallback)
    refusals = [Refusal(t.channel, t.address, t.reply_code, t.reply_text, t.transient)
                for t in work.tried]
    reason = fallback_reason(round_no, refusals, fallback)
    changes.update(await _in_person(uow, EmployerRef(**current.recipient).credit_code, fallback,
                                    reason, now))
    await uow.emit(DeliveryFailed(document_id=current.document_id, case_id=current.case_id,
                                  reason=reason, failed_at=now), subject=current.document_id)
    log.info("delivery %s goes %s: %s", current.id, fallback,
             "; ".join(refusal_text(r) for r in refusals))
    return DeliveryStatus.IN_PERSON
