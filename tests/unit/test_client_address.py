"""The client address behind the clinic's proxies: forged X-Forwarded-For entries never choose the counter."""

import pytest

from winback_app.engine.client_address import UNKNOWN, client_address, limit_key, parse_address

LOCAL = ("127.0.0.1", "::1")


@pytest.mark.parametrize(
	("remote", "xff", "trusted", "expected"),
	[
		# No proxy in front: the socket address, whatever the header claims.
		("203.0.113.7", "198.51.100.1", LOCAL, "203.0.113.7"),
		("203.0.113.7", None, LOCAL, "203.0.113.7"),
		# nginx on the same host appends the address it saw: the right-most hop is the client.
		("127.0.0.1", "203.0.113.7", LOCAL, "203.0.113.7"),
		# A client that forges entries only adds them on the left: they are never used.
		("127.0.0.1", "1.1.1.1, 2.2.2.2, 203.0.113.7", LOCAL, "203.0.113.7"),
		# A load balancer in front of nginx: both trusted, the client is the first untrusted hop from the right.
		("127.0.0.1", "9.9.9.9, 203.0.113.7, 10.0.0.5", (*LOCAL, "10.0.0.0/8"), "203.0.113.7"),
		# The same chain without the load balancer trusted: the balancer itself is the client we can vouch for.
		("127.0.0.1", "9.9.9.9, 203.0.113.7, 10.0.0.5", LOCAL, "10.0.0.5"),
		# Garbage where a trusted proxy would have written an address: the nearest trusted address.
		("127.0.0.1", "203.0.113.7, not-an-ip", LOCAL, "127.0.0.1"),
		# Every hop is ours: a request from inside.
		("127.0.0.1", "127.0.0.1", LOCAL, "127.0.0.1"),
		# Nothing trusted (the setting emptied): never believe the header.
		("127.0.0.1", "203.0.113.7", (), "127.0.0.1"),
		# Ports and brackets as proxies write them; IPv4-mapped IPv6 sockets.
		("::ffff:127.0.0.1", "203.0.113.7:51000", LOCAL, "203.0.113.7"),
		("::1", "[2001:db8::5]:443", LOCAL, "2001:db8::5"),
		# Invalid trusted entries are ignored, valid ones still apply.
		("127.0.0.1", "203.0.113.7", ("bogus", "127.0.0.1"), "203.0.113.7"),
		(None, "203.0.113.7", LOCAL, UNKNOWN),
	],
)
def test_client_address(remote, xff, trusted, expected):
	assert client_address(remote, xff, trusted) == expected


def test_ipv6_clients_are_counted_per_64():
	assert limit_key("2001:db8:1:2::1") == limit_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
	assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
	assert limit_key("203.0.113.7") == "203.0.113.7"
	assert limit_key("nonsense") == UNKNOWN


def test_parse_address_rejects_text():
	assert parse_address("unknown") is None
	assert parse_address("") is None
	assert str(parse_address(" 203.0.113.7 ")) == "203.0.113.7"
