"""WeChat mini-program channel (微信小程序, R-DLV-2): a subscribe message points the party to the
document in the mini-program; the signed read receipt the mini-program backend posts when the party
opens it is the proof of service (R-DLV-3). The send result is only a hand-over.

WeChat server APIs, as documented:
- access token, `auth.getAccessToken` (GET /cgi-bin/token; `expires_in` ≤ 7,200 s; 40001/40125
  wrong AppSecret, 40013 invalid AppID, 40164 caller IP not whitelisted):
  https://developers.weixin.qq.com/minigame/en/dev/api-backend/open-api/access-token/auth.getAccessToken.html
- subscribe message, `subscribeMessage.send` (POST /cgi-bin/message/subscribe/send; 40003 invalid
  openid, 40037 invalid template id, 43101 the user refused or cancelled the subscription, 47003
  template data invalid, 41030 page not in the released mini-program; `thing` values ≤ 20
  characters, `character_string` ≤ 32 digits, letters or symbols):
  https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
  https://developers.weixin.qq.com/minigame/dev/api-backend/open-api/subscribe-message/subscribeMessage.send.html
- common codes (-1 system busy, 40001 access token invalid or not the latest, 42001 access token
  expired, 45009 daily quota reached, 45011 minute quota reached):
  https://developers.weixin.qq.com/doc/store/API/basics/commErrCode.html ; 40014 invalid
  access_token in the global return codes (全局返回码), e.g.
  https://wdk-docs.github.io/wxopen-docs/_sources/code/index.rst.txt ; 45047 a per-user send
  count limit ("out of response count limit"): https://blog.csdn.net/luduntao/article/details/79976456
- openid: the documents give no fixed length (those seen are 28 characters of [A-Za-z0-9_-];
  storing up to 64 is the usual advice: https://miaokee.com/2566459.html), so 1..64 is accepted.
Read receipts are signed per Standard Webhooks 1.0 (`labor_runtime.webhooks.verify`).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from labor_runtime.app import RuntimeDep
from labor_runtime.clock import Clock
from labor_runtime.problems import Problem
from labor_runtime.webhooks import TOLERANCE_SECONDS, SignatureRejected, verify
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PositiveFloat, SecretStr, ValidationError

from notify.channels.base import (
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    HandedOver,
    Letter,
    Pending,
    ProofRejected,
    ProofSink,
    Receipt,
    Refusal,
)
from notify.channels.tokens import AccessToken

log = logging.getLogger(__name__)

_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Value limits per template field type ("thing1" is of type "thing"), from the send API's table.
_VALUE_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "letter": 32, "number": 32}
_HINT = "请在小程序中查看并签收文书"  # "open and sign for the document in the mini-program"
_LANG = "zh_CN"

TOKEN_REFUSED = frozenset({40001, 40014, 42001})
# Codes after which this channel will never serve this party (the delivery moves on).
_PARTY_REFUSED = {
    43101: "the party refused the document notice or cancelled its subscription",
    40003: "the openid is not a user of this mini-program",
}
# Configuration faults: no party can be served until operations fix them.
_MISCONFIGURED = {
    40037: "wechat_template_id is not a subscribe-message template of this mini-program",
    47003: "the template data does not fit wechat_template_id's fields",
    41030: "wechat_page is not a page of the released mini-program",
}
_LIMITED = {
    45009: "daily API quota reached",
    45011: "per-minute API quota reached",
    45047: "send count limit for this user reached",
    -1: "WeChat system busy",
}
_TOKEN_FAULTS = {
    40001: "wechat_app_secret is wrong",
    40125: "wechat_app_secret is wrong",
    40013: "wechat_app_id is not a valid AppID",
    40164: "this server's IP address is not on the mini-program's IP whitelist",
}


class WechatSettings(BaseModel):
    """The WeChat mini-program channel's settings (a mixin of the service settings)."""

    wechat_api_base: str = Field(default="https://api.weixin.qq.com",
                                 description="WeChat server API base URL")
    wechat_app_id: str | None = Field(default=None, description="the mini-program's AppID; "
                                      "unset = the WeChat channel is not configured")
    wechat_app_secret: SecretStr | None = Field(default=None, description="the mini-program's AppSecret")
    wechat_template_id: str | None = Field(
        default=None, description="subscribe-message template announcing a served document")
    wechat_title_field: str = Field(default="thing1",
                                    description="template field for the document title (thing: ≤ 20)")
    wechat_number_field: str = Field(
        default="character_string2",
        description="template field for the document number (character_string: ≤ 32)")
    wechat_hint_field: str = Field(default="thing3",
                                   description="template field for the hint to open the document")
    wechat_page: str = Field(
        default="pages/document/index",
        description="mini-program page showing the document; `ref=<reference>` is added to its query")
    wechat_miniprogram_state: Literal["developer", "trial", "formal"] = Field(
        default="formal", description="which version of the mini-program the message opens")
    wechat_receipt_secret: SecretStr | None = Field(
        default=None, description="`whsec_` Standard Webhooks secret shared with the mini-program "
        "backend, which signs read receipts with it; unset = the channel is not configured")
    wechat_token_refresh_margin_seconds: PositiveFloat = Field(
        default=300, description="fetch a new access token this long before the current one expires")
    wechat_timeout_seconds: PositiveFloat = Field(default=10, description="per WeChat API call")


class WechatMiniProgramChannel:
    """Hands letters over as subscribe messages; proof comes by the read-receipt callback."""

    name = ChannelName.WECHAT

    def __init__(self, settings: WechatSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._client: httpx.AsyncClient | None = None
        self.token = AccessToken(clock, margin_seconds=settings.wechat_token_refresh_margin_seconds,
                                 fetch=self._fetch_token)

    def check_address(self, address: str) -> str:
        s = self.settings
        missing = [name for name, value in (
            ("wechat_app_id", s.wechat_app_id), ("wechat_app_secret", s.wechat_app_secret),
            ("wechat_template_id", s.wechat_template_id),
            ("wechat_receipt_secret", s.wechat_receipt_secret)) if not value]
        if missing:
            raise ChannelUnusable(f"WeChat mini-program channel not configured: set {', '.join(missing)}")
        openid = address.strip()
        if not _OPENID.match(openid):
            raise ChannelUnusable(f"{address!r} is not a WeChat openid (1-64 of A-Z a-z 0-9 _ -)")
        return openid

    async def deliver(self, letter: Letter) -> HandedOver:
        openid = self.check_address(letter.address)
        message = self.compose(letter, openid)
        token = await self.token.get()
        reply = await self._send(token, message)
        if reply.get("errcode") in TOKEN_REFUSED:
            log.info("WeChat refused the access token (%s); fetching a new one", reply.get("errcode"))
            reply = await self._send(await self.token.get(stale=token), message)
        code, text = reply.get("errcode"), str(reply.get("errmsg", ""))
        if code == 0:
            # The send result carries no time: the hand-over moment is ours; the proof's time is
            # the read receipt's.
            return HandedOver(channel=self.name, address=openid, reference=letter.reference,
                              reply_code=0, reply_text=f"msgid {reply.get('msgid')}",
                              at=self.clock.now())
        raise _refusal(code, text)

    async def follow_up(self, pending: Pending) -> Receipt | Refusal | None:
        """WeChat has no query for a subscribe message: the read receipt arrives by callback."""
        return None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def compose(self, letter: Letter, openid: str) -> dict[str, Any]:
        """The subscribe message: title, number and hint, each cut to its field's limit."""
        s = self.settings
        separator = "&" if "?" in s.wechat_page else "?"
        return {
            "touser": openid,
            "template_id": s.wechat_template_id,
            "page": f"{s.wechat_page}{separator}{urlencode({'ref': letter.reference})}",
            "data": {
                s.wechat_title_field: {"value": _fit(s.wechat_title_field, letter.title)},
                s.wechat_number_field: {
                    "value": _fit(s.wechat_number_field, letter.document_id.replace("-", ""))},
                s.wechat_hint_field: {"value": _fit(s.wechat_hint_field, _HINT)},
            },
            "miniprogram_state": s.wechat_miniprogram_state,
            "lang": _LANG,
        }

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.settings.wechat_api_base,
                                             timeout=self.settings.wechat_timeout_seconds)
        return self._client

    async def _fetch_token(self) -> tuple[str, int]:
        s = self.settings
        assert s.wechat_app_secret is not None  # check_address refused an unconfigured channel
        reply = await self._call("GET", "/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": s.wechat_app_id,
            "secret": s.wechat_app_secret.get_secret_value()})
        token, expires_in = reply.get("access_token"), reply.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            errcode = reply.get("errcode")
            code = errcode if isinstance(errcode, int) else None
            fault = _TOKEN_FAULTS.get(code or 0, "check wechat_app_id and wechat_app_secret")
            log.error("WeChat access token refused: %s %s (%s)", code, reply.get("errmsg"), fault)
            raise DeliveryRefused(code, f"WeChat access token refused: {reply.get('errmsg', '')} "
                                  f"({fault})")
        return token, expires_in

    async def _send(self, token: str, message: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", "/cgi-bin/message/subscribe/send",
                                params={"access_token": token}, json=message)

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call's JSON answer; refused (transient) when WeChat did not answer with one."""
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DeliveryRefused(None, f"WeChat {path} unreachable: {type(exc).__name__} {exc}") from exc
        if response.status_code != 200:
            raise DeliveryRefused(response.status_code, f"WeChat {path} answered HTTP "
                                  f"{response.status_code}: {response.text[:200]}")
        try:
            reply = response.json()
        except json.JSONDecodeError as exc:
            raise DeliveryRefused(None, f"WeChat {path} answered no JSON: {response.text[:200]}") from exc
        if not isinstance(reply, dict):
            raise DeliveryRefused(None, f"WeChat {path} answered {response.text[:200]}")
        return reply


def _fit(field: str, value: str) -> str:
    """`value` cut to the limit of the field's type (`thing3` is a thing), an ellipsis marking a cut."""
    kind = field.rstrip("0123456789")
    limit = _VALUE_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    # Only a thing may hold the ellipsis (a character_string is digits, letters and symbols).
    return value[:limit - 1] + "…" if kind == "thing" else value[:limit]


def _refusal(code: Any, text: str) -> DeliveryRefused:
    reply_code = code if isinstance(code, int) else None
    if code in _PARTY_REFUSED:
        return DeliveryRefused(reply_code, f"{_PARTY_REFUSED[code]}: {text}", transient=False)
    if code in _MISCONFIGURED:
        log.error("WeChat channel misconfigured: %s %s (%s)", code, text, _MISCONFIGURED[code])
        return DeliveryRefused(reply_code, f"{_MISCONFIGURED[code]}: {text}", transient=False)
    if code in TOKEN_REFUSED:
        return DeliveryRefused(reply_code, f"a fresh access token was refused too: {text}")
    return DeliveryRefused(reply_code, f"{_LIMITED.get(code, 'WeChat refused the send')}: {text}")


# Read receipts: the mini-program backend's callback -------------------------------------------

class ReadReceipt(BaseModel):
    """What the mini-program backend reports when the party opened the document (已读回执)."""

    model_config = ConfigDict(extra="forbid")

    reference: Annotated[str, Field(min_length=1, max_length=200)]
    openid: Annotated[str, Field(pattern=_OPENID.pattern)]
    document_id: Annotated[str, Field(min_length=1, max_length=200)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$",
                                 description="SHA-256 of the document the party saw")]
    read_at: AwareDatetime


read_receipts = APIRouter(prefix="/v1/channels/wechat", tags=["channels"])


@read_receipts.post(
    "/read-receipts", summary="A party opened a served document in the mini-program (R-DLV-3)",
    description="Called by the mini-program backend, signed per Standard Webhooks 1.0 with "
    "`WECHAT_RECEIPT_SECRET`. The body, as sent, becomes the proof of service; `read_at` the "
    "time of service. 401: unsigned, forged or more than 5 minutes old; 422: malformed or "
    "`read_at` in the future; 404: no hand-over waits for `reference`.",
    responses={503: {"description": "WECHAT_RECEIPT_SECRET is not set in this deployment"}})
async def read_receipt(request: Request, runtime: RuntimeDep) -> dict[str, bool]:
    secret = runtime.settings.wechat_receipt_secret
    if secret is None:
        raise Problem(503, "not-configured", "WeChat read receipts not configured",
                      "wechat_receipt_secret is not set")
    body = await request.body()
    now = runtime.clock.now()
    try:
        # The backend stamps real time: checked against real time even when the service's
        # domain clock is shifted (tests, demos), as the receivers of our own webhooks do.
        verify(secret.get_secret_value(), request.headers, body, datetime.now(UTC))
    except SignatureRejected as exc:
        raise Problem(401, "signature-rejected", "Read receipt not authenticated", str(exc)) from None
    try:
        receipt = ReadReceipt.model_validate_json(body)
    except ValidationError as exc:
        raise Problem(422, "validation-failed", "Read receipt failed validation",
                      "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                for e in exc.errors()[:5])) from None
    if receipt.read_at > now + timedelta(seconds=TOLERANCE_SECONDS):
        raise Problem(422, "read-in-future", "Read receipt from the future",
                      f"read_at {receipt.read_at.isoformat()} is after now ({now.isoformat()})")
    sink: ProofSink = request.app.state.proof_sink
    try:
        proven = await sink.proven(ChannelName.WECHAT, receipt.reference, Receipt(
            channel=ChannelName.WECHAT, address=receipt.openid, reply_code=None,
            reply_text=f"read in the mini-program by {receipt.openid}", reference=receipt.reference,
            at=receipt.read_at, evidence=body, evidence_type="application/json",
            document_sha256=receipt.sha256))
    except ProofRejected as exc:
        raise Problem(409, "proof-rejected", "The read receipt contradicts its hand-over",
                      str(exc)) from None
    if not proven:
        raise Problem(404, "not-found", "No hand-over waits for this reference",
                      f"reference {receipt.reference!r} is unknown or already proven")
    return {"accepted": True}
