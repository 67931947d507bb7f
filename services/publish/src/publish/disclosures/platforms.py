"""National platforms (信用中国, 国家企业信用信息公示系统) behind one adapter interface.

No adapter speaks a platform's protocol yet: their upload APIs are not public, and a made-up
protocol would be a fake success. Until one exists every disclosure leaves one `pending`
submission row per platform with its R-PUB-1 due date as a stored timer; an operator who uploads
by hand records the platform's receipt (`POST /v1/platform-submissions/{id}/submitted`), and a
submission still pending on its due date raises `runtime.deadline.overdue.v1`.
"""

from __future__ import annotations

from typing import Protocol

from publish.disclosures.schemas import DisclosureView

SUBMISSION_DUE = "publish.platform_submission"


class PlatformRejected(Exception):
    """The platform refused the record (with its reason); a person must look at it."""


class PlatformAdapter(Protocol):
    """What an adapter for one platform provides. An implementation is given the disclosure and
    returns the platform's receipt number, raising `PlatformRejected` for a refusal and any other
    exception for a transient failure (retried)."""

    platform: str

    async def submit(self, disclosure: DisclosureView) -> str: ...
