"""HTTP API of notices to the worker: staff see which workers were told, and which were not and
why; the OpenAPI webhook `worker-notice` documents what a filing channel receives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from notify.worker_notices import flows
from notify.worker_notices.rules import FilingChannel, NoticeKind, NoticeStatus
from notify.worker_notices.schemas import WorkerNoticeBody, WorkerNoticeView

# Who handles complaints and their deadlines; not ops, who never read personal data (a notice
# names the worker's complaint and what they were told).
READERS = (Role.OFFICER_A, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF)

router = APIRouter(prefix="/v1/worker-notices", tags=["worker notices"])

Reader = Annotated[Principal, Depends(staff(*READERS))]


@router.get("", summary="Notices to the worker, newest first (R-INT-2, R-INT-3)",
            description="A `failed` notice did not reach the worker through their channel "
            "(`failure_reason` says why): the worker must be told another way.")
async def list_worker_notices(
    runtime: RuntimeDep, who: Reader,
    status: NoticeStatus | None = None,
    channel: FilingChannel | None = None,
    kind: NoticeKind | None = None,
    complaint_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[WorkerNoticeView]:
    return await flows.list_notices(runtime, who, status=status, channel=channel, kind=kind,
                                    complaint_id=complaint_id, limit=limit)


webhooks = APIRouter()


@webhooks.post(
    "worker-notice", summary="A notice to the worker, POSTed to the filing channel",
    description="Sent to `WORKER_NOTICE_ENDPOINTS[<channel>]`, signed per Standard Webhooks 1.0 "
    "with the channel's `WORKER_NOTICE_SECRETS[<channel>]` (`whsec_` + base64): verify "
    "`webhook-signature` = `v1,` + base64(HMAC-SHA256(base64-decoded secret, "
    "`{webhook-id}.{webhook-timestamp}.{raw body}`)), refuse timestamps more than 5 minutes off, "
    "and de-duplicate on `webhook-id` (= `notice_id`): a retry repeats the same id and body. "
    "Answer 2xx when taken (the reply's status and body hash are kept as the receipt); 408, 425, "
    "429, 5xx or no answer within the timeout: retried on a schedule (a Retry-After of a 429 or "
    "503 postpones the next attempt up to the longest pause); any other "
    "answer (another 4xx, or a 3xx: redirects are not followed): failed at once, the reply's start "
    "shown to staff. A correction notice carries `document`: the notice rendered once as a PDF "
    "(一次性补正告知书, `content_b64`) with its SHA-256 and the verify URL its QR code prints "
    "(`GET /v1/documents/{document_id}/verify`, public); show or store the PDF as it came.",
    status_code=200)
def worker_notice(
    body: WorkerNoticeBody,
    webhook_id: Annotated[str, Header(alias="webhook-id", description="the notice_id")],
    webhook_timestamp: Annotated[str, Header(alias="webhook-timestamp",
                                             description="Unix seconds when this attempt was signed")],
    webhook_signature: Annotated[str, Header(alias="webhook-signature",
                                             description="v1,<base64 HMAC-SHA256>")],
) -> None:
    """Documentation only: notify calls the channel, the channel implements this."""
