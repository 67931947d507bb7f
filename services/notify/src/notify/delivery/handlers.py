"""How notify reacts to cases and credit: an issued document is verified, kept and queued for
service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labor_contracts.cases import DocumentIssued, DocumentIssuedV2
from labor_contracts.credit import CreditDocumentIssued
from labor_contracts.envelope import Envelope
from labor_runtime.bus import Rejected
from labor_runtime.db import UnitOfWork

from notify.channels.base import Channel, ChannelName
from notify.delivery import flows
from notify.documents import flows as documents
from notify.documents.rules import ContentInvalid, verified_content
from notify.settings import NotifySettings


def handlers(settings: NotifySettings, channels: Mapping[ChannelName, Channel]) -> dict[str, Any]:
    async def serve(uow: UnitOfWork, event: Envelope,
                    data: DocumentIssued | DocumentIssuedV2 | CreditDocumentIssued,
                    matter_id: str) -> None:
        """Keep the document (R-DLV-4) and open its delivery, due now; the delivery worker sends
        it after this transaction commits, so no message or transaction waits on a mail server."""
        try:
            content = verified_content(data.content_b64, data.sha256)
        except ContentInvalid as exc:
            raise Rejected(f"document {data.document_id}: {exc}") from exc
        try:
            new = await documents.store(uow.session, data=data, case_id=matter_id,
                                        content=content, issued_at=event.time,
                                        now=uow.clock.now(), event_id=event.id)
        except documents.DocumentConflict as exc:
            raise Rejected(str(exc)) from exc
        if new:  # the same document issued again: its delivery exists, nothing is sent twice
            await flows.open_delivery(uow, settings=settings, channels=channels,
                                      document_id=data.document_id, case_id=matter_id,
                                      kind=str(data.kind), recipient=data.recipient,
                                      district=getattr(data, "district", None))

    async def on_document_issued(uow: UnitOfWork, event: Envelope,
                                 data: DocumentIssued | DocumentIssuedV2) -> None:
        await serve(uow, event, data, data.case_id)

    async def on_credit_document_issued(uow: UnitOfWork, event: Envelope,
                                        data: CreditDocumentIssued) -> None:
        """Credit's notices (R-DLV-1: 失信联合惩戒告知书, 信用修复告知书) are served the same way;
        their blacklist entry or repair stands where a case id would."""
        await serve(uow, event, data, data.matter_id)

    return {DocumentIssued.event_type: on_document_issued,
            DocumentIssuedV2.event_type: on_document_issued,
            CreditDocumentIssued.event_type: on_credit_document_issued}
