"""Webhook deliveries as data: queued with the disclosure, claimed under a lease, settled per
attempt. The HTTP request happens between claim and settle, outside any transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.outbound import SendResult
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.webhooks import Verdict, pause_after, verdict
from labor_runtime.workers import created_work
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from publish.partners.models import partner_subscriptions, partners
from publish.settings import PublishRuntime, PublishSettings
from publish.webhooks.models import webhook_attempts, webhook_deliveries
from publish.webhooks.rules import Outcome, message_id, outcome_of, should_disable
from publish.webhooks.schemas import AttemptView, DeliveryView

log = logging.getLogger(__name__)

DISCLOSURE_PUBLISHED = "disclosure.published"
DISCLOSURE_WITHDRAWN = "disclosure.withdrawn"
PUNISHMENT_IMPOSED = "punishment.imposed"
SYSTEM_ACTOR = "publish.webhooks"
LEASE_MARGIN_SECONDS = 30.0


def secret_aad(partner_id: str) -> str:
    return f"partners.webhook_secret:{partner_id}"


async def enqueue(session: AsyncSession, *, disclosure_id: str, category: str, message_type: str,
                  body: str, now: datetime) -> int:
    """One delivery for each partner subscribed to `category` with an active endpoint."""
    return await enqueue_per_agency(session, disclosure_id=disclosure_id, category=category,
                                    message_type=message_type, body_for=lambda _agency: body,
                                    now=now)


async def enqueue_per_agency(session: AsyncSession, *, disclosure_id: str, category: str,
                             message_type: str, body_for: Callable[[str], str | None],
                             now: datetime) -> int:
    """One delivery for each partner subscribed to `category` with an active endpoint, its body
    made for the partner's agency; a partner whose agency gets None is sent nothing."""
    subscribed = (await session.execute(
        sa.select(partners.c.id, partners.c.agency)
        .join(partner_subscriptions, partner_subscriptions.c.partner_id == partners.c.id)
        .where(partner_subscriptions.c.category == category, partners.c.webhook_url.is_not(None),
               partners.c.webhook_disabled_at.is_(None))
        .order_by(partners.c.id))).all()
    bodies = [(row.id, body_for(row.agency)) for row in subscribed]
    rows = [{"id": new_id(), "partner_id": pid, "disclosure_id": disclosure_id,
             "message_type": message_type, "body": body, "status": "pending", "attempts": 0,
             "next_attempt_at": now, "created_at": now, "updated_at": now}
            for pid, body in bodies if body is not None]
    if not rows:
        return 0
    await session.execute(insert(webhook_deliveries).values(rows).on_conflict_do_nothing())
    created_work(session, webhook_deliveries)
    return len(rows)


@dataclass(frozen=True)
class Claim:
    delivery_id: str
    partner_id: str
    url: str
    secret: str
    body: str
    attempts: int
    lease_token: str


async def claim(runtime: PublishRuntime, *, limit: int, exclude: set[str]) -> list[Claim]:
    """Lease due deliveries of enabled endpoints; a crashed worker's lease simply runs out."""
    settings = runtime.settings
    now = runtime.clock.now()
    lease = timedelta(seconds=settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)
    d, p = webhook_deliveries.c, partners.c
    async with runtime.uow() as uow:
        query = (
            sa.select(d.id, d.partner_id, d.body, d.attempts, p.webhook_url, p.webhook_secret_enc)
            .join(partners, p.id == d.partner_id)
            .where(d.status == "pending", d.next_attempt_at <= now,
                   sa.or_(d.leased_until.is_(None), d.leased_until <= now),
                   p.webhook_disabled_at.is_(None), p.webhook_url.is_not(None))
            .order_by(d.next_attempt_at).limit(limit)
            .with_for_update(of=webhook_deliveries, skip_locked=True))
        if exclude:
            query = query.where(d.id.not_in(exclude))
        rows = (await uow.session.execute(query)).all()
        claims = []
        for row in rows:
            token = uuid.uuid4().hex
            await uow.session.execute(webhook_deliveries.update().where(d.id == row.id).values(
                lease_token=token, leased_until=now + lease))
            claims.append(Claim(row.id, row.partner_id, row.webhook_url,
                                runtime.cipher.decrypt(row.webhook_secret_enc,
                                                       secret_aad(row.partner_id)),
                                row.body, row.attempts, token))
        await uow.commit()
    return claims


def endpoint_enabled(session: AsyncSession) -> None:
    """A partner's endpoint was enabled again: its pending deliveries are due once the
    transaction commits (wake the worker)."""
    created_work(session, webhook_deliveries)


async def next_due(runtime: Runtime) -> datetime | None:
    """When the next pending delivery to an enabled endpoint may be claimed."""
    d, p = webhook_deliveries.c, partners.c
    async with runtime.reader.connect() as conn:
        due = (await conn.execute(
            sa.select(sa.func.min(sa.func.greatest(
                d.next_attempt_at, sa.func.coalesce(d.leased_until, d.next_attempt_at))))
            .join(partners, p.id == d.partner_id)
            .where(d.status == "pending", p.webhook_disabled_at.is_(None),
                   p.webhook_url.is_not(None)))).scalar_one()
    return due if isinstance(due, datetime) else None


async def settle(runtime: PublishRuntime, claim: Claim, result: SendResult) -> Outcome:
    """Record an attempt; schedule the next one, or mark the delivery delivered or failed."""
    settings = runtime.settings
    now = runtime.clock.now()
    number = claim.attempts + 1
    judged = verdict(result.status_code)
    pause: float | None = None
    if judged is Verdict.RETRY:
        pause = pause_after(number, settings.webhook_retry_schedule_seconds,
                            status_code=result.status_code, retry_after=result.retry_after,
                            now=now)
    outcome = outcome_of(judged, result.status_code, pause)
    next_at = now + timedelta(seconds=pause) if pause is not None else None
    error = result.error
    if outcome is Outcome.GONE:
        error = "the endpoint answered 410 Gone; it is disabled"
    d = webhook_deliveries.c
    values: dict[str, object] = {
        "attempts": number, "last_status_code": result.status_code, "last_error": error,
        "lease_token": None, "leased_until": None, "updated_at": now,
        "status": {Outcome.DELIVERED: "delivered", Outcome.RETRY: "pending"}.get(outcome, "failed"),
    }
    if outcome is Outcome.DELIVERED:
        values["delivered_at"] = now
    if next_at is not None:
        values["next_attempt_at"] = next_at
    async with runtime.uow() as uow:
        settled = (await uow.session.execute(
            webhook_deliveries.update()
            .where(d.id == claim.delivery_id, d.lease_token == claim.lease_token,
                   d.status == "pending")
            .values(**values).returning(d.id))).first()
        if settled is None:  # our lease ran out and another attempt took over
            log.warning("webhook delivery %s settled elsewhere", claim.delivery_id)
            return outcome
        await uow.session.execute(webhook_attempts.insert().values(
            delivery_id=claim.delivery_id, number=number, attempted_at=now,
            status_code=result.status_code, outcome=outcome, error=error,
            duration_ms=result.duration_ms))
        await _endpoint_health(uow.session, claim.partner_id, outcome, now, settings)
        await uow.commit()
    return outcome


async def _endpoint_health(session: AsyncSession, partner_id: str, outcome: Outcome,
                           now: datetime, settings: PublishSettings) -> None:
    p = partners.c
    if outcome is Outcome.DELIVERED:
        await session.execute(partners.update().where(p.id == partner_id).values(failing_since=None))
        return
    if outcome is Outcome.GONE:
        await disable_endpoint(session, partner_id, "the endpoint answered 410 Gone", now)
        return
    failing_since = (await session.execute(
        partners.update().where(p.id == partner_id)
        .values(failing_since=sa.func.coalesce(p.failing_since, now))
        .returning(p.failing_since))).scalar_one()
    if should_disable(failing_since, now, settings.webhook_disable_after_failing_days):
        await disable_endpoint(session, partner_id,
                               f"failing without a success since {failing_since.isoformat()}", now)


async def disable_endpoint(session: AsyncSession, partner_id: str, reason: str,
                           now: datetime) -> None:
    """Stop pushing to a partner; its pending deliveries wait until ops re-enable the endpoint."""
    await session.execute(partners.update().where(
        partners.c.id == partner_id, partners.c.webhook_disabled_at.is_(None)).values(
        webhook_disabled_at=now, webhook_disabled_reason=reason, updated_at=now))
    await audit.record(session, audit.AuditEntry(
        at=now, actor=SYSTEM_ACTOR, role="system", action="disable_webhook",
        subject=f"partner:{partner_id}", reason=reason))
    log.warning("webhook endpoint of partner %s disabled: %s", partner_id, reason)


async def deliveries_of(runtime: Runtime, partner_id: str, *, status: str | None,
                        limit: int) -> list[DeliveryView]:
    """A partner's most recent deliveries with their attempts (operations view)."""
    d = webhook_deliveries.c
    async with runtime.engine.connect() as conn:
        if (await conn.execute(sa.select(partners.c.id).where(
                partners.c.id == partner_id))).first() is None:
            raise Problem(404, "not-found", "No such partner")
        query = (sa.select(webhook_deliveries).where(d.partner_id == partner_id)
                 .order_by(d.created_at.desc(), d.id).limit(limit))
        if status is not None:
            query = query.where(d.status == status)
        rows = (await conn.execute(query)).all()
        attempts = (await conn.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_([r.id for r in rows]))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.number))).all()
    log_of: dict[str, list[AttemptView]] = {}
    for a in attempts:
        log_of.setdefault(a.delivery_id, []).append(AttemptView(
            number=a.number, attempted_at=a.attempted_at, status_code=a.status_code,
            outcome=a.outcome, error=a.error, duration_ms=a.duration_ms))
    return [DeliveryView(
        id=r.id, webhook_id=message_id(r.id), disclosure_id=r.disclosure_id,
        message_type=r.message_type, status=r.status, attempts=r.attempts,
        next_attempt_at=r.next_attempt_at if r.status == "pending" else None,
        last_status_code=r.last_status_code, last_error=r.last_error, created_at=r.created_at,
        delivered_at=r.delivered_at, attempt_log=log_of.get(r.id, []),
    ) for r in rows]
