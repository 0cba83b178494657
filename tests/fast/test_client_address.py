"""The one rule for a visitor's address (``memlab.server.client_address``) and whom the per-address limits
count (``memlab.server.places.visitor_key``): issue 36, finding 3. The same rule behind a real nginx is
tested in tests/server/test_public_server_round2.py."""

from types import SimpleNamespace

from memlab.server.client_address import client_address
from memlab.server.places import visitor_key


def request(peer, **headers):
    return SimpleNamespace(remote_ip=peer, headers=headers)


def test_behind_the_proxy_only_the_x_real_ip_it_sets_is_read():
    assert client_address(request("127.0.0.1", **{"X-Real-IP": "203.0.113.9"}), trusted_proxy=True) == "203.0.113.9"
    # X-Forwarded-For is a list anyone can start: never read
    assert client_address(request("127.0.0.1", **{"X-Forwarded-For": "6.6.6.6"}), trusted_proxy=True) == "127.0.0.1"
    # not behind a proxy, or not from the proxy: no header is believed
    assert client_address(request("127.0.0.1", **{"X-Real-IP": "6.6.6.6"}), trusted_proxy=False) == "127.0.0.1"
    assert client_address(request("198.51.100.1", **{"X-Real-IP": "6.6.6.6"}), trusted_proxy=True) == "198.51.100.1"
    # a header that is not an address is ignored
    assert client_address(request("127.0.0.1", **{"X-Real-IP": "evil, 1.2.3.4"}), trusted_proxy=True) == "127.0.0.1"


def test_ipv4_mapped_addresses_are_ipv4_visitors():
    assert visitor_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert visitor_key("::ffff:10.0.0.1") != visitor_key("::ffff:10.0.0.2")
    assert client_address(request("::ffff:198.51.100.4"), trusted_proxy=False) == "198.51.100.4"
    assert (
        client_address(request("::ffff:127.0.0.1", **{"X-Real-IP": "::ffff:203.0.113.5"}), trusted_proxy=True)
        == "203.0.113.5"
    )
    # real IPv6 hosts still count by their /64
    assert visitor_key("2001:db8:1:2::1") == visitor_key("2001:db8:1:2::9") == "2001:db8:1:2::/64"
