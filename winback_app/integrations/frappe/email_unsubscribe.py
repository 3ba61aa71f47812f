"""Email Unsubscribe doc_events (wired in hooks.py): mail we queued but that has not left yet is withdrawn.

frappe checks unsubscribes only when mail is queued; a patient who unsubscribes between our enqueue and the
queue's next flush would otherwise still get it. Email Queue has no "cancelled" status in v15, so the
unsent queue rows are removed and our attempt rows say why (the message text stays on the attempt), through
lapses.lifecycle.
"""

import frappe
from frappe.query_builder import DocType

Queue = DocType("Email Queue")
Recipient = DocType("Email Queue Recipient")


def after_insert(doc, method=None):
	if not doc.email or (not doc.global_unsubscribe and doc.reference_doctype != "Patient Lapse"):
		return
	query = (
		frappe.qb.from_(Queue)
		.join(Recipient)
		.on(Recipient.parent == Queue.name)
		.select(Queue.name, Queue.reference_name)
		.where(Recipient.recipient == doc.email)
		.where(Queue.status == "Not Sent")
		.where(Queue.reference_doctype == "Patient Lapse")
	)
	if not doc.global_unsubscribe:
		query = query.where(Queue.reference_name == doc.reference_name)
	rows = query.run()
	if not rows:
		return
	queued, lapses = [r[0] for r in rows], sorted({r[1] for r in rows})
	frappe.qb.from_(Recipient).delete().where(Recipient.parent.isin(queued)).run()
	frappe.qb.from_(Queue).delete().where(Queue.name.isin(queued)).run()
	from winback_app.lapses import lifecycle

	lifecycle.withdraw_emails(lapses, doc.email, "Unsubscribed before the email left")
