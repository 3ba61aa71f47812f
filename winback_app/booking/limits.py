"""Rate limits of the guest booking page and its endpoint: counters in Redis, per visitor and per link.

frappe's rate_limit decorator counts per frappe.local.request_ip, which frappe 15 takes from the left-most
X-Forwarded-For entry (any client can send a fresh one with each request), and its per-key variant puts the raw
booking token into the Redis key. Here the visitor is the address engine.client_address works out from the
socket and the clinic's trusted proxies (Win-Back Settings), and a link is counted by a salted hash of its
token, never the token itself. Each counter lives for its window from the first request (fixed window).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import frappe

from winback_app.engine.client_address import client_address, limit_key
from winback_app.settings import trusted_proxies

WINDOW_SECONDS = 10 * 60


@dataclass(frozen=True)
class Limit:
	bucket: str
	requests: int
	seconds: int = WINDOW_SECONDS


# Opening the page: generous (a patient reloads, switches morning/afternoon), but a script fetching pages to
# find working links, or to keep the database busy, is stopped early.
PAGE_PER_VISITOR = Limit("page-ip", 60)
# Booking: a patient books once; a few "taken, choose another" rounds are normal.
BOOK_PER_VISITOR = Limit("book-ip", 20)
BOOK_PER_LINK = Limit("book-link", 6)


def visitor() -> str | None:
	"""The requesting client's address as the rate limits count it (an IPv6 client by its /64); None outside a
	web request (a job, the console, a test calling the page directly): nothing to limit there."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return None
	address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies())
	return limit_key(address)


def link_key(token: str | None) -> str:
	"""A booking link as the limiter knows it: a salted hash, different from the hash stored on the lapse."""
	return hashlib.sha256(f"winback-rate-limit|{token or ''}".encode()).hexdigest()[:32]


def _key(limit: Limit, identity: str) -> str:
	return frappe.cache.make_key(f"winback:rl:{limit.bucket}:{identity}")


def exceeded(limit: Limit, identity: str | None) -> bool:
	"""Count one web request; True when this one is over the limit."""
	if identity is None or getattr(frappe.local, "request", None) is None:
		return False
	key = _key(limit, identity)
	count = frappe.cache.incr(key)
	if count == 1 or frappe.cache.ttl(key) < 0:  # a new window (or a counter that lost its expiry)
		frappe.cache.expire(key, limit.seconds)
	return count > limit.requests


def reset(limit: Limit, identity: str) -> None:
	frappe.cache.delete(_key(limit, identity))
