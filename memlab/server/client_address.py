"""Who is asking: the one rule for a visitor's address, which the per-address limits count.

A header is only as trustworthy as whoever wrote it. A visitor writes any header they like, so memlab
believes one header, from one writer: ``X-Real-IP``, and only when the connection comes from a reverse
proxy on this machine (a loopback peer) and the server was started with ``--behind-proxy``. The proxy
must *set* that header to the address it saw, overwriting whatever the visitor sent (docs/deploy.md's
nginx configuration: ``proxy_set_header X-Real-IP $remote_addr;``, checked with a real nginx in
tests/server/test_public_server_round2.py). ``X-Forwarded-For`` is never read: proxies append to it,
so its entries are a mix of what the visitor wrote and what proxies saw.

An IPv4 visitor reaching an IPv6 socket arrives as an IPv4-mapped address (``::ffff:203.0.113.7``); it is
the IPv4 address, and counted as one (not as a member of the one /64 every mapped address shares).
"""

import ipaddress

LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
PROXY_HEADER = "X-Real-IP"


def plain_address(address: str) -> str:
    """``address`` in its plain form: an IPv4-mapped IPv6 address as the IPv4 address it carries."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def client_address(request, trusted_proxy: bool) -> str:
    """The visitor's address.

    Args:
        request: the Tornado request (its ``remote_ip`` is the connection's peer).
        trusted_proxy: the server runs behind a reverse proxy on this machine (``--behind-proxy``).

    Returns:
        The peer's address; behind a trusted proxy, from a loopback peer, the address the proxy wrote in
        ``X-Real-IP`` when it is an IP address (anything else is ignored, with the peer's address kept).
    """
    address = plain_address(request.remote_ip)
    if trusted_proxy and address in LOOPBACK:
        named = plain_address(request.headers.get(PROXY_HEADER, ""))
        try:
            ipaddress.ip_address(named)
        except ValueError:
            return address
        return named
    return address
