"""Pure partner rules: agencies, and which webhook URLs are acceptable as written (the addresses
they resolve to: labor_runtime.outbound)."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class Agency(StrEnum):
    """Who the partner is (R-PUB-1): the regulators that act on our disclosures."""

    HOUSING_CONSTRUCTION = "housing_construction"  # 住建
    BIDDING = "bidding"  # 招投标
    FINANCE = "finance"  # 金融监管
    OTHER = "other"


def url_problem(url: str, *, require_https: bool) -> str | None:
    """Why a webhook URL is unacceptable as written, or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a URL: {exc}"
    allowed = ("https",) if require_https else ("https", "http")
    if parts.scheme not in allowed:
        return f"the scheme must be {' or '.join(allowed)}"
    if not parts.hostname:
        return "the URL names no host"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL are not accepted"
    if parts.fragment:
        return "a fragment is meaningless in a webhook URL"
    if port == 0:
        return "port 0 is not a port"
    return None
