"""DingTalk's server API on 127.0.0.1: gettoken, asyncsend_v2 and getsendresult as documented (the
pages are cited in `notify.channels.dingtalk`), with knobs to script failures and to say what each
recipient did with a notification.

Like DingTalk, it answers HTTP 200 with an `errcode` for every refusal, returns the same token
while it is valid (a token the test expired or revoked is refused with 42001 or 40014), and takes
a notification for an unknown userid: that userid shows up in the task's invalid_user_id_list.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN = "/gettoken"
SEND = "/topapi/message/corpconversation/asyncsend_v2"
RESULT = "/topapi/message/corpconversation/getsendresult"

APP_KEY = "dingappkey"
APP_SECRET = "dingappsecret"

# What a recipient did with a notification, and the send_result list that says so.
LISTS = {"read": "read_user_id_list", "unread": "unread_user_id_list", "failed": "failed_user_id_list",
         "invalid": "invalid_user_id_list", "forbidden": "forbidden_user_id_list"}

# A scripted answer: an HTTP status (answered with a non-JSON body) or (errcode, errmsg[, sub_code]).
Scripted = int | tuple[int, str] | tuple[int, str, str]


@dataclass(frozen=True)
class Call:
    path: str
    query: dict[str, str]
    body: Any  # the parsed JSON body of a POST, None for a GET
    answer: bytes  # exactly what the fake answered


class _Refused(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


class FakeDingTalk:
    def __init__(self, *, app_key: str = APP_KEY, app_secret: str = APP_SECRET,
                 agent_id: int = 2880001, users: tuple[str, ...] = ("manager1122", "0137681487"),
                 expires_in: int = 7200) -> None:
        self.app_key, self.app_secret, self.agent_id = app_key, app_secret, agent_id
        self.users = set(users)
        self.expires_in = expires_in
        self.calls: list[Call] = []
        self.tokens: dict[str, str] = {}  # token -> "valid" | "expired" | "revoked"
        self.tasks: dict[int, dict[str, str]] = {}  # task_id -> userid -> what the recipient did
        self.scripts: dict[str, list[Scripted]] = {}
        self.address_errors: dict[str, tuple[int, str]] = {}
        self.next_task_id = 256000001
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, None)

            def do_POST(self) -> None:
                fake._handle(self, self.rfile.read(int(self.headers.get("content-length", "0"))))

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # Test knobs ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, path: str, *answers: Scripted) -> None:
        """Answer the next calls to `path` with these, one each, then normally again."""
        with self.lock:
            self.scripts.setdefault(path, []).extend(answers)

    def fail_for(self, userid: str, errcode: int, errmsg: str) -> None:
        """Refuse every notification to `userid` with this errcode."""
        with self.lock:
            self.address_errors[userid] = (errcode, errmsg)

    def expire_tokens(self) -> None:
        """Every token issued so far is past its time: refused with 42001."""
        with self.lock:
            self.tokens = {token: "expired" for token in self.tokens}

    def revoke_tokens(self) -> None:
        """Every token issued so far was replaced (another caller asked anew): refused with 40014."""
        with self.lock:
            self.tokens = {token: "revoked" for token in self.tokens}

    def mark(self, task_id: int | str, userid: str, outcome: str) -> None:
        """Say what `userid` did with task `task_id`: one of LISTS."""
        if outcome not in LISTS:
            raise ValueError(f"outcome must be one of {sorted(LISTS)}")
        with self.lock:
            self.tasks[int(task_id)][userid] = outcome

    def at(self, path: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.path == path]

    # The protocol ----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, raw: bytes | None) -> None:
        url = urlsplit(handler.path)
        query = dict(parse_qsl(url.query))
        body: Any = None
        status, answer = 200, b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        with self.lock:
            script = self.scripts.get(url.path)
            scripted = script.pop(0) if script else None
            if isinstance(scripted, int):
                status, answer = scripted, b"<html>busy</html>"
            else:
                reply = self._reply(url.path, handler.command, query, body, scripted)
                answer = json.dumps(reply, ensure_ascii=False).encode()
            self.calls.append(Call(url.path, query, body, answer))
        handler.send_response(status)
        kind = "application/json;charset=utf-8" if status == 200 else "text/html"
        handler.send_header("content-type", kind)
        handler.send_header("content-length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def _reply(self, path: str, method: str, query: dict[str, str], body: Any,
               scripted: tuple[int, str] | tuple[int, str, str] | None) -> dict[str, Any]:
        if scripted is not None:
            reply: dict[str, Any] = {"errcode": scripted[0], "errmsg": scripted[1], "request_id": "scripted"}
            if len(scripted) == 3:
                reply["sub_code"] = scripted[2]
            return reply
        try:
            if path == TOKEN and method == "GET":
                return self._token(query)
            if method != "POST":
                raise _Refused(43002, "需要POST请求")
            self._check_token(query)
            if not isinstance(body, dict):
                raise _Refused(47001, "解析JSON/XML内容错误")
            if body.get("agent_id") != self.agent_id:
                raise _Refused(40056, "不合法的agentid")
            if path == SEND:
                return self._send(body)
            if path == RESULT:
                return self._result(body)
            return {"errcode": 404, "errmsg": "请求的URI地址不存在"}
        except _Refused as refused:
            return {"errcode": refused.errcode, "errmsg": refused.errmsg, "request_id": "refused"}

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appkey") != self.app_key or query.get("appsecret") != self.app_secret:
            raise _Refused(40089, "不合法的corpid或corpsecret")
        valid = [token for token, state in self.tokens.items() if state == "valid"]
        token = valid[0] if valid else f"token-{len(self.tokens) + 1:04d}"
        self.tokens[token] = "valid"
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in}

    def _check_token(self, query: dict[str, str]) -> None:
        state = self.tokens.get(query.get("access_token", ""))
        if "access_token" not in query:
            raise _Refused(41001, "缺少access_token参数")
        if state == "expired":
            raise _Refused(42001, "access_token超时")
        if state != "valid":
            raise _Refused(40014, "不合法的access_token")

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        userids = [u for u in str(body.get("userid_list") or "").split(",") if u]
        if not userids:
            raise _Refused(1430000, "接受者为空")
        if any(len(u) > 64 for u in userids):
            raise _Refused(40031, "不合法的UserID列表")
        _check_message(body.get("msg"))
        for userid in userids:
            if userid in self.address_errors:
                raise _Refused(*self.address_errors[userid])
        task_id, self.next_task_id = self.next_task_id, self.next_task_id + 1
        self.tasks[task_id] = {u: "unread" if u in self.users else "invalid" for u in userids}
        return {"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": f"req{task_id}"}

    def _result(self, body: dict[str, Any]) -> dict[str, Any]:
        outcomes = self.tasks.get(body.get("task_id"))  # type: ignore[arg-type]
        if outcomes is None:
            raise _Refused(40035, "不合法的参数")
        result: dict[str, Any] = {name: [u for u, o in outcomes.items() if o == outcome]
                                  for outcome, name in LISTS.items()}
        result["invalid_dept_id_list"] = []
        result["forbidden_list"] = [{"code": "143105", "count": 500, "userid": u}
                                    for u in result["forbidden_user_id_list"]]
        return {"errcode": 0, "errmsg": "ok", "send_result": result, "request_id": "result"}


def _check_message(msg: Any) -> None:
    """The message shapes of "消息类型与数据格式": msgtype and its object, at most 2,048 bytes."""
    if not isinstance(msg, dict):
        raise _Refused(34014, "会话消息的json结构无效或不完整")
    required = {"oa": ("message_url", "head", "body"), "markdown": ("title", "text"),
                "link": ("messageUrl", "picUrl", "title", "text"), "text": ("content",)}
    msgtype = msg.get("msgtype")
    if msgtype not in required:
        raise _Refused(40008, "不合法的消息类型")
    content = msg.get(msgtype)
    if not isinstance(content, dict) or any(not content.get(field) for field in required[msgtype]):
        raise _Refused(34014, "会话消息的json结构无效或不完整")
    if msgtype == "oa":
        head = content["head"]
        bgcolor = str(head.get("bgcolor", "")) if isinstance(head, dict) else ""
        hex_color = len(bgcolor) == 8 and all(c in "0123456789abcdefABCDEF" for c in bgcolor)
        if not hex_color or not head.get("text"):
            raise _Refused(34014, "会话消息的json结构无效或不完整")
    if len(json.dumps(msg, ensure_ascii=False).encode()) > 2048:
        raise _Refused(45002, "消息内容超过限制")
