"""Patient Appointment doc_events (wired in hooks.py): a new appointment from any source stops the cadence."""

import frappe


def after_insert(doc, method=None):
	if doc.status == "Cancelled" or not doc.patient:
		return
	try:
		from winback_app.outcomes import mark_booked

		mark_booked(doc.patient, doc.name)
	except Exception:
		# Never let win-back bookkeeping stop the clinic from booking; the hourly poll catches up.
		frappe.log_error(
			title="Win-back: could not mark lapse booked",
			reference_doctype="Patient Appointment",
			reference_name=doc.name,
		)
