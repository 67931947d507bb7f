"""The main job end to end: a wage-arrears complaint from the 12333 hotline to the regulators.

One implementation, three users: `tests/e2e` asserts on it, `make demo` prints its timeline and
`bench/e2e.py` times it. Every step goes through the services' public HTTP APIs of a stack
started by `scripts/stack.py`; the partner regulators are real HTTP servers that verify each
webhook with the `standardwebhooks` reference package, and so does the stack's channel-notice
sink, where the hotline's notices to the worker land (R-INT-2, R-INT-3).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import png
from standardwebhooks import Webhook

CREDIT_CODE = "91350100M000100Y43"
COMPLAINANT = {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"}


@dataclass
class Step:
    step: str
    service: str
    seconds: float
    detail: str = ""


@dataclass
class Outcome:
    """Everything the scenario saw, for assertions and for the printed timeline."""

    trace_id: str = ""
    complaint: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] = field(default_factory=dict)
    grade: dict[str, Any] = field(default_factory=dict)
    disclosure: dict[str, Any] = field(default_factory=dict)
    feed_pages: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    worker_notices: dict[str, dict[str, Any]] = field(default_factory=dict)  # by kind
    unsubscribed_webhooks: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    timeline: list[Step] = field(default_factory=list)
    latencies: dict[str, float] = field(default_factory=dict)


class PartnerReceiver:
    """A partner regulator's webhook endpoint: a real HTTP server verifying Standard Webhooks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.secret: str | None = None
        self.received: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    assert receiver.secret is not None
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except Exception as exc:  # an unverifiable push is refused, as a partner would
                    receiver.rejected.append(str(exc))
                    self.send_response(400)
                    self.end_headers()
                    return
                receiver.received.append({"id": self.headers["webhook-id"], "payload": payload,
                                          "raw": body.decode(), "at": time.perf_counter()})
                receiver.arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/labor"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def token(role: str, subject: str, district: str | None = "d01") -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, subject=subject, roles=[role],
                                                    district=district, name=subject)}


class Scenario:
    """`notice_dir`: the stack's channel-notice sink directory (`Stack.notice_dir`); without it the
    notices to the worker are not looked for. `complaint` replaces fields of the complaint filed
    (the complainant, the employer, the free text)."""

    def __init__(self, urls: dict[str, str], hotline_key: str, mail_dir: Path, *,
                 notice_dir: Path | None = None, district: str = "d01",
                 timeout: float = 60.0, complaint: dict[str, Any] | None = None) -> None:
        self.urls = urls
        self.complaint_fields = dict(complaint or {})
        self.hotline_key = hotline_key
        self.mail_dir = mail_dir
        self.notice_dir = notice_dir
        self.district = district
        self.timeout = timeout
        self.outcome = Outcome()
        self._t0 = time.perf_counter()
        self.officer = token("officer_a", "officer-wang", district)
        self.reviewer = token("reviewer_b", "reviewer-li", district)
        self.chief = token("detachment_chief", "chief-zhao", None)
        self.ops = token("ops", "ops-duty", None)

    def note(self, step: str, service: str, detail: str = "") -> None:
        self.outcome.timeline.append(Step(step, service, time.perf_counter() - self._t0, detail))

    async def until(self, what: str, probe: Any, timeout: float | None = None) -> Any:
        deadline = time.perf_counter() + (timeout or self.timeout)
        last = None
        while time.perf_counter() < deadline:
            last = await probe()
            if last:
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what} (last: {last!r})")

    async def run(self) -> Outcome:
        housing = PartnerReceiver("housing")
        finance = PartnerReceiver("finance")
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                await self._partners(http, housing, finance)
                await self._complaint(http)
                await self._case_registered(http)
                await self._worker_notices(http)
                await self._penalty(http)
                await self._decision(http)
                await self._credit(http)
                await self._disclosure(http, housing, finance)
        finally:
            housing.close()
            finance.close()
        return self.outcome

    # -- steps --------------------------------------------------------------------------------

    async def _partners(self, http: httpx.AsyncClient, housing: PartnerReceiver,
                        finance: PartnerReceiver) -> None:
        tag = uuid.uuid4().hex[:6]
        for receiver, agency, categories in ((housing, "housing_construction", ["penalty_decision"]),
                                             (finance, "finance", ["blacklist"])):
            response = await http.post(f"{self.urls['publish']}/v1/partners", headers=self.ops, json={
                "name": f"{receiver.name}-{tag}", "agency": agency, "webhook_url": receiver.url,
                "categories": categories})
            assert response.status_code == 201, response.text
            created = response.json()
            receiver.secret = created["webhook_secret"]
            if receiver is housing:
                self.partner_key = created["api_key"]
        self.note("partners subscribed (housing: penalty_decision; finance: blacklist only)", "publish")

    async def _complaint(self, http: httpx.AsyncClient) -> None:
        body = {
            "complaint_type": "wage_arrears", "complainant": COMPLAINANT,
            "employer": {"credit_code": CREDIT_CODE, "name": "某某建筑工程有限公司",
                         "address": "某市某区某路1号"},
            "district": self.district, "worker_count": 6, "arrears_amount": "120000.00",
            "summary": "六名工人三个月工资未发",
            "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}],
            **self.complaint_fields,
        }
        headers = {"X-API-Key": self.hotline_key, "Idempotency-Key": f"hotline-{uuid.uuid4()}"}
        url = f"{self.urls['intake']}/v1/complaints"
        bad_code = await http.post(url, headers={**headers, "Idempotency-Key": f"x-{uuid.uuid4()}"},
                                   json={**body, "employer": {"credit_code": CREDIT_CODE[:-1] + "4",
                                                              "name": "某某建筑工程有限公司"}})
        missing = await http.post(url, headers={**headers, "Idempotency-Key": f"y-{uuid.uuid4()}"},
                                  json={**body, "materials": []})
        self.outcome.checks["invalid_credit_code"] = (bad_code.status_code, bad_code.json())
        self.outcome.checks["correction_notice"] = (missing.status_code, missing.json())
        self._accepted_at = time.perf_counter()
        first = await http.post(url, headers=headers, json=body)
        assert first.status_code == 201, first.text
        again = await http.post(url, headers=headers, json=body)
        self.outcome.checks["replay"] = (again.status_code, again.json())
        self.outcome.complaint = first.json()
        self.outcome.trace_id = first.headers["trace-id"]
        self.note("complaint accepted (6 workers, 120,000 yuan)", "intake",
                  f"tracking code {self.outcome.complaint['tracking_code']}")

    async def _case_registered(self, http: httpx.AsyncClient) -> None:
        complaint = self.outcome.complaint
        status_url = f"{self.urls['intake']}/v1/complaints/{complaint['tracking_code']}"

        async def registered() -> Any:
            response = await http.get(status_url)
            return response.json() if response.json().get("status") == "registered" else None

        self.outcome.checks["status"] = await self.until("complaint registered", registered)
        self.outcome.latencies["accepted_to_registered"] = time.perf_counter() - self._accepted_at
        response = await http.get(f"{self.urls['cases']}/v1/cases", headers=self.officer,
                                  params={"complaint_id": complaint["complaint_id"]})
        self.case_id = response.json()[0]["case_id"]
        self.outcome.case = (await http.get(f"{self.urls['cases']}/v1/cases/{self.case_id}",
                                            headers=self.officer)).json()
        self.note("case registered at once (R-CASE-3); worker sees 'registered'", "cases → intake",
                  self.outcome.case["case_number"])

    async def _worker_notices(self, http: httpx.AsyncClient) -> None:
        """R-INT-2, R-INT-3: the hotline, which filed both complaints, got the correction notice of
        the incomplete one and the registration answer of the main one at its notice endpoint."""
        if self.notice_dir is None:
            return
        notice_dir = self.notice_dir
        _, incomplete = self.outcome.checks["correction_notice"]
        wanted = {"correction_notice": incomplete, "registration_answer": self.outcome.complaint}

        async def saved(kind: str, tracking_code: str) -> dict[str, Any] | None:
            return next(iter(read_notices(notice_dir, tracking_code, kind)), None)

        for kind, complaint in wanted.items():
            self.outcome.worker_notices[kind] = await self.until(
                f"{kind} at the hotline's notice endpoint", partial(saved, kind, complaint["tracking_code"]))

        async def recorded() -> Any:  # the sink's 200 is notify's proof of hand-over (receipt)
            views = []
            for complaint in wanted.values():
                response = await http.get(f"{self.urls['notify']}/v1/worker-notices",
                                          headers=self.officer,
                                          params={"complaint_id": complaint["complaint_id"]})
                views += response.json() if response.status_code == 200 else []
            delivered = {v["kind"] for v in views if v["status"] == "delivered"}
            return views if delivered >= set(wanted) else None

        self.outcome.checks["worker_notice_records"] = await self.until("notices delivered", recorded)
        self.note("worker told via the hotline: correction notice and registration answer (signed)",
                  "intake → notify → channel")

        async def told() -> Any:  # R-INT-3: the 7-day deadline is met by telling, not deciding
            complaint_id = self.outcome.complaint["complaint_id"]
            response = await http.get(
                f"{self.urls['intake']}/v1/complaints/by-id/{complaint_id}/handling",
                headers=self.officer)
            handling = response.json() if response.status_code == 200 else {}
            return handling if handling.get("registration_answer_told_at") else None

        self.outcome.checks["registration_answer_told"] = await self.until("worker told", told)
        self.note("the channel's receipt meets the 7-day registration-answer deadline (R-INT-3)",
                  "notify → intake")

    async def _penalty(self, http: httpx.AsyncClient) -> None:
        base = f"{self.urls['cases']}/v1/cases/{self.case_id}"
        signature = base64.b64encode(png(40, 16)).decode()
        confirmed = await http.post(
            f"{self.urls['notify']}/v1/address-confirmations", headers=self.officer, json={
                "credit_code": CREDIT_CODE, "party_name": "某某建筑工程有限公司",
                "signatory": "李四", "signatory_capacity": "legal_representative",
                "addresses": [{"channel": "email", "address": "legal@example-builder.cn"}],
                "method": "mobile_signature", "artefact_b64": signature,
                "artefact_type": "image/png", "signed_at": datetime.now(UTC).isoformat()})
        assert confirmed.status_code == 201, confirmed.text
        self.note("the employer signs its delivery-address confirmation (送达地址确认书) on the "
                  "inspector's phone: e-mail service consented", "notify")
        proposal = await http.post(f"{base}/penalty-proposal", headers=self.officer, json={
            "violation": "拖欠六名劳动者2025年10月至12月工资共计人民币120000元，经责令限期支付逾期仍未支付",
            "legal_basis": "《保障农民工工资支付条例》第五十七条",
            "fine_amount": "30000.00", "measures": ["责令于十五日内支付拖欠的劳动者工资"],
            "party": {"name": "某某建筑工程有限公司", "credit_code": CREDIT_CODE,
                      "legal_representative": "李四", "email": "legal@example-builder.cn"}})
        assert proposal.status_code == 201, proposal.text
        self.note("officer A proposes a 30,000 yuan fine", "cases")
        own = await http.post(f"{base}/penalty-proposal/review", headers=token(
            "reviewer_b", "officer-wang", self.district), json={"decision": "approve", "reason": "ok"})
        self.outcome.checks["self_review"] = (own.status_code, own.json())
        review = await http.post(f"{base}/penalty-proposal/review", headers=self.reviewer, json={
            "decision": "approve", "reason": "事实清楚，证据确凿，程序合法，量罚适当"})
        assert review.status_code == 200, review.text
        self.note("reviewer B approves; penalty notice issued (≥ 20,000: R-CASE-5)", "cases")

        async def notice_served() -> Any:
            case = (await http.get(base, headers=self.officer)).json()
            notices = [d for d in case["documents"] if d["kind"] == "penalty_notice" and d["served_at"]]
            return notices[0] if notices else None

        self.outcome.checks["notice"] = await self.until("notice served", notice_served)
        self.note("penalty notice e-mailed and served with proof", "notify → cases")
        early = await http.post(f"{base}/decision", headers=self.chief)
        self.outcome.checks["early_decision"] = (early.status_code, early.json())

    async def _decision(self, http: httpx.AsyncClient) -> None:
        base = f"{self.urls['cases']}/v1/cases/{self.case_id}"
        for service, url in self.urls.items():  # one shared notion of time across the stack
            shift = await http.post(f"{url}/v1/ops/clock", json={"advance_seconds": 3 * 86400 + 60})
            assert shift.status_code == 200, f"{service}: {shift.text}"
        self.note("every service's clock advanced past the 3-day notice period", "all")
        decided = await http.post(f"{base}/decision", headers=self.chief)
        assert decided.status_code == 201, decided.text
        self._decided_at = time.perf_counter()
        self.outcome.decision = decided.json()
        self.note("detachment chief signs the penalty decision", "cases",
                  self.outcome.decision["decision_number"])
        verify = await http.get(self.outcome.decision["verify_url"],
                                params={"sha256": self.outcome.decision["sha256"]})
        self.outcome.checks["verify"] = verify.json()

        async def executing() -> Any:
            case = (await http.get(base, headers=self.officer)).json()
            return case if case["payment_due_at"] else None

        self.outcome.case = await self.until("decision served", executing)
        self.note("decision served; 15-day payment clock runs from the time of service", "notify → cases",
                  f"due {self.outcome.case['payment_due_at']}")

        async def repair_notice_served() -> Any:
            case = (await http.get(base, headers=self.officer)).json()
            return next((d for d in case["documents"]
                         if d["kind"] == "credit_repair_notice" and d["served_at"]), None)

        self.outcome.checks["credit_repair_notice"] = await self.until(
            "credit-repair notice served", repair_notice_served)
        self.note("credit-repair notice served with the decision (R-CASE-6)", "notify → cases")
        self.outcome.checks["mail"] = read_mail(self.mail_dir, "legal@example-builder.cn")

    async def _credit(self, http: httpx.AsyncClient) -> None:
        url = f"{self.urls['credit']}/v1/employers/{CREDIT_CODE}/grade"

        async def graded() -> Any:
            response = await http.get(url, headers=self.officer)
            return response.json() if response.status_code == 200 else None

        self.outcome.grade = await self.until("integrity grade", graded)
        self.note(f"integrity grade {self.outcome.grade['grade']} ({self.outcome.grade['score']}) "
                  "with its explanation", "credit")

    async def _disclosure(self, http: httpx.AsyncClient, housing: PartnerReceiver,
                          finance: PartnerReceiver) -> None:
        await self.until("verified webhook", lambda: _async(bool(housing.received)))
        self.outcome.latencies["decided_to_webhook"] = housing.received[0]["at"] - self._decided_at
        self.outcome.webhooks = housing.received
        listing = await http.get(f"{self.urls['publish']}/v1/disclosures",
                                 params={"credit_code": CREDIT_CODE})
        self.outcome.disclosure = next(d for d in listing.json()["items"]
                                       if d["decision_number"] == self.outcome.decision["decision_number"])
        cursor = None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = (await http.get(f"{self.urls['publish']}/v1/feed", params=params,
                                   headers={"X-API-Key": self.partner_key})).json()
            self.outcome.feed_pages.append(page)
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        await asyncio.sleep(1.0)  # time for a wrong push to the unsubscribed partner to show up
        self.outcome.unsubscribed_webhooks = finance.received
        self.note("disclosed; housing regulator's webhook verified; finance (not subscribed) got "
                  "nothing", "publish → partner")


async def _async(value: Any) -> Any:
    return value


def read_mail(mail_dir: Path, recipient: str) -> list[dict[str, Any]]:
    """The e-mails the development SMTP sink received for `recipient`, with their attachments."""
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        if recipient not in (message.get("To") or ""):
            continue
        attachments = [part.get_filename() for part in message.walk()
                       if part.get_content_disposition() == "attachment"]
        found.append({"subject": str(message.get("Subject")), "attachments": attachments,
                      "message_id": message.get("Message-ID")})
    return found


def read_notices(notice_dir: Path, tracking_code: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The notices to the worker the stack's channel-notice sink saved for `tracking_code`."""
    found = []
    for path in sorted(notice_dir.glob("*/*.json")):
        raw = path.read_text()
        notice = json.loads(raw)
        if notice.get("tracking_code") == tracking_code and kind in (None, notice.get("kind")):
            found.append({"channel": path.parent.name, "path": str(path), "raw": raw,
                          "notice": notice})
    return found


def spans_by_service(spans_dir: Path, trace_id: str) -> dict[str, list[str]]:
    """Span names per service in one trace, from the services' span files."""
    found: dict[str, list[str]] = {}
    for path in sorted(spans_dir.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            span = json.loads(line)
            if span["trace_id"] == trace_id:
                found.setdefault(span["service"], []).append(span["name"])
    return found


def contains_personal_data(text: str) -> bool:
    return any(value in text for value in COMPLAINANT.values()) or bool(
        re.search(re.escape(base64.b64encode(COMPLAINANT["phone"].encode()).decode()), text))


def print_timeline(outcome: Outcome) -> None:
    print(f"\n{'step':<92} {'service':<18} {'t (s)':>7}")
    for step in outcome.timeline:
        print(f"{step.step:<92} {step.service:<18} {step.seconds:7.2f}")
        if step.detail:
            print(f"    {step.detail}")
    print(f"\ntrace id: {outcome.trace_id}")
    hook = outcome.webhooks[0] if outcome.webhooks else None
    if hook:
        print(f"partner webhook verified (webhook-id {hook['id']}): "
              f"{json.dumps(hook['payload'], ensure_ascii=False)[:300]}")
    for kind, notice in outcome.worker_notices.items():
        print(f"worker notice ({kind}) verified at the {notice['channel']} endpoint: {notice['path']}")
    print(f"finished at {datetime.now().isoformat(timespec='seconds')}")
