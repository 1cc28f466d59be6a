"""The client address a request counts against in rate limits.

IPv6 clients are counted by their /64 network: one household or server usually gets a
whole /64, so counting single addresses would let it take billions of fresh ones.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection


def client_key(conn: HTTPConnection) -> str:
    host = conn.client.host if conn.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
