"""Lead doc_events (wired in hooks.py): a new ERPNext Lead becomes a new-patient lead (winback_app/leads)."""

import frappe

from winback_app.compat import RETRYABLE
from winback_app.infra.errors import log_error


def after_insert(doc, method=None):
	"""Take the lead in this transaction and send its first text right after the commit. The request form passes
	what it knows beyond the Lead (consent, preferred times) in doc.flags.winback_arrival."""
	from winback_app.leads import intake, run

	frappe.db.savepoint("winback_take_lead")
	try:
		lead = intake.take_lead(doc.name, doc.flags.get("winback_arrival"))
	except RETRYABLE:
		raise  # the database gave up the whole transaction (the Lead with it): the caller starts it again
	except Exception as exc:
		frappe.db.rollback(save_point="winback_take_lead")  # nothing half-made: the minute job takes it again
		# Never stop the clinic from recording a lead; the minute job takes it later.
		log_error("Win-back: a new Lead could not be taken", exc, doctype="Lead", name=doc.name)
		return
	if lead:
		run.enqueue_send(lead)
