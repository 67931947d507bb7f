"""Service logging keeps no outside API's credentials from httpx's request lines."""

from __future__ import annotations

import logging

import httpx
import pytest
from labor_runtime.telemetry import configure_logging
from labor_runtime.testing import HttpReceiver


@pytest.fixture
def restored_logging():
    root, client = logging.getLogger(), logging.getLogger("httpx")
    saved = (list(root.handlers), root.level, client.level)
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        client.setLevel(saved[2])


def test_request_urls_carrying_access_tokens_are_not_logged_at_info(restored_logging, capsys):
    """WeChat and DingTalk take the app secret and access token in the query string: httpx logs
    every request's URL at INFO, which the services log at."""
    receiver = HttpReceiver()
    receiver.start()
    try:
        configure_logging("notify", "INFO")
        httpx.post(receiver.url("/cgi-bin/message/subscribe/send?access_token=SECRET-TOKEN"),
                   content=b"{}")
        logging.getLogger("notify").info("a line of our own")
    finally:
        receiver.stop()
    printed = capsys.readouterr().out
    assert "a line of our own" in printed  # the service's own INFO lines are still written
    assert "SECRET-TOKEN" not in printed
