"""The win-back state shown on the Patient form, where staff look anyway."""

from __future__ import annotations

import frappe
from frappe import _


@frappe.whitelist()
def state(patient: str) -> dict:
	frappe.has_permission("Patient", "read", patient, throw=True)
	lapse = frappe.db.get_value(
		"Patient Lapse",
		{"patient": patient},
		["name", "segment", "status", "detected_on", "holdout"],
		as_dict=True,
		order_by="detected_on desc",
	)
	last = None
	if lapse:
		last = frappe.db.get_value(
			"Win-Back Contact Attempt",
			{"lapse": lapse.name, "status": ("in", ("Sent", "Delivered"))},
			["channel", "sent_at"],
			as_dict=True,
			order_by="sent_at desc",
		)
	mobile = frappe.db.get_value("Win-Back Patient Phone", {"patient": patient, "source": "Mobile"}, "phone")
	blocked = (
		frappe.db.get_value("Win-Back SMS Opt-Out", {"name": mobile, "active": 1}, "reason")
		if mobile
		else None
	)
	return {
		"lapse": lapse,
		"last_touch": last,
		"texts": _(blocked) if blocked else (_("allowed") if mobile else _("no mobile number")),
		"do_not_contact": bool(frappe.db.get_value("Patient", patient, "winback_do_not_contact")),
	}
