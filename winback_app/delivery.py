"""Delivery reports from Twilio: move an attempt's status forward only, and act on carrier errors.

Duplicates and unknown message ids change nothing. An Unknown attempt (the worker died or timed out after the
request left) is resolved here when Twilio reports on it.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.utils import cint, now_datetime

from winback_app.channels.twilio_sms import INVALID_CODES, OPT_OUT_CODES

Attempt = DocType("Win-Back Contact Attempt")
RANK = {"Scheduled": 0, "Sending": 1, "Unknown": 1, "Sent": 2, "Delivered": 3, "Failed": 3}
TWILIO_TO_OURS = {"sent": "Sent", "delivered": "Delivered", "undelivered": "Failed", "failed": "Failed"}


def apply_status(sid: str, twilio_status: str, error_code: str = "") -> bool:
	new = TWILIO_TO_OURS.get((twilio_status or "").lower())
	if not sid or not new:
		return False  # queued/accepted/sending say nothing new; an empty id is nobody's
	row = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name, Attempt.status, Attempt.to_address, Attempt.patient)
		.where(Attempt.provider_id == sid)
		.for_update()
		.run(as_dict=True)
	)
	if not row:
		return False
	attempt = row[0]
	if RANK.get(new, 0) <= RANK.get(attempt.status, 0):
		return False
	query = (
		frappe.qb.update(Attempt)
		.set(Attempt.status, new)
		.set(Attempt.modified, now_datetime())
		.where(Attempt.name == attempt.name)
	)
	if new == "Failed" and error_code:
		query = query.set(Attempt.error_code, error_code)
	if attempt.status == "Unknown":
		query = query.set(Attempt.error_message, f"Resolved by Twilio's delivery report: {twilio_status}")
	query.run()
	code = cint(error_code)
	if code in OPT_OUT_CODES or code in INVALID_CODES:
		from winback_app.optouts import block_number

		block_number(
			attempt.to_address,
			"Opted Out" if code in OPT_OUT_CODES else "Invalid Number",
			source="Carrier",
			patient=attempt.patient,
			words=f"Twilio {error_code}",
		)
	return True
