"""Workspace number cards that need more than a count."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import add_days, getdate

from winback_app.infra.access import STAFF, require


@frappe.whitelist()
def reactivation_rate_last_90_days() -> dict:
	"""Share of the contactable (non-holdout) lapses opened in the last 90 days whose patient came back.

	A rolling window, not "this quarter": on the first days of a quarter a calendar window would show nothing."""
	require(STAFF)
	frappe.has_permission("Patient Lapse", "read", throw=True)
	Lapse = DocType("Patient Lapse")
	total, back = (
		frappe.qb.from_(Lapse)
		.select(Count(Lapse.name), Count(Lapse.reactivated_on))
		.where(Lapse.detected_on >= add_days(getdate(), -90))
		.where(Lapse.holdout == 0)
		.run()[0]
	)
	# The card formats with this precision (else the site's float precision: "4.600%" on a Frappe 16 site).
	return {"value": round(100.0 * back / total, 1) if total else 0, "fieldtype": "Percent", "precision": 1}
