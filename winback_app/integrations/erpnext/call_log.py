"""Call Log doc_events (wired in hooks.py): a missed incoming call gets one "sorry we missed your call" text."""

import frappe

from winback_app.compat import RETRYABLE
from winback_app.engine.leads import is_missed_call
from winback_app.infra.errors import log_error


def on_change(doc, method=None):
	"""A Call Log is inserted Ringing and updated to No Answer by the telephony integration, or inserted missed."""
	if not is_missed_call(doc.type, doc.status):
		return
	from winback_app.leads import intake, run

	frappe.db.savepoint("winback_take_lead")
	try:
		lead = intake.take_call_log(doc.name)
	except RETRYABLE:
		raise  # the database gave up the whole transaction (the Lead with it): the caller starts it again
	except Exception as exc:
		frappe.db.rollback(save_point="winback_take_lead")  # nothing half-made: the minute job takes it again
		log_error("Win-back: a missed call could not be taken", exc, doctype="Call Log", name=doc.name)
		return
	if lead:
		run.enqueue_send(lead)
