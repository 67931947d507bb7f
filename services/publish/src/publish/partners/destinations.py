"""Where a webhook URL really points: resolve once, refuse private ranges, pin the address.

The address checked is the address connected to (no second lookup), so a name that resolves to a
public address when registered and to 127.0.0.1 at delivery (DNS rebinding) is still refused.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from publish.partners.rules import IPAddress, literal_address, refused_reason

DEFAULT_PORTS = {"http": 80, "https": 443}


class DestinationRefused(Exception):
    """The URL resolves to an address we must not call (loopback, private, link-local, ...)."""


class DestinationUnresolvable(Exception):
    """The host name does not resolve (now)."""


@dataclass(frozen=True)
class Destination:
    url: httpx.URL  # the partner's URL with the host replaced by the checked address
    host_header: str  # what the partner's server expects in `Host`
    hostname: str  # for TLS: SNI and certificate verification use the name, not the address
    address: IPAddress


async def resolve_destination(url: str, *, allow_private: bool) -> Destination:
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 443)
    literal = literal_address(hostname)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                hostname, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise DestinationUnresolvable(f"{hostname} does not resolve: {exc}") from exc
        addresses = []
        for info in infos:
            address = literal_address(str(info[4][0]).split("%")[0])
            if address is not None and address not in addresses:
                addresses.append(address)
        if not addresses:
            raise DestinationUnresolvable(f"{hostname} has no address")
    if not allow_private:
        for address in addresses:
            reason = refused_reason(address)
            if reason is not None:
                raise DestinationRefused(f"{hostname} resolves to {address} ({reason})")
    chosen = addresses[0]
    return Destination(url=httpx.URL(url).copy_with(host=str(chosen)), host_header=parts.netloc,
                       hostname=hostname, address=chosen)
