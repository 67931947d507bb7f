"""A WeChat server API on 127.0.0.1 (threaded `http.server`): `auth.getAccessToken` and
`subscribeMessage.send` as documented (see `notify.channels.wechat`), with their validation and
error codes, knobs to script failures, and a record of every call.

Answers are HTTP 200 with a JSON `errcode`, as WeChat answers, unless a test scripts an HTTP status.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

OPENID_SUBSCRIBED = "oB_hN41zbT1OvATDONK5LccFIwwA"
OPENID_REFUSED = "oB_hN41zbT1OvATDONK5LccFIwwB"  # a user who declined (or used up) the subscription
LIMITS = {"thing": 20, "character_string": 32}
MINIPROGRAM_STATES = {"developer", "trial", "formal"}
LANGS = {"zh_CN", "en_US", "zh_HK", "zh_TW"}
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    41001: "access_token missing",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit must slower retry next minute",
    45047: "out of response count limit",
    47001: "data format error",
    47003: "argument invalid!",
}


@dataclass(frozen=True)
class Call:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Scripted:
    """A scripted answer: an errcode (with HTTP 200), an HTTP status, or a delay before answering."""

    errcode: int | None = None
    status: int = 200
    delay: float = 0.0


class WechatServer:
    """The far end: one mini-program (`app_id`/`app_secret`) with one template, whose fields and
    types are `fields`, and users who subscribed (`subscribed`) or declined (`refused`)."""

    def __init__(self, *, app_id: str = "wx5320cd30cecdbd68", app_secret: str = "s" * 32,
                 template_id: str = "t7jHOgnrU4zbr8VFuQdA7LPjSplAQSlH5GHYtp6mXsk",
                 pages: tuple[str, ...] = ("pages/document/index",), expires_in: int = 7200) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.template_id = template_id
        self.fields = {"thing1": "thing", "character_string2": "character_string", "thing3": "thing"}
        self.pages = set(pages)
        self.expires_in = expires_in
        self.subscribed = {OPENID_SUBSCRIBED}
        self.refused = {OPENID_REFUSED}
        self.tokens: dict[str, int] = {}  # token -> 0 (valid) or the errcode it now answers
        self.token_fault: int | None = None  # every send answers this, whatever the token
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # the messages accepted
        self.token_fetches = 0
        self.per_openid: dict[str, int] = {}  # openid -> errcode its sends answer
        self.next_sends: deque[Scripted] = deque()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status, reply = server._handle(Call(method, url.path, query, body))
                payload = json.dumps(reply, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Knobs ---------------------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, errcode: int | None = None, status: int = 200,
                  delay: float = 0.0) -> None:
        """The next `count` sends answer `errcode`, or HTTP `status`, or come after `delay` s."""
        with self.lock:
            self.next_sends.extend(Scripted(errcode, status, delay) for _ in range(count))

    def expire_tokens(self, errcode: int = 42001) -> None:
        """Every token issued so far now answers `errcode` (42001 expired, 40001 not latest)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, errcode)

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/cgi-bin/message/subscribe/send"]

    # Protocol --------------------------------------------------------------------------------

    def _handle(self, call: Call) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append(call)
            if call.path == "/cgi-bin/token" and call.method == "GET":
                return 200, self._token(call.query)
            if call.path == "/cgi-bin/message/subscribe/send" and call.method == "POST":
                scripted = self.next_sends.popleft() if self.next_sends else Scripted()
            else:
                return 404, {"errcode": 40066, "errmsg": "invalid url"}
        if scripted.delay:
            time.sleep(scripted.delay)  # a far end too slow for the caller's timeout
        if scripted.status != 200:
            return scripted.status, {"errmsg": "bad gateway"}
        with self.lock:
            if scripted.errcode is not None:
                return 200, _error(scripted.errcode)
            return 200, self._send(call)

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            return _error(40002)
        if query.get("appid") != self.app_id:
            return _error(40013)
        if query.get("secret") != self.app_secret:
            return _error(40125)
        self.token_fetches += 1
        token = f"{self.token_fetches}_{secrets.token_urlsafe(48)}"
        self.tokens[token] = 0
        return {"access_token": token, "expires_in": self.expires_in}

    def _send(self, call: Call) -> dict[str, Any]:
        token = call.query.get("access_token")
        if not token:
            return _error(41001)
        if token not in self.tokens:
            return _error(40001)
        if self.tokens[token] or self.token_fault:
            return _error(self.token_fault or self.tokens[token])
        try:
            message = json.loads(call.body)
        except ValueError:
            return _error(47001)
        if not isinstance(message, dict):
            return _error(47001)
        openid = message.get("touser")
        if message.get("template_id") != self.template_id:
            return _error(40037)
        if openid in self.per_openid:
            return _error(self.per_openid[openid])
        if openid not in self.subscribed | self.refused:
            return _error(40003)
        if openid in self.refused:
            return _error(43101)
        page = message.get("page")
        if page is not None and str(page).partition("?")[0] not in self.pages:
            return _error(41030)
        if message.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
            return _error(47003, "miniprogram_state")
        if message.get("lang", "zh_CN") not in LANGS:
            return _error(47003, "lang")
        problem = self._data_problem(message.get("data"))
        if problem:
            return _error(47003, problem)
        self.sent.append(message)
        return {"errcode": 0, "errmsg": "ok", "msgid": 2_000_000_000 + len(self.sent)}

    def _data_problem(self, data: Any) -> str | None:
        if not isinstance(data, dict):
            return "data"
        for key, kind in self.fields.items():
            item = data.get(key)
            value = item.get("value") if isinstance(item, dict) else None
            if not isinstance(value, str) or not value:
                return f"data.{key}.value is empty"
            if len(value) > LIMITS[kind]:
                return f"data.{key}.value exceeds limit {LIMITS[kind]}"
            if kind == "character_string" and not value.isascii():
                return f"data.{key}.value must be digits, letters or symbols"
        return None


def _error(errcode: int, detail: str = "") -> dict[str, Any]:
    text = ERRMSG.get(errcode, "unknown error")
    return {"errcode": errcode, "errmsg": f"{text} {detail} rid: {secrets.token_hex(4)}".replace("  ", " ")}
