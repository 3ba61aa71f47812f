"""The words of one message: the documented template context (the booking link comes from booking/links.py)."""

from __future__ import annotations

from frappe import _
from frappe.utils import format_date

from winback_app.booking.links import booking_url
from winback_app.engine.untrusted import display_first_name

OPT_OUT_TEXT = "Reply STOP to opt out."


def context(lapse: dict, patient: dict, settings, token: str) -> dict:
	last_visit = lapse.get("last_visit_date")
	return {
		"first_name": display_first_name(patient.get("first_name")) or _("there"),
		"practice_name": settings.practice_name or "",
		"practice_phone": settings.practice_phone or "",
		"booking_link": booking_url(token, settings),
		"opt_out_text": _(OPT_OUT_TEXT),
		"last_visit_month": format_date(last_visit, "MMMM yyyy") if last_visit else "",
		"practitioner_name": lapse.get("practitioner_name") or "",
		# Clinical variables: filled where we know them; SMS templates may use them only when a manager allows.
		"procedure_name": "",
		"appointment_type": "",
		"department": lapse.get("department") or "",
		"service_request": lapse.get("evidence_name")
		if lapse.get("evidence_doctype") == "Service Request"
		else "",
		"diagnosis": "",
		"therapy_plan": lapse.get("evidence_name") if lapse.get("evidence_doctype") == "Therapy Plan" else "",
	}
