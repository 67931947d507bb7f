"""Partner use cases (operations): register a partner, its subscriptions and its endpoint."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.outbound import (
    DestinationRefused,
    DestinationUnresolvable,
    resolve_destination,
)
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal, issue_api_key
from labor_runtime.webhooks import new_secret
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from publish.partners.models import partner_subscriptions, partners
from publish.partners.rules import url_problem
from publish.partners.schemas import (
    PartnerCreate,
    PartnerCreated,
    PartnerView,
    SubscriptionsUpdate,
    WebhookSet,
    WebhookUpdate,
)
from publish.settings import PublishRuntime
from publish.webhooks.flows import endpoint_enabled, secret_aad

FEED_SCOPE = "disclosures:read"


async def check_webhook_url(runtime: PublishRuntime, url: str) -> None:
    """Refuse a URL that is malformed or resolves to a non-public address (SSRF)."""
    settings = runtime.settings
    problem = url_problem(url, require_https=settings.webhook_require_https)
    if problem:
        raise Problem(422, "invalid-webhook-url", "Webhook URL not acceptable", problem)
    try:
        await resolve_destination(url, allow_private=settings.webhook_allow_private_networks)
    except DestinationRefused as exc:
        raise Problem(422, "webhook-url-refused", "Webhook URL refused",
                      f"{exc}: partner endpoints must be public addresses") from exc
    except DestinationUnresolvable as exc:
        raise Problem(422, "webhook-url-unresolvable", "Webhook host does not resolve",
                      str(exc)) from exc


def _audit(who: Principal, action: str, partner_id: str, reason: str, now: Any) -> audit.AuditEntry:
    return audit.AuditEntry(at=now, actor=who.subject, role=",".join(sorted(who.roles)),
                            action=action, subject=f"partner:{partner_id}", reason=reason)


async def create(runtime: PublishRuntime, who: Principal, body: PartnerCreate) -> PartnerCreated:
    if body.webhook_url is not None:
        await check_webhook_url(runtime, body.webhook_url)
    now = runtime.clock.now()
    partner_id = new_id()
    secret = new_secret() if body.webhook_url is not None else None
    categories = sorted({str(c) for c in body.categories})
    try:
        async with runtime.uow() as uow:
            api_key = await issue_api_key(uow.session, client=partner_id, kind="partner",
                                          scopes=[FEED_SCOPE])
            await uow.session.execute(partners.insert().values(
                id=partner_id, name=body.name, agency=body.agency,
                api_key_id=api_key.split("_", 2)[1], webhook_url=body.webhook_url,
                webhook_secret_enc=None if secret is None else runtime.cipher.encrypt(
                    secret, secret_aad(partner_id)),
                created_by=who.subject, created_at=now, updated_at=now))
            await _set_categories(uow.session, partner_id, categories, now)
            await audit.record(uow.session, _audit(
                who, "create_partner", partner_id,
                f"{body.name}; categories {','.join(categories) or 'none'}", now))
            await uow.commit()
    except IntegrityError as exc:
        raise Problem(409, "partner-exists", "Partner already registered",
                      f"a partner named {body.name!r} exists") from exc
    view = await get(runtime, partner_id)
    return PartnerCreated(**view.model_dump(), api_key=api_key, webhook_secret=secret)


async def _set_categories(session: AsyncSession, partner_id: str, categories: list[str],
                          now: Any) -> None:
    await session.execute(partner_subscriptions.delete().where(
        partner_subscriptions.c.partner_id == partner_id))
    if categories:
        await session.execute(partner_subscriptions.insert().values([
            {"partner_id": partner_id, "category": c, "created_at": now} for c in categories]))


async def set_subscriptions(runtime: Runtime, who: Principal, partner_id: str,
                            body: SubscriptionsUpdate) -> PartnerView:
    """Replace the partner's categories; later disclosures follow the new set."""
    now = runtime.clock.now()
    categories = sorted({str(c) for c in body.categories})
    async with runtime.uow() as uow:
        await _lock(uow.session, partner_id)
        await _set_categories(uow.session, partner_id, categories, now)
        await uow.session.execute(partners.update().where(partners.c.id == partner_id)
                                  .values(updated_at=now))
        await audit.record(uow.session, _audit(who, "set_subscriptions", partner_id,
                                               ",".join(categories) or "none", now))
        await uow.commit()
    return await get(runtime, partner_id)


async def set_webhook(runtime: PublishRuntime, who: Principal, partner_id: str,
                      body: WebhookUpdate) -> WebhookSet:
    """Point the partner's pushes at a URL and enable them again (after a 410 or a failing spell);
    deliveries still pending resume."""
    await check_webhook_url(runtime, body.url)
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        row = await _lock(uow.session, partner_id)
        secret = new_secret() if row.webhook_secret_enc is None else None
        values: dict[str, Any] = {"webhook_url": body.url, "webhook_disabled_at": None,
                                  "webhook_disabled_reason": "", "failing_since": None,
                                  "updated_at": now}
        if secret is not None:
            values["webhook_secret_enc"] = runtime.cipher.encrypt(secret, secret_aad(partner_id))
        await uow.session.execute(partners.update().where(partners.c.id == partner_id)
                                  .values(**values))
        await audit.record(uow.session, _audit(who, "set_webhook", partner_id, body.url, now))
        endpoint_enabled(uow.session)  # its pending deliveries resume
        await uow.commit()
    return WebhookSet(webhook_url=body.url, webhook_enabled=True, webhook_secret=secret)


async def _lock(session: AsyncSession, partner_id: str) -> Any:
    row = (await session.execute(sa.select(partners).where(partners.c.id == partner_id)
                                 .with_for_update())).first()
    if row is None:
        raise Problem(404, "not-found", "No such partner")
    return row


def _view(row: Any, categories: list[str]) -> PartnerView:
    return PartnerView(id=row.id, name=row.name, agency=row.agency, webhook_url=row.webhook_url,
                       webhook_enabled=row.webhook_url is not None
                       and row.webhook_disabled_at is None,
                       webhook_disabled_reason=row.webhook_disabled_reason,
                       categories=categories, created_at=row.created_at)


async def get(runtime: Runtime, partner_id: str) -> PartnerView:
    views = await _views(runtime, partners.c.id == partner_id)
    if not views:
        raise Problem(404, "not-found", "No such partner")
    return views[0]


async def list_all(runtime: Runtime) -> list[PartnerView]:
    return await _views(runtime, sa.true())


async def _views(runtime: Runtime, where: sa.ColumnElement[bool]) -> list[PartnerView]:
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(partners).where(where)
                                   .order_by(partners.c.name))).all()
        subs = (await conn.execute(sa.select(partner_subscriptions).where(
            partner_subscriptions.c.partner_id.in_([r.id for r in rows]))
            .order_by(partner_subscriptions.c.category))).all()
    by_partner: dict[str, list[str]] = {}
    for s in subs:
        by_partner.setdefault(s.partner_id, []).append(s.category)
    return [_view(r, by_partner.get(r.id, [])) for r in rows]

