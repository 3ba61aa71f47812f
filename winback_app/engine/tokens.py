"""Booking-link tokens: random, never derived from patient data, stored only as a hash. No I/O."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 16  # 128 bits -> 22 URL-safe characters, short enough for an SMS


def new_token() -> str:
	return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
	return hashlib.sha256((token or "").encode()).hexdigest()


def looks_like_token(token: str | None) -> bool:
	"""Cheap shape check before any database lookup: guessed garbage never reaches a query."""
	return bool(token) and 16 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
