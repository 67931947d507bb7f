"""The one outbound-webhook sender against real local HTTP servers, and where a URL may point
(SSRF)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from labor_runtime.outbound import (
    Destination,
    DestinationRefused,
    WebhookSender,
    refused_reason,
    resolve_destination,
)
from labor_runtime.testing import HttpReceiver
from labor_runtime.webhooks import Verdict, new_secret, pause_after, verdict
from standardwebhooks import Webhook

BODY = '{"type":"disclosure.published","data":{"employer_name":"某某建筑工程有限公司"}}'
AGENT = "labor-inspection-test/1.0"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    one = WebhookSender(user_agent=AGENT, timeout=5, reply_limit_bytes=1000)
    yield one
    await one.close()


async def test_a_message_is_signed_for_the_reference_verifier_and_the_reply_start_kept(
        sender, receiver):
    secret = new_secret()
    receiver.answer("/hook", (200, {}, b"x" * 100_000))
    result = await sender.send(url=receiver.url("/hook"), secret=secret, msg_id="msg_1",
                               body=BODY)
    assert (result.status_code, result.error, result.reply) == (200, "", b"x" * 1000)
    assert verdict(result.status_code) is Verdict.DELIVERED
    [request] = receiver.at("/hook")
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "disclosure.published"
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["user-agent"] == AGENT
    assert request.headers["content-type"] == "application/json"


async def test_a_sender_reading_no_reply_reads_none(receiver):
    silent = WebhookSender(user_agent=AGENT, timeout=5, reply_limit_bytes=0)
    receiver.answer("/hook", (202, {}, b"accepted"))
    try:
        result = await silent.send(url=receiver.url("/hook"), secret=new_secret(),
                                   msg_id="msg_1", body=BODY)
    finally:
        await silent.close()
    assert (result.status_code, result.reply) == (202, b"")


async def test_a_redirect_is_not_followed_and_refused(sender, receiver):
    receiver.answer("/old", (301, {"Location": receiver.url("/new")}))
    result = await sender.send(url=receiver.url("/old"), secret=new_secret(), msg_id="msg_1",
                               body=BODY)
    assert (result.status_code, result.error) == (301, "HTTP 301")
    assert verdict(result.status_code) is Verdict.REFUSED
    assert receiver.at("/new") == []


async def test_a_503_with_retry_after_hands_the_policy_its_pause(sender, receiver):
    receiver.answer("/busy", (503, {"Retry-After": "120"}, b"maintenance"))
    result = await sender.send(url=receiver.url("/busy"), secret=new_secret(), msg_id="msg_1",
                               body=BODY)
    assert (result.status_code, result.retry_after, result.error) == (503, "120", "HTTP 503")
    assert verdict(result.status_code) is Verdict.RETRY
    assert pause_after(1, [5, 300], status_code=result.status_code,
                       retry_after=result.retry_after, now=datetime.now(UTC)) == 120


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_no_answer_is_a_result_without_status_to_retry(sender):
    refused = await sender.send(url=f"http://127.0.0.1:{closed_port()}/hook",
                                secret=new_secret(), msg_id="msg_1", body=BODY)
    assert refused.status_code is None and refused.error.startswith("ConnectError")
    assert verdict(refused.status_code) is Verdict.RETRY

    released = asyncio.Event()

    async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await released.wait()
        writer.close()

    server = await asyncio.start_server(never_answers, "127.0.0.1", 0)
    impatient = WebhookSender(user_agent=AGENT, timeout=0.5, reply_limit_bytes=0)
    try:
        port = server.sockets[0].getsockname()[1]
        silent = await impatient.send(url=f"http://127.0.0.1:{port}/hook", secret=new_secret(),
                                      msg_id="msg_1", body=BODY)
    finally:
        released.set()
        await impatient.close()
        server.close()
        await server.wait_closed()
    assert (silent.status_code, silent.error) == (None, "no answer within 0.5s")


async def test_a_pinned_destination_gets_the_request_with_its_name_as_host(receiver):
    async def pin(url: str) -> Destination:
        assert url == "http://partner.example/hook"
        return Destination(url=httpx.URL(receiver.url("/hook")), host_header="partner.example",
                           hostname="partner.example",
                           address=ipaddress.ip_address("127.0.0.1"))

    pinned = WebhookSender(user_agent=AGENT, timeout=5, reply_limit_bytes=0, resolve=pin)
    try:
        result = await pinned.send(url="http://partner.example/hook", secret=new_secret(),
                                   msg_id="msg_1", body=BODY)
    finally:
        await pinned.close()
    assert result.status_code == 200
    [request] = receiver.at("/hook")
    assert request.headers["host"] == "partner.example"


async def test_a_destination_on_a_private_address_is_refused_before_any_request(receiver):
    async def strict(url: str) -> Destination:
        return await resolve_destination(url, allow_private=False)

    pinned = WebhookSender(user_agent=AGENT, timeout=5, reply_limit_bytes=0, resolve=strict)
    try:
        result = await pinned.send(url=receiver.url("/hook"), secret=new_secret(),
                                   msg_id="msg_1", body=BODY)
    finally:
        await pinned.close()
    assert result.status_code is None
    assert result.error.startswith("refused: 127.0.0.1 resolves to 127.0.0.1 (loopback)")
    assert receiver.at("/hook") == []


async def test_a_name_is_checked_at_every_address_it_resolves_to():
    with pytest.raises(DestinationRefused, match="loopback"):
        await resolve_destination("http://localhost:8080/hook", allow_private=False)
    allowed = await resolve_destination("http://127.0.0.1:8080/hook", allow_private=True)
    assert (str(allowed.url), allowed.host_header, allowed.hostname) == (
        "http://127.0.0.1:8080/hook", "127.0.0.1:8080", "127.0.0.1")


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - an address refused, not bound
    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1",
])
def test_ssrf_private_ranges_are_refused(address):
    assert refused_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888"])
def test_ssrf_public_addresses_pass(address):
    assert refused_reason(ipaddress.ip_address(address)) is None
