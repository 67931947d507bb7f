"""Disclosure use cases: disclose a penalty decision, read what is public, page a partner's feed,
record a national-platform receipt."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import PenaltyDecided
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_contracts.publish import DisclosurePublished
from labor_runtime import audit, timers
from labor_runtime.bus import Rejected
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.dialects.postgresql import insert

from publish.disclosures.models import disclosures, platform_submissions
from publish.disclosures.platforms import SUBMISSION_DUE
from publish.disclosures.rules import (
    Category,
    decode_cursor,
    encode_cursor,
    is_public,
    penalty_text,
    platform_due,
    publicity_end,
)
from publish.disclosures.schemas import (
    DisclosurePage,
    DisclosureView,
    FeedEntry,
    FeedPage,
    SubmissionRecorded,
    SubmissionView,
)
from publish.partners.models import partner_subscriptions, partners
from publish.settings import PublishRuntime, PublishSettings
from publish.webhooks import flows as webhooks

# Disclosures take their feed position under this lock, so positions follow commit order and a
# partner paging with `position > cursor` can never skip a disclosure that committed late.
FEED_LOCK = 0x5055424C4953  # "PUBLIS"
_DATE = TypeAdapter(date)


def view_of(row: Any) -> DisclosureView:
    return DisclosureView(
        id=row.id, category=row.category, decision_number=row.decision_number,
        employer_name=row.employer_name, employer_credit_code=row.employer_credit_code,
        legal_representative=row.legal_representative, violation=row.violation,
        legal_basis=row.legal_basis, penalty=row.penalty, fine_amount=row.fine_amount,
        measures=list(row.measures), authority=row.authority, decided_on=row.decided_on,
        published_at=row.published_at, publicity_ends_on=row.publicity_ends_on)


def _stated_publicity_end(event: Envelope) -> date | None:
    """The decision's own publicity end date, when the producer sends one (`publicity_ends_on`,
    an optional field `cases.penalty.decided.v1` does not declare yet)."""
    raw = event.data.get("publicity_ends_on")
    if raw is None:
        return None
    try:
        return _DATE.validate_python(raw)
    except ValidationError as exc:
        raise Rejected(f"publicity_ends_on is not a date: {raw!r}") from exc


def _end_of_local_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BUREAU_TZ).astimezone(UTC)


async def disclose_penalty(uow: UnitOfWork, event: Envelope, data: PenaltyDecided,
                           settings: PublishSettings) -> str | None:
    """R-PUB-1/3: publish a penalty decision once; queue its platform submissions and webhooks.

    Runs inside the consumer's transaction; returns the disclosure id, or None when this
    decision was already disclosed (the same decision sent again under another event id).
    """
    category = Category.PENALTY_DECISION
    now = uow.clock.now()
    decided_on = Calendar.local_date(data.decided_at)
    ends_on = publicity_end(decided_on, settings.publicity_term_years[category],
                            _stated_publicity_end(event))
    disclosure_id = new_id()
    employer = data.employer
    await uow.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    inserted = (await uow.session.execute(
        insert(disclosures).values(
            id=disclosure_id, category=category, source_ref=data.decision_id,
            source_event_id=event.id, case_id=data.case_id, decision_number=data.decision_number,
            employer_name=employer.name, employer_credit_code=employer.credit_code,
            legal_representative=employer.legal_representative, violation=data.violation,
            legal_basis=data.legal_basis, fine_amount=data.fine_amount,
            measures=list(data.measures), penalty=penalty_text(data.fine_amount, data.measures),
            authority=data.authority, decided_on=decided_on, decided_at=data.decided_at,
            published_at=now, publicity_ends_on=ends_on)
        .on_conflict_do_nothing(index_elements=["category", "source_ref"])
        .returning(*disclosures.c))).first()
    if inserted is None:
        return None
    due_on = platform_due(decided_on, settings.platform_publish_within_days, data.publish_by)
    for platform in settings.disclosure_platforms:
        submission_id = new_id()
        await uow.session.execute(platform_submissions.insert().values(
            id=submission_id, disclosure_id=disclosure_id, platform=platform, status="pending",
            due_on=due_on, note="no adapter for this platform: submit by hand and record the receipt",
            created_at=now, updated_at=now))
        await timers.schedule(uow.session, kind=SUBMISSION_DUE, subject=submission_id,
                              due_at=_end_of_local_day(due_on), now=now,
                              payload={"disclosure_id": disclosure_id, "platform": platform})
    view = view_of(inserted)
    body = json.dumps({"type": webhooks.DISCLOSURE_PUBLISHED, "timestamp": now.isoformat(),
                       "data": view.model_dump(mode="json")},
                      ensure_ascii=False, separators=(",", ":"))
    await webhooks.enqueue(uow.session, disclosure_id=disclosure_id, category=category,
                           message_type=webhooks.DISCLOSURE_PUBLISHED, body=body, now=now)
    await uow.emit(DisclosurePublished(disclosure_id=disclosure_id, case_id=data.case_id,
                                       category=category, published_at=now,
                                       publicity_ends_on=ends_on), subject=data.case_id)
    return disclosure_id


async def withdraw(uow: UnitOfWork, *, category: Category, source_ref: str, reason: str,
                   detail_for: Callable[[str, Any], dict[str, Any]] | None = None
                   ) -> str | None:
    """R-PUB-4: take a disclosure down and tell every subscriber of its category why; the id,
    or None when it was withdrawn before (a redelivered event changes nothing).

    `detail_for(agency, row)` adds what each partner's agency needs to the message (e.g. the
    punishments it lifts). Unknown disclosures raise LookupError: the event that publishes it
    may still be on its way, so the caller retries."""
    now = uow.clock.now()
    row = (await uow.session.execute(
        sa.select(disclosures).where(disclosures.c.category == category,
                                     disclosures.c.source_ref == source_ref)
        .with_for_update())).first()
    if row is None:
        raise LookupError(f"no {category} disclosure of {source_ref} to withdraw yet")
    if row.withdrawn_at is not None:
        return None
    await uow.session.execute(disclosures.update().where(disclosures.c.id == row.id).values(
        withdrawn_at=now, withdrawal_reason=reason))
    await audit.record(uow.session, audit.AuditEntry(
        at=now, actor=uow.source, role="system", action="withdraw_disclosure",
        subject=f"disclosure:{row.id}", reason=reason))
    notice = {"id": row.id, "category": row.category, "decision_number": row.decision_number,
              "employer_name": row.employer_name,
              "employer_credit_code": row.employer_credit_code, "reason": reason,
              "withdrawn_at": now.isoformat()}

    def body_for(agency: str) -> str:
        data = notice | (detail_for(agency, row) if detail_for else {})
        return json.dumps({"type": webhooks.DISCLOSURE_WITHDRAWN, "timestamp": now.isoformat(),
                           "data": data}, ensure_ascii=False, separators=(",", ":"))

    await webhooks.enqueue_per_agency(uow.session, disclosure_id=row.id, category=category,
                                      message_type=webhooks.DISCLOSURE_WITHDRAWN,
                                      body_for=body_for, now=now)
    return str(row.id)


def _public_now(runtime: Runtime) -> sa.ColumnElement[bool]:
    today = Calendar.local_date(runtime.clock.now())
    return sa.and_(disclosures.c.withdrawn_at.is_(None), disclosures.c.publicity_ends_on >= today)


async def public_page(runtime: Runtime, *, page: int, page_size: int, credit_code: str | None,
                      category: str | None) -> DisclosurePage:
    """Disclosures in their publicity term, newest first (R-PUB-4: expired ones are taken down)."""
    where = [_public_now(runtime)]
    if credit_code:
        where.append(disclosures.c.employer_credit_code == credit_code.strip().upper())
    if category:
        where.append(disclosures.c.category == category)
    async with runtime.engine.connect() as conn:
        total = (await conn.execute(sa.select(sa.func.count()).select_from(disclosures)
                                    .where(*where))).scalar_one()
        rows = (await conn.execute(
            sa.select(disclosures).where(*where)
            .order_by(disclosures.c.published_at.desc(), disclosures.c.seq.desc())
            .offset((page - 1) * page_size).limit(page_size))).all()
    return DisclosurePage(items=[view_of(r) for r in rows], page=page, page_size=page_size,
                          total=total)


async def public_one(runtime: Runtime, disclosure_id: str) -> DisclosureView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(disclosures).where(
            disclosures.c.id == disclosure_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such disclosure")
    if not is_public(row.publicity_ends_on, row.withdrawn_at is not None,
                     Calendar.local_date(runtime.clock.now())):
        raise Problem(410, "disclosure-ended", "No longer public",
                      "the publicity term ended or the disclosure was withdrawn (R-PUB-4)")
    return view_of(row)


async def feed(runtime: PublishRuntime, partner: Principal, *, cursor: str | None,
               limit: int | None) -> FeedPage:
    """The partner's subscribed categories, in feed order, after `cursor`."""
    settings = runtime.settings
    size = limit or settings.feed_page_size
    if size > settings.feed_max_page_size:
        raise Problem(422, "limit-too-large", "Page too large",
                      f"ask for at most {settings.feed_max_page_size} entries")
    after = 0 if cursor is None else decode_cursor(cursor)
    if after is None:
        raise Problem(400, "invalid-cursor", "Invalid cursor",
                      "pass a cursor exactly as the feed returned it, or none to start over")
    async with runtime.engine.connect() as conn:
        known = (await conn.execute(sa.select(partners.c.id).where(
            partners.c.id == partner.name))).first()
        if known is None:
            raise Problem(403, "forbidden", "Not a registered partner",
                          "this key belongs to no partner registered with publish")
        categories = (await conn.execute(sa.select(partner_subscriptions.c.category).where(
            partner_subscriptions.c.partner_id == partner.name))).scalars().all()
        rows = (await conn.execute(
            sa.select(disclosures)
            .where(disclosures.c.category.in_(categories), disclosures.c.seq > after)
            .order_by(disclosures.c.seq).limit(size + 1))).all() if categories else []
    page = rows[:size]
    entries = [FeedEntry(cursor=encode_cursor(r.seq), type=webhooks.DISCLOSURE_PUBLISHED,
                         disclosure=view_of(r)) for r in page]
    return FeedPage(items=entries, next_cursor=entries[-1].cursor if entries else
                    encode_cursor(after), has_more=len(rows) > size)


def _submission_view(row: Any) -> SubmissionView:
    return SubmissionView(id=row.id, disclosure_id=row.disclosure_id, platform=row.platform,
                          status=row.status, due_on=row.due_on, reference=row.reference,
                          note=row.note, submitted_at=row.submitted_at)


async def submissions(runtime: Runtime, *, status: str | None, limit: int) -> list[SubmissionView]:
    c = platform_submissions.c
    query = sa.select(platform_submissions).order_by(c.due_on, c.disclosure_id, c.platform).limit(limit)
    if status is not None:
        query = query.where(platform_submissions.c.status == status)
    async with runtime.engine.connect() as conn:
        return [_submission_view(r) for r in (await conn.execute(query)).all()]


async def record_submission(runtime: Runtime, who: Principal, submission_id: str,
                            body: SubmissionRecorded) -> SubmissionView:
    """An operator uploaded the disclosure by hand: keep the platform's receipt, stop the clock."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        row = (await uow.session.execute(
            platform_submissions.update()
            .where(platform_submissions.c.id == submission_id,
                   platform_submissions.c.status == "pending")
            .values(status="submitted", reference=body.reference, note=body.note,
                    submitted_at=now, updated_at=now, recorded_by=who.subject)
            .returning(*platform_submissions.c))).first()
        if row is None:
            exists = (await uow.session.execute(sa.select(platform_submissions.c.status).where(
                platform_submissions.c.id == submission_id))).scalar_one_or_none()
            if exists is None:
                raise Problem(404, "not-found", "No such platform submission")
            raise Problem(409, "already-recorded", "Submission already recorded",
                          f"this submission is {exists}")
        await timers.complete(uow.session, kind=SUBMISSION_DUE, subject=submission_id, now=now)
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role=",".join(sorted(who.roles)),
            action="record_platform_submission", subject=f"platform_submission:{submission_id}",
            reason=f"{row.platform} receipt {body.reference}"))
        await uow.commit()
    return _submission_view(row)
