"""Booking links: each lapse's one-tap link to the booking page, and the token in it.

The token is made once per lapse, on first use (in bulk for a claimed chunk, or one at a time for an automatic
answer), and the same link goes out in every message of the cadence. Only its hash finds the lapse
(booking/service.lapse_for_token); the token itself is kept encrypted with the site key so later messages can
repeat it. A link that has expired, or expires within a day, is never sent again: the next message or answer
gets a new token with a new expiry (the old link stays dead). Links use the https public address
(settings.link_base_url), never the host a worker happens to see.
"""

from __future__ import annotations

from datetime import timedelta

from rq.timeouts import BaseTimeoutException

import frappe
from frappe.utils import add_days, get_datetime, now_datetime
from frappe.utils.password import decrypt, encrypt

from winback_app.engine.tokens import new_token, token_hash
from winback_app.infra import bulk
from winback_app.infra.errors import log_error
from winback_app.settings import link_base_url

BOOKING_PATH = "/book/"  # www/book.py, routed in hooks.py
# A link that expires sooner than this after it is sent could be dead by the time the patient taps it.
RENEW_BEFORE = timedelta(days=1)
CHECKED = "_link_fresh"  # set on a lapse dict whose stored link ensure_tokens() found fresh


def booking_url(token: str, settings) -> str:
	"""The link a patient taps: the public address, the booking page and this token."""
	return f"{link_base_url(settings)}{BOOKING_PATH}{token}"


def ensure_tokens(lapses: list[dict], settings) -> None:
	"""Give every lapse of a claimed chunk that has no link yet its token, in one write with the claim.

	The claim commits before any message is sent, so a link that goes out is always a link that works.
	"""
	have = [lapse for lapse in lapses if lapse.get("booking_token_encrypted") and not lapse.get("_token")]
	stale = expiring([lapse["name"] for lapse in have])
	for lapse in have:
		lapse[CHECKED] = lapse["name"] not in stale  # booking_token() need not ask again in this chunk
	missing = [
		lapse
		for lapse in lapses
		if not lapse.get("_token") and (not lapse.get("booking_token_encrypted") or lapse["name"] in stale)
	]
	if not missing:
		return
	expires = add_days(now_datetime(), int(settings.booking_link_days or 30))
	updates = {}
	for lapse in missing:
		token = new_token()
		lapse["_token"], lapse["booking_token_encrypted"] = token, encrypt(token)
		updates[lapse["name"]] = {
			"booking_token_hash": token_hash(token),
			"booking_token_encrypted": lapse["booking_token_encrypted"],
			"booking_token_expires": expires,
		}
	bulk.update_dicts("Patient Lapse", updates, update_modified=False)


def booking_token(lapse: dict, settings) -> str:
	"""The lapse's booking token, created on first use; the same link goes out in every message of the cadence.

	Only the hash is used to find the lapse; the token itself is kept encrypted with the site key so later
	messages can repeat it.
	"""
	if lapse.get("_token"):  # made earlier in this chunk for another touch of the same lapse
		return lapse["_token"]
	if lapse.get("booking_token_encrypted") and (lapse.get(CHECKED) or not expiring([lapse["name"]])):
		try:
			return decrypt(lapse["booking_token_encrypted"])
		except BaseTimeoutException:
			raise  # rq's job timeout: the job must stop
		except Exception as exc:
			log_error(
				"Win-back: booking token could not be decrypted",
				exc,
				doctype="Patient Lapse",
				name=lapse["name"],
			)
	token = new_token()
	expires = add_days(now_datetime(), int(settings.booking_link_days or 30))
	encrypted = encrypt(token)
	frappe.db.set_value(
		"Patient Lapse",
		lapse["name"],
		{
			"booking_token_hash": token_hash(token),
			"booking_token_encrypted": encrypted,
			"booking_token_expires": expires,
		},
		update_modified=False,
	)
	# Remember it for the other touches of this lapse in the same chunk (the day-1 text and a due call task).
	lapse["booking_token_encrypted"] = encrypted
	lapse["_token"] = token
	return token


def expiring(lapses: list[str]) -> set[str]:
	"""The lapses among these whose link has expired or expires within RENEW_BEFORE (one query)."""
	if not lapses:
		return set()
	Lapse = frappe.qb.DocType("Patient Lapse")
	soon = now_datetime() + RENEW_BEFORE
	rows = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name, Lapse.booking_token_expires)
		.where(Lapse.name.isin(lapses))
		.run()
	)
	return {name for name, expires in rows if not expires or get_datetime(expires) < soon}
