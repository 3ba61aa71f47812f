"""Who is asking: the client address behind the clinic's own proxies, for rate limits. Never performs I/O.

frappe 15 takes the *left-most* X-Forwarded-For entry as the request's address (auth.HTTPRequest.set_request_ip),
which is whatever the client chose to send: a limiter keyed on it is bypassed by changing one header. And without
that header it reads REMOTE_ADDR from the request *headers*, where WSGI never puts it, so every direct client is
"127.0.0.1". Here the socket address is the truth, and X-Forwarded-For is believed only when the socket address
is one of the clinic's trusted proxies: then the client is the right-most hop that is not itself a trusted proxy
(each proxy appends the address it saw; everything to the left of that can be forged).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"
IPV6_PREFIX = 64  # one subscriber usually holds a whole /64: counting single addresses there limits nothing


def parse_address(value: str | None) -> Address | None:
	"""An IP address from a socket or X-Forwarded-For hop ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443")."""
	text = (value or "").strip().strip('"')
	if not text:
		return None
	if text.startswith("[") and "]" in text:
		text = text[1 : text.index("]")]
	elif text.count(":") == 1:  # IPv4 with a port
		text = text.split(":", 1)[0]
	try:
		address = ipaddress.ip_address(text)
	except ValueError:
		return None
	if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
		return address.ipv4_mapped
	return address


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
	"""Trusted proxies as networks; an entry that is neither an address nor a network is ignored."""
	out = []
	for entry in entries:
		try:
			out.append(ipaddress.ip_network((entry or "").strip(), strict=False))
		except ValueError:
			continue
	return tuple(out)


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
	return any(address.version == n.version and address in n for n in networks)


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str:
	"""The address to count requests against, as text."""
	networks = parse_networks(trusted)
	peer = parse_address(remote_addr)
	if peer is None:
		return UNKNOWN
	if not forwarded_for or not _trusted(peer, networks):
		return str(peer)
	nearest = peer
	for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
		address = parse_address(hop)
		if address is None:
			# A trusted proxy writes addresses; anything else was there before it (forged, or "unknown"):
			# count the request against the nearest address we can vouch for.
			return str(nearest)
		if not _trusted(address, networks):
			return str(address)
		nearest = address
	return str(nearest)  # every hop is one of ours: a request from inside


def limit_key(address: str) -> str:
	"""What a rate limit counts: the IPv4 address, or the /64 network of an IPv6 address."""
	parsed = parse_address(address)
	if isinstance(parsed, ipaddress.IPv6Address):
		return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
	return str(parsed) if parsed else UNKNOWN
