"""Patient Appointment doc_events (wired in hooks.py): a new appointment from any source stops the cadence."""

from winback_app.infra.errors import log_error


def after_insert(doc, method=None):
	if doc.status == "Cancelled" or not doc.patient:
		return
	try:
		from winback_app.lapses.outcomes import mark_booked

		mark_booked(doc.patient, doc.name)
	except Exception as exc:
		# Never let win-back bookkeeping stop the clinic from booking; the hourly poll catches up.
		log_error("Win-back: could not mark lapse booked", exc, doctype="Patient Appointment", name=doc.name)
