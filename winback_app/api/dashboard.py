"""Workspace number cards that need more than a count."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import get_quarter_start, getdate


@frappe.whitelist()
def reactivation_rate_this_quarter() -> dict:
	"""Share of this quarter's contactable (non-holdout) lapses whose patient came back."""
	frappe.has_permission("Patient Lapse", "read", throw=True)
	Lapse = DocType("Patient Lapse")
	total, back = (
		frappe.qb.from_(Lapse)
		.select(Count(Lapse.name), Count(Lapse.reactivated_on))
		.where(Lapse.detected_on >= get_quarter_start(getdate()))
		.where(Lapse.holdout == 0)
		.run()[0]
	)
	return {"value": round(100.0 * back / total, 1) if total else 0, "fieldtype": "Percent"}
