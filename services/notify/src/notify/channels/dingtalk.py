"""DingTalk government edition (政务钉钉) channel: a work notification (工作通知) to the party's userid.

The far end takes the notification asynchronously and answers a `task_id`; whether the party read
it is known only by asking later (`follow_up` polls the send result). DingTalk's read list carries
no read time, so the proven moment of service is the moment our query first saw the userid there.

Protocol (open.dingtalk.com, legacy "oapi" server API; the provincial 专有钉钉/浙政钉 gateway
answers the same shapes under its own base URL, hence `dingtalk_api_base`):
- access token: GET /gettoken?appkey=&appsecret= -> {errcode, errmsg, access_token, expires_in};
  valid 7,200 s, to be cached (https://open.dingtalk.com/document/orgapp/obtain-orgapp-token)
- send: POST /topapi/message/corpconversation/asyncsend_v2?access_token= with {agent_id,
  userid_list (comma-separated), msg} -> {errcode, errmsg, task_id, request_id}
  (https://open.dingtalk.com/document/orgapp/asynchronous-sending-of-enterprise-session-messages);
  the "oa" message body (message_url, head.bgcolor/text, body.title/form/content), msg at most
  2,048 bytes (https://open-doc.dingtalk.com/microapp/serverapi2/pgoxpy)
- send result: POST /topapi/message/corpconversation/getsendresult with {agent_id, task_id} ->
  {errcode, send_result: {read_user_id_list, unread_user_id_list, failed_user_id_list,
  invalid_user_id_list, forbidden_user_id_list, forbidden_list: [{code, count, userid}]}}
  (https://developer.alibaba.com/docs/api.htm?apiId=37024)
- error codes: global table (https://open.dingtalk.com/document/orgapp/server-api-error-codes-1,
  also github.com/ddtalk/dingTalkDoc source/includes/_server.md appendix 1); errcode 88 means
  "鉴权异常", the reason is in sub_code; the work-notification limits 143103..143206 and content
  rules 1430000..1430004 (https://zidingyi.apifox.cn/api-37157310, a copy of the send result
  page); 90001..90019 are the frequency limits (90002: one API over its limit for everyone).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx
from labor_runtime.clock import Clock
from pydantic import BaseModel, Field, PositiveFloat, SecretStr

from notify.channels.base import (
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    HandedOver,
    Letter,
    Pending,
    Receipt,
    Refusal,
)
from notify.channels.tokens import AccessToken
from notify.documents.rules import KIND_LABELS

log = logging.getLogger(__name__)

AUTH_PATH = "/gettoken"
SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
RESULT_PATH = "/topapi/message/corpconversation/getsendresult"

# A userid is 1..64 characters (user/create: "长度为1~64个字符"); DingTalk names no alphabet, but
# `userid_list` is comma-separated, so a comma or blank would address someone else.
_USERID = re.compile(r"^[^\s,]{1,64}$")


class DingTalkSettings(BaseModel):
    """The DingTalk channel's settings; an unset key, secret, agent or message URL leaves the
    channel unconfigured (skipped with that reason)."""

    dingtalk_api_base: str = Field(
        default="https://oapi.dingtalk.com",
        description="DingTalk server API base URL; the province's 政务钉钉 gateway in production")
    dingtalk_app_key: str | None = Field(default=None, description="the internal app's AppKey")
    dingtalk_app_secret: SecretStr | None = Field(default=None, description="the internal app's AppSecret")
    dingtalk_agent_id: int | None = Field(
        default=None, description="AgentId of the app the work notifications are sent as")
    dingtalk_message_url: str | None = Field(
        default=None, description="page the party opens the document on; the letter's `reference` "
        "and `document_id` are added to its query")
    dingtalk_token_refresh_margin_seconds: PositiveFloat = Field(
        default=300, description="fetch a new access token this long before the cached one expires")
    dingtalk_timeout_seconds: PositiveFloat = Field(
        default=15, description="per HTTP request to DingTalk; later counts as no answer (retried)")


class _Kind(Enum):
    CREDENTIAL = "access token invalid or expired"
    RECIPIENT = "recipient cannot be served"
    RATE = "rate limited"
    BUSY = "far end busy"
    CONFIG = "configuration"
    UNKNOWN = "unclassified"


# Secret错误或access_token无效, 不合法的access_token, access_token超时
_STALE_CREDENTIAL_CODES = {40001, 40014, 42001}
_RECIPIENT_CODES = {
    33012,  # 无效的userid
    40003,  # 不合法的UserID
    40031,  # 不合法的UserID列表
    46004,  # 不存在的员工
    50002,  # 员工不在权限范围
    60111,  # UserID不存在
    60120,  # 用户已禁用
    60121,  # 找不到该用户
    81002,  # 用户拒收消息
    1430004,  # 超级高管保护
}
_RATE_CODES = {
    45009,  # 接口调用超过限制
    143103, 143104, 143203, 143204,  # 每分钟发送人次超限
    143105, 143205,  # 单应用给单人每日推送量超限
    143106, 143206,  # 单应用给单人推送重复消息超限 (one identical message per user per day)
    1430003,  # 触发OAPI系统保护
    *range(90001, 90020),  # frequency limits: calls temporarily refused
}
_CONFIG_CODES = {
    33001,  # 无效的企业ID
    40055, 40056, 41011, 52019, 70003, 70004,  # agent missing/invalid/not in this corp
    40008, 34014, 40035, 43004, 45002, 47001,  # message type/structure/size refused
    40089,  # 不合法的corpid或corpsecret
    48002,  # Api禁用
    50003,  # 应用已停用
    60011,  # 管理员权限不足 / no permission for this API
    60020,  # 访问ip不在白名单之中
    1430002,  # 包含违禁内容
}
# DingTalk documents no dedicated code for a task_id it does not know; it answers 40035
# (不合法的参数) for it. Only getsendresult reads it so: there the agent is known good.
_UNKNOWN_TASK_CODES = {40035}
_AUTH_FAILED = 88  # 鉴权异常: the reason is the sub_code


def _classify(errcode: int, sub_code: int | None) -> _Kind:
    code = sub_code if errcode == _AUTH_FAILED and sub_code is not None else errcode
    if code in _STALE_CREDENTIAL_CODES:
        return _Kind.CREDENTIAL
    if code in _RECIPIENT_CODES:
        return _Kind.RECIPIENT
    if code in _RATE_CODES:
        return _Kind.RATE
    if code == -1:  # 系统繁忙
        return _Kind.BUSY
    if code in _CONFIG_CODES or errcode == _AUTH_FAILED:
        return _Kind.CONFIG
    return _Kind.UNKNOWN


class _ApiError(Exception):
    """DingTalk answered with a non-zero errcode."""

    def __init__(self, path: str, answer: dict[str, Any]) -> None:
        self.errcode = int(answer.get("errcode", -1))
        self.errmsg = str(answer.get("errmsg", ""))
        sub = answer.get("sub_code")
        self.sub_code = int(sub) if isinstance(sub, int | str) and str(sub).lstrip("-").isdigit() else None
        self.kind = _classify(self.errcode, self.sub_code)
        super().__init__(f"{path}: {self.errcode} {self.errmsg}")

    @property
    def text(self) -> str:
        sub = f" (sub_code {self.sub_code})" if self.sub_code is not None else ""
        return f"DingTalk {self.kind.value}: {self.errmsg}{sub}"


class _NoAnswer(Exception):
    """No usable answer: network error, HTTP error status or a body that is not DingTalk JSON."""

    def __init__(self, text: str, *, transient: bool = True) -> None:
        super().__init__(text)
        self.text = text
        self.transient = transient


@dataclass(frozen=True)
class _Config:
    app_key: str
    app_secret: str
    agent_id: int
    message_url: str


class DingTalkChannel:
    """R-DLV-2 channel: hands a letter over as a DingTalk work notification; `follow_up` proves it."""

    name = ChannelName.DINGTALK

    def __init__(self, settings: DingTalkSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._client: httpx.AsyncClient | None = None
        self.token = AccessToken(clock, margin_seconds=settings.dingtalk_token_refresh_margin_seconds,
                                 fetch=self._fetch_token)

    def _config(self) -> _Config:
        s = self.settings
        missing = [name for name, value in (
            ("dingtalk_app_key", s.dingtalk_app_key), ("dingtalk_app_secret", s.dingtalk_app_secret),
            ("dingtalk_agent_id", s.dingtalk_agent_id), ("dingtalk_message_url", s.dingtalk_message_url))
            if not value]
        if missing:
            raise ChannelUnusable(f"DingTalk (政务钉钉) not configured: set {', '.join(missing)}")
        assert s.dingtalk_app_key and s.dingtalk_app_secret and s.dingtalk_agent_id and s.dingtalk_message_url
        return _Config(s.dingtalk_app_key, s.dingtalk_app_secret.get_secret_value(), s.dingtalk_agent_id,
                       s.dingtalk_message_url)

    def check_address(self, address: str) -> str:
        self._config()
        userid = address.strip()
        if not _USERID.match(userid):
            raise ChannelUnusable(f"{address!r} is not a DingTalk userid (1 to 64 characters, "
                                  "no blanks or commas)")
        return userid

    def compose(self, letter: Letter) -> dict[str, Any]:
        """The "oa" work notification: what was served, its number, its hash and where to open it."""
        url = str(httpx.URL(self._config().message_url).copy_merge_params(
            {"reference": letter.reference, "document_id": letter.document_id}))
        label = KIND_LABELS.get(letter.kind, letter.kind)
        return {"msgtype": "oa", "oa": {
            "message_url": url,
            "pc_message_url": url,
            "head": {"bgcolor": "FFC0392B", "text": "电子送达"},
            "body": {
                "title": letter.title,
                "form": [{"key": "文书：", "value": label},
                         {"key": "文书编号：", "value": letter.document_id},
                         {"key": "案件编号：", "value": letter.case_id},
                         {"key": "SHA-256：", "value": letter.sha256}],
                "content": f"本局依法向{letter.recipient_name}电子送达《{letter.title}》，请点击查看。"
                           f"核验地址：{letter.verify_url}",
            },
        }}

    async def deliver(self, letter: Letter) -> HandedOver:
        try:
            config = self._config()
        except ChannelUnusable as exc:
            raise DeliveryRefused(None, str(exc), transient=False) from exc
        payload = {"agent_id": config.agent_id, "userid_list": letter.address, "msg": self.compose(letter)}
        try:
            answer, _ = await self._call(config, SEND_PATH, payload)
        except _ApiError as exc:
            raise self._refused(exc) from exc
        except _NoAnswer as exc:
            raise DeliveryRefused(None, exc.text, transient=exc.transient) from exc
        task_id = answer.get("task_id")
        if not isinstance(task_id, int):
            raise DeliveryRefused(0, f"DingTalk answered errcode 0 without a task_id: {answer}")
        return HandedOver(channel=self.name, address=letter.address, reference=str(task_id),
                          reply_code=0, reply_text=f"task {task_id}", at=self.clock.now())

    def _refused(self, error: _ApiError) -> DeliveryRefused:
        if error.kind is _Kind.CONFIG:
            log.error("DingTalk configuration error: %s", error)
        elif error.kind is _Kind.UNKNOWN:
            log.warning("DingTalk answered an unclassified error, retried later: %s", error)
        final = error.kind in (_Kind.RECIPIENT, _Kind.CONFIG)
        return DeliveryRefused(error.errcode, error.text, transient=not final)

    async def follow_up(self, pending: Pending) -> Receipt | Refusal | None:
        if not pending.reference.isdigit():
            return Refusal(self.name, pending.address, None,
                           f"{pending.reference!r} is not a DingTalk task id", transient=True)
        try:
            config = self._config()
            answer, raw = await self._call(
                config, RESULT_PATH, {"agent_id": config.agent_id, "task_id": int(pending.reference)})
        except ChannelUnusable as exc:
            log.warning("DingTalk send result of task %s not asked: %s", pending.reference, exc)
            return None
        except _ApiError as exc:
            if exc.errcode in _UNKNOWN_TASK_CODES:
                return Refusal(self.name, pending.address, exc.errcode,
                               f"DingTalk does not know task {pending.reference}: {exc.errmsg}",
                               transient=True)
            log.warning("DingTalk send result of task %s not known yet: %s", pending.reference, exc)
            return None
        except _NoAnswer as exc:
            log.warning("DingTalk send result of task %s not known yet: %s", pending.reference, exc.text)
            return None
        return self._outcome(pending, answer.get("send_result") or {}, raw)

    def _outcome(self, pending: Pending, result: dict[str, Any], raw: bytes) -> Receipt | Refusal | None:
        userid = pending.address
        if userid in (result.get("read_user_id_list") or []):
            # DingTalk gives no read time: the proven moment is when this query saw the read.
            return Receipt(channel=self.name, address=userid, reply_code=0,
                           reply_text=f"read in DingTalk by {userid}", reference=pending.reference,
                           at=self.clock.now(), evidence=raw, evidence_type="application/json")
        for listed in ("failed_user_id_list", "invalid_user_id_list", "forbidden_user_id_list"):
            if userid in (result.get(listed) or []):
                return Refusal(self.name, userid, 0,
                               f"DingTalk task {pending.reference} lists {userid} in {listed}",
                               transient=False)
        for forbidden in result.get("forbidden_list") or []:
            if isinstance(forbidden, dict) and forbidden.get("userid") == userid:
                return Refusal(self.name, userid, 0,
                               f"DingTalk task {pending.reference} lists {userid} in forbidden_list "
                               f"(flow control code {forbidden.get('code')})", transient=False)
        return None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # The HTTP exchange ----------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.settings.dingtalk_api_base,
                                             timeout=self.settings.dingtalk_timeout_seconds)
        return self._client

    async def _call(self, config: _Config, path: str,
                    payload: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        """POST `payload` with a valid token; an answer saying the token is invalid gets one new
        token and one retry."""
        token = await self.token.get()
        try:
            return await self._post(path, token, payload)
        except _ApiError as exc:
            if exc.kind is not _Kind.CREDENTIAL:
                raise
            log.info("DingTalk refused the access token (%s); fetching a new one", exc)
        token = await self.token.get(stale=token)
        return await self._post(path, token, payload)

    async def _post(self, path: str, token: str, payload: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        return await self._exchange(path, self._http().build_request(
            "POST", path, params={"access_token": token}, json=payload))

    async def _fetch_token(self) -> tuple[str, int]:
        config = self._config()
        request = self._http().build_request(
            "GET", AUTH_PATH, params={"appkey": config.app_key, "appsecret": config.app_secret})
        try:
            answer, _ = await self._exchange(AUTH_PATH, request)
        except _ApiError as exc:
            if exc.kind in (_Kind.CREDENTIAL, _Kind.CONFIG):  # wrong key or secret
                log.error("DingTalk configuration error: %s", exc)
                exc.kind = _Kind.CONFIG
            raise
        value, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(value, str) or not value or not isinstance(expires_in, int):
            raise _NoAnswer(f"DingTalk gettoken answered without a token: {answer}")
        return value, expires_in

    async def _exchange(self, path: str, request: httpx.Request) -> tuple[dict[str, Any], bytes]:
        try:
            response = await self._http().send(request)
        except httpx.HTTPError as exc:
            raise _NoAnswer(f"DingTalk {path} unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            # 429 and 5xx: the far end is overloaded or down; any other status: a wrong base URL.
            transient = response.status_code == 429 or response.status_code >= 500
            if not transient:
                log.error("DingTalk configuration error: %s answered HTTP %s", path, response.status_code)
            raise _NoAnswer(f"DingTalk {path} answered HTTP {response.status_code}", transient=transient)
        try:
            answer = json.loads(response.content)
        except ValueError as exc:
            raise _NoAnswer(f"DingTalk {path} answered a body that is not JSON") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("errcode"), int):
            raise _NoAnswer(f"DingTalk {path} answered without an errcode")
        if answer["errcode"] != 0:
            raise _ApiError(path, answer)
        return answer, response.content
