"""The only writer of Win-Back Contact Attempt rows outside the dispatcher's claim: plan and cancel, set-based."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

Attempt = DocType("Win-Back Contact Attempt")


def cancel_open_attempts(lapse_names: list[str], reason: str) -> None:
	"""Cancel every attempt of these lapses that has not been claimed yet (Scheduled). One UPDATE."""
	if not lapse_names:
		return
	(
		frappe.qb.update(Attempt)
		.set(Attempt.status, "Cancelled")
		.set(Attempt.skip_reason, reason[:140])
		.where(Attempt.lapse.isin(lapse_names))
		.where(Attempt.status == "Scheduled")
	).run()


def cancel_segment_attempts(segment: str, reason: str) -> int:
	"""Cancel every attempt of a campaign that has not been claimed yet (Scheduled). Returns how many."""
	count = frappe.db.count("Win-Back Contact Attempt", {"segment": segment, "status": "Scheduled"})
	if count:
		(
			frappe.qb.update(Attempt)
			.set(Attempt.status, "Cancelled")
			.set(Attempt.skip_reason, reason[:140])
			.where(Attempt.segment == segment)
			.where(Attempt.status == "Scheduled")
		).run()
	return count
