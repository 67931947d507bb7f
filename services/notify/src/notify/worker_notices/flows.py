"""Notice use cases: render the correction notice as a document (once), make a notice from an
intake event (once), send one attempt outside any transaction, record its outcome in one
transaction, and list notices for staff."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_contracts.intake import CorrectionNoticeIssued
from labor_contracts.notify import WorkerNoticeDelivered, WorkerNoticeFailed
from labor_runtime.crypto import mask
from labor_runtime.db import UnitOfWork
from labor_runtime.outbound import SendResult, WebhookSender
from labor_runtime.rendering import render_pdf
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from labor_runtime.tracing import continued
from labor_runtime.webhooks import Verdict, pause_after, verdict
from labor_runtime.workers import created_work
from sqlalchemy.dialects.postgresql import insert

from notify.documents import flows as documents
from notify.documents.rules import verify_url
from notify.settings import NotifyRuntime, NotifySettings
from notify.worker_notices import correction
from notify.worker_notices.models import worker_notices
from notify.worker_notices.rules import (
    FailureCause,
    FilingChannel,
    NoticeKind,
    NoticeStatus,
    attempt_error,
    failure_summary,
    gave_up_reason,
    no_endpoint_reason,
    notice_body,
    receipt,
    refused_reason,
)
from notify.worker_notices.schemas import NoticeDocument, ReceiptView, WorkerNoticeView

log = logging.getLogger(__name__)


def endpoint_of(settings: NotifySettings, channel: str) -> tuple[str, str] | None:
    """The channel's notice URL and signing secret; None when it has none configured."""
    try:
        name = FilingChannel(channel)
    except ValueError:
        return None
    url, secret = settings.worker_notice_endpoints.get(name), settings.worker_notice_secrets.get(name)
    if url is None or secret is None:
        return None
    return str(url), secret.get_secret_value()


async def correction_document(uow: UnitOfWork, *, settings: NotifySettings,
                              data: CorrectionNoticeIssued, event_id: str) -> documents.Rendered:
    """R-INT-2, R-DLV-4: the correction notice rendered once as a PDF and kept with its hash. Its
    id comes from the event, so a redelivered event finds the kept document and renders nothing."""
    document_id = correction.document_id(data.complaint_id, event_id)
    kept = await documents.rendered(uow.session, document_id)
    if kept is not None:
        return kept
    link = verify_url(settings.public_base_url, document_id)
    pdf = render_pdf(correction.content(
        document_id=document_id, verify_url=link, authority=settings.authority_name,
        number=correction.number(settings.correction_notice_number_prefix, document_id,
                                 data.issued_at),
        tracking_code=data.tracking_code, complaint_id=data.complaint_id, channel=data.channel,
        missing=data.missing, items=data.items, issued_at=data.issued_at,
        materials_office=settings.materials_office), creator=correction.CREATOR)
    return await documents.keep_rendered(
        uow.session, document_id=document_id, case_id=data.complaint_id, kind=correction.KIND,
        title=correction.TITLE, content=pdf, verify_url=link, recipient=dict(correction.RECIPIENT),
        issued_at=data.issued_at, now=uow.clock.now(), event_id=event_id)


def _carried(document: documents.Rendered) -> dict[str, Any]:
    """The document as the notice's body carries it."""
    return NoticeDocument(
        document_id=document.document_id, title=document.title, sha256=document.sha256,
        verify_url=document.verify_url, content_type="application/pdf",
        content_b64=base64.b64encode(document.content).decode()).model_dump()


async def open_notice(uow: UnitOfWork, *, settings: NotifySettings, kind: NoticeKind,
                      complaint_id: str, tracking_code: str, channel: str, issued_at: datetime,
                      content: Mapping[str, Any], event_id: str,
                      document: documents.Rendered | None = None,
                      district: str | None = None) -> str | None:
    """Make the notice, due now; failed at once when its channel has no endpoint (staff see why,
    intake is told by notify.worker_notice.failed.v1). Once per (complaint, kind, event): returns
    None when it exists already. `document`: the rendered notice the body carries."""
    now = uow.clock.now()
    notice_id = new_id()
    if document is not None:
        content = {**content, "document": _carried(document)}
    values: dict[str, Any] = dict(
        id=notice_id, kind=str(kind), complaint_id=complaint_id, tracking_code=tracking_code,
        channel=channel, source_event_id=event_id, issued_at=issued_at,
        body=notice_body(notice_id=notice_id, kind=kind, tracking_code=tracking_code,
                         complaint_id=complaint_id, channel=channel, issued_at=issued_at,
                         content=content),
        attempts=0, created_at=now, updated_at=now,
        document_id=document.document_id if document else None,
        document_sha256=document.sha256 if document else None, traceparent=uow.traceparent,
        district=district)
    if endpoint_of(settings, channel) is not None:
        values.update(status=NoticeStatus.PENDING, next_attempt_at=now)
    else:
        values.update(status=NoticeStatus.FAILED, failed_at=now,
                      failure_reason=no_endpoint_reason(channel))
    created: str | None = (await uow.session.execute(
        insert(worker_notices).values(**values)
        .on_conflict_do_nothing(constraint="worker_notices_once")
        .returning(worker_notices.c.id))).scalar_one_or_none()
    if created is not None and values["status"] == NoticeStatus.PENDING:
        created_work(uow.session, worker_notices)
    if created is not None and values["status"] == NoticeStatus.FAILED:
        log.warning("worker notice %s (%s, tracking code %s): %s", notice_id, kind,
                    mask(tracking_code), values["failure_reason"])
        await _emit_failed(uow, notice_id=notice_id, kind=str(kind), complaint_id=complaint_id,
                           channel=channel, issued_at=issued_at, cause=FailureCause.NO_ENDPOINT,
                           status_code=None, attempts=0, error="", at=now)
    return created


async def _emit_failed(uow: UnitOfWork, *, notice_id: str, kind: str, complaint_id: str,
                       channel: str, issued_at: datetime, cause: FailureCause,
                       status_code: int | None, attempts: int, error: str, at: datetime) -> None:
    """R-INT-3: intake learns the worker was not told through the channel (in the transaction
    that records it, so once per notice). No tracking code, no reply text (R-INT-7)."""
    reason = failure_summary(cause, channel=channel, status_code=status_code, attempts=attempts,
                             error=error)
    await uow.emit(WorkerNoticeFailed(
        notice_id=notice_id, complaint_id=complaint_id, kind=kind, channel=channel,
        issued_at=issued_at, cause=str(cause), reason=reason, last_status_code=status_code,
        attempts=attempts, failed_at=at), subject=complaint_id)


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: NoticeStatus
    verdict: Verdict


@dataclass(frozen=True)
class Sent:
    """One attempt at a notice, answered and not yet recorded."""

    row: sa.Row[Any]
    answer: SendResult
    judged: Verdict
    no_endpoint: bool = False


async def attempt(runtime: NotifyRuntime, sender: WebhookSender, notice_ids: Sequence[str]) -> list[Outcome]:
    """One attempt at each of the notices: read together, POSTed concurrently with no transaction
    open, the answers recorded in one transaction (each alone when that fails, so one bad row
    does not keep the others unrecorded). A notice delivered or failed already is skipped: a
    delivered notice is never sent again."""
    settings = runtime.settings
    async with runtime.reader.connect() as conn:
        rows = (await conn.execute(sa.select(worker_notices)
                                   .where(worker_notices.c.id.in_(notice_ids)))).all()
    sent = await asyncio.gather(*(_send(settings, sender, row) for row in rows
                                  if row.status == NoticeStatus.PENDING))
    try:
        return await _record(runtime, settings, sent)
    except Exception as exc:
        if len(sent) < 2:
            raise
        log.info("recording %d notice attempts together failed (%s: %s); recording each alone",
                 len(sent), type(exc).__name__, exc)
    outcomes: list[Outcome] = []
    for one in sent:
        try:
            outcomes += await _record(runtime, settings, [one])
        except Exception:  # not recorded: the lease expires and the notice is sent again
            log.exception("worker notice %s: attempt not recorded", one.row.id)
    return outcomes


async def _send(settings: NotifySettings, sender: WebhookSender, row: sa.Row[Any]) -> Sent:
    endpoint = endpoint_of(settings, row.channel)
    if endpoint is None:  # configured when it was made, removed since
        return Sent(row, SendResult(None, error=no_endpoint_reason(row.channel)), Verdict.REFUSED,
                    no_endpoint=True)
    url, secret = endpoint
    answer = await sender.send(url=url, secret=secret, msg_id=row.id, body=row.body)
    return Sent(row, answer, verdict(answer.status_code))


async def _record(runtime: Runtime, settings: NotifySettings, sent: Sequence[Sent]) -> list[Outcome]:
    """Record attempts in one transaction; a notice changes to delivered or failed once (its row
    is locked and must still be pending) and tells intake in the same transaction."""
    if not sent:
        return []
    outcomes: list[Outcome] = []
    async with runtime.uow() as uow:
        current = {row.id: row for row in (await uow.session.execute(
            sa.select(worker_notices.c.id, worker_notices.c.status, worker_notices.c.attempts)
            .where(worker_notices.c.id.in_([one.row.id for one in sent]))
            .order_by(worker_notices.c.id).with_for_update())).all()}
        for one in sent:
            # What the attempt emits continues the trace of the event that made the notice.
            with continued(runtime.tracer, one.row.traceparent, f"worker notice {one.row.id}"):
                outcome = await _settle(uow, settings, one, current[one.row.id])
            if outcome is not None:
                outcomes.append(outcome)
        await uow.commit()
    return outcomes


async def _settle(uow: UnitOfWork, settings: NotifySettings, sent: Sent,
                  current: sa.Row[Any]) -> Outcome | None:
    row, answer, judged = sent.row, sent.answer, sent.judged
    masked = mask(row.tracking_code)
    if current.status != NoticeStatus.PENDING:
        # Another worker finished it while this one was sending (its lease ran out).
        log.warning("worker notice %s was %s before this attempt ended", row.id, current.status)
        return None
    now = uow.clock.now()
    attempts = current.attempts + 1
    answered = receipt(answer.status_code or 0, answer.reply, row.tracking_code, masked)
    error = attempt_error(answer.status_code, answer.error, answered.excerpt)
    changes: dict[str, Any] = dict(attempts=attempts, lease_until=None, updated_at=now,
                                   last_status_code=answer.status_code)
    if judged is Verdict.DELIVERED:
        status = NoticeStatus.DELIVERED
        changes.update(status=status, next_attempt_at=None, delivered_at=now, last_error=None,
                       receipt_status=answered.status_code, receipt_sha256=answered.sha256,
                       receipt_excerpt=answered.excerpt)
        await uow.emit(WorkerNoticeDelivered(
            notice_id=row.id, complaint_id=row.complaint_id, kind=row.kind,
            channel=row.channel, issued_at=row.issued_at, delivered_at=now,
            status_code=answered.status_code, attempts=attempts), subject=row.complaint_id)
    else:
        changes.update(last_error=error)
        pause: float | None = None
        if judged is Verdict.RETRY:
            pause = pause_after(attempts, settings.worker_notice_retry_seconds,
                                status_code=answer.status_code, retry_after=answer.retry_after,
                                now=now)
        if pause is not None:
            status = NoticeStatus.PENDING
            changes.update(next_attempt_at=now + timedelta(seconds=pause))
        else:
            status = NoticeStatus.FAILED
            if judged is Verdict.REFUSED:
                reason = refused_reason(answer.status_code, error)
                cause = FailureCause.NO_ENDPOINT if sent.no_endpoint else FailureCause.REFUSED
            else:
                reason = gave_up_reason(attempts, error)
                cause = FailureCause.RETRIES_EXHAUSTED
            changes.update(status=status, next_attempt_at=None, failed_at=now,
                           failure_reason=reason)
            await _emit_failed(uow, notice_id=row.id, kind=row.kind,
                               complaint_id=row.complaint_id, channel=row.channel,
                               issued_at=row.issued_at, cause=cause,
                               status_code=answer.status_code, attempts=attempts,
                               error=answer.error, at=now)
            log.warning("worker notice %s (%s, channel %s, tracking code %s) failed: %s",
                        row.id, row.kind, row.channel, masked, reason)
    await uow.session.execute(worker_notices.update().where(worker_notices.c.id == row.id)
                              .values(**changes))
    return Outcome(row.kind, status, judged)


async def list_notices(runtime: Runtime, who: Principal, *, status: NoticeStatus | None,
                       channel: str | None, kind: NoticeKind | None, complaint_id: str | None,
                       limit: int) -> list[WorkerNoticeView]:
    """The notices within the caller's reach: its district's complaints', or all for city-wide
    staff (a notice of no known district is city-wide business; issue 10, finding 4)."""
    query = sa.select(worker_notices).order_by(worker_notices.c.created_at.desc(),
                                               worker_notices.c.id).limit(limit)
    if not who.city_wide:
        query = query.where(worker_notices.c.district == who.district)
    for column, value in ((worker_notices.c.status, status), (worker_notices.c.channel, channel),
                          (worker_notices.c.kind, kind),
                          (worker_notices.c.complaint_id, complaint_id)):
        if value is not None:
            query = query.where(column == str(value))
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [_view(r) for r in rows]


async def open_counts(runtime: Runtime) -> dict[str, int]:
    """Pending and failed notices (the ones someone may need to act on), for the gauge."""
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(worker_notices.c.status, sa.func.count())
            .where(worker_notices.c.status.in_([NoticeStatus.PENDING, NoticeStatus.FAILED]))
            .group_by(worker_notices.c.status))).all()
    counts = {str(NoticeStatus.PENDING): 0, str(NoticeStatus.FAILED): 0}
    counts.update({status: n for status, n in rows})
    return counts


def _view(row: sa.Row[Any]) -> WorkerNoticeView:
    proof = None
    if row.status == NoticeStatus.DELIVERED:
        proof = ReceiptView(status_code=row.receipt_status, sha256=row.receipt_sha256,
                            excerpt=row.receipt_excerpt or "", delivered_at=row.delivered_at)
    return WorkerNoticeView(
        id=row.id, kind=row.kind, complaint_id=row.complaint_id,
        tracking_code=mask(row.tracking_code), channel=row.channel, issued_at=row.issued_at,
        status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code, last_error=row.last_error,
        created_at=row.created_at, receipt=proof, failed_at=row.failed_at,
        failure_reason=row.failure_reason, document_id=row.document_id,
        document_sha256=row.document_sha256)
