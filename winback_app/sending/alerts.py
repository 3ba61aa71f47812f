"""Tell the managers when sending goes wrong: Failed or Unknown attempts piling up within the last hours.

Run after every dispatcher run: one COUNT, and at most one notification per alert window (remembered in the
site cache until the window has passed). The notification says how many and where to look, never who: no names,
numbers or message words.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import add_to_date, cint, now_datetime

from winback_app import staff
from winback_app.compat import desk_path

Attempt = DocType("Win-Back Contact Attempt")
CACHE_KEY = "winback_sending_alert"
LIST_LINK = desk_path("win-back-contact-attempt?status=%5B%22in%22%2C%5B%22Failed%22%2C%22Unknown%22%5D%5D")


def troubled_count(hours: int) -> int:
	"""Attempts claimed within the last `hours` that failed or may not have gone out."""
	since = add_to_date(now_datetime(), hours=-hours)
	return (
		frappe.qb.from_(Attempt)
		.select(Count("*"))
		.where(Attempt.status.isin(("Failed", "Unknown")))
		.where(Attempt.claimed_at >= since)
		.run()[0][0]
	)


def alert_if_needed(settings) -> int:
	"""Notify the managers once per window when the count reaches the threshold. Returns the count (0: off)."""
	threshold, hours = cint(settings.get("alert_threshold")), cint(settings.get("alert_hours")) or 6
	if threshold <= 0:
		return 0
	count = troubled_count(hours)
	# expires=True: a key with an expiry must not be remembered in this process (frappe.local.cache)
	if count < threshold or frappe.cache.get_value(CACHE_KEY, expires=True):
		return count
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification

	recipients = staff.managers()
	emails = frappe.get_all("User", filters={"name": ("in", recipients)}, pluck="email")
	enqueue_create_notification(
		emails,
		{
			"type": "Alert",
			"subject": _(
				"Win-Back: {0} messages failed or may not have gone out in the last {1} hours. "
				"Check the Contact Attempt list (status Failed or Unknown) and the sending settings."
			).format(count, hours),
			"document_type": "Win-Back Settings",
			"document_name": "Win-Back Settings",
			"link": LIST_LINK,
			"from_user": "Administrator",
		},
	)
	frappe.cache.set_value(CACHE_KEY, 1, expires_in_sec=hours * 3600)
	return count
