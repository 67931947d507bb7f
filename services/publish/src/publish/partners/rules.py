"""Pure partner rules: agencies, and which webhook URLs and addresses are acceptable (SSRF)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
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


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refused_reason(address: IPAddress) -> str | None:
    """Why an address is off limits for outbound calls (SSRF), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified or address.is_reserved or not address.is_global:
        return "not globally routable"
    return None
