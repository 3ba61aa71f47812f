"""What a patient's win-back records become when the host merges two patients or deletes one.

Merge (frappe.rename_doc("Patient", duplicate, survivor, merge=True)): frappe itself moves every Link to Patient
(lapses, attempts, replies, opt-outs) to the survivor. Before that, before_merge() closes the duplicate's open
lapses when the survivor has one of its own (the survivor's win-back goes on; two cadences for one person would
double the messages and the caps); if only the duplicate had one, it carries on as the survivor's. The phone
lookup is rebuilt from the survivor's own numbers (the duplicate's rows are dropped first: the lookup is unique
per patient and kind of number). Opt-outs are keyed by number and are not touched: a number that said STOP
stays blocked whichever patient it now belongs to.

Delete: the patient's lapses, contact attempts, replies and phone rows go with the patient (they are copies of
the patient's data and would otherwise keep names, numbers and message bodies of a patient the clinic
removed), together with what the desk attached to them (ToDos, comments, versions, view logs, shares,
notifications, follows), as frappe does for the patient itself. Communications stay, unlinked, as the host
keeps the patient's own. Opt-outs stay, keyed by number, with the patient link cleared: STOP outlives the
record. Email unsubscribes stay as they are. A deleted parent's children, reached through them, stop being
written to, and their lapses forget the parent's number and email.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from winback_app.engine import lifecycle as lc
from winback_app.lapses import lifecycle

Lapse = DocType("Patient Lapse")
Attempt = DocType("Win-Back Contact Attempt")
Reply = DocType("Win-Back SMS Reply")
PatientPhone = DocType("Win-Back Patient Phone")
OptOut = DocType("Win-Back SMS Opt-Out")

MERGED_REASON = "Patient merged into {0}, whose win-back continues"
GUARDIAN_GONE_REASON = "The parent this patient was reached through was deleted"
# What frappe deletes for a deleted document (frappe.model.delete_doc.delete_dynamic_links), by column names.
DESK_RECORDS = (
	("ToDo", "reference_type", "reference_name"),
	("Comment", "reference_doctype", "reference_name"),
	("Version", "ref_doctype", "docname"),
	("View Log", "reference_doctype", "reference_name"),
	("DocShare", "share_doctype", "share_name"),
	("Notification Log", "document_type", "document_name"),
	("Document Follow", "ref_doctype", "ref_docname"),
)


def before_merge(duplicate: str, survivor: str) -> list[str]:
	"""Before frappe moves the duplicate's links to the survivor. Returns the duplicate's lapses it closed.

	The duplicate's phone rows go now: the lookup is unique per patient and kind of number, so frappe's move
	would collide with the survivor's rows (after_merge rebuilds the survivor's). The duplicate's open lapses
	close when the survivor has an open one.
	"""
	frappe.qb.from_(PatientPhone).delete().where(PatientPhone.patient == duplicate).run()
	if not lifecycle.in_progress(survivor):
		return []
	return lifecycle.close(lifecycle.in_progress(duplicate), MERGED_REASON.format(survivor))


def after_merge(patient) -> None:
	"""The survivor now holds the duplicate's rows: rebuild its phone lookup from its own numbers (the
	duplicate's rows came along), and show its name on the lapses and replies that came from the duplicate."""
	from winback_app.contacts.phones import sync_patient

	sync_patient(patient)
	for table in (Lapse, Reply):
		(
			frappe.qb.update(table)
			.set(table.patient_name, patient.patient_name)
			.where(table.patient == patient.name)
			.where(table.patient_name != patient.patient_name)
		).run()


def forget(patient: str) -> None:
	"""Before a patient is deleted: remove their win-back rows (set-based), keep opt-outs without the link."""
	lapses = frappe.qb.from_(Lapse).select(Lapse.name).where(Lapse.patient == patient).run(pluck=True)
	attempts = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name)
		.where((Attempt.patient == patient) | Attempt.lapse.isin(lapses or [""]))
		.run(pluck=True)
	)
	replies = (
		frappe.qb.from_(Reply)
		.select(Reply.name)
		.where((Reply.patient == patient) | Reply.lapse.isin(lapses or [""]))
		.run(pluck=True)
	)
	for doctype, names in (
		("Patient Lapse", lapses),
		("Win-Back Contact Attempt", attempts),
		("Win-Back SMS Reply", replies),
	):
		if names:
			_detach_desk_records(doctype, names)
	if attempts:
		frappe.qb.from_(Attempt).delete().where(Attempt.name.isin(attempts)).run()
	if replies:
		frappe.qb.from_(Reply).delete().where(Reply.name.isin(replies)).run()
	if lapses:
		frappe.qb.from_(Lapse).delete().where(Lapse.name.isin(lapses)).run()
	frappe.qb.from_(PatientPhone).delete().where(PatientPhone.patient == patient).run()
	frappe.qb.update(OptOut).set(OptOut.patient, None).where(OptOut.patient == patient).run()
	forget_as_guardian(patient)


def forget_as_guardian(patient: str) -> None:
	"""The children's lapses reached through this parent stop (nobody else's number may take over unasked) and
	lose the parent's link, number and email."""
	reached = frappe.qb.from_(Lapse).select(Lapse.name).where(Lapse.guardian == patient).run(pluck=True)
	if not reached:
		return
	lifecycle.close(reached, GUARDIAN_GONE_REASON, only_from=lc.IN_PROGRESS)
	(
		frappe.qb.update(Lapse)
		.set(Lapse.guardian, None)
		.set(Lapse.mobile, None)
		.set(Lapse.email, None)
		.where(Lapse.name.isin(reached))
	).run()


def _detach_desk_records(doctype: str, names: list[str]) -> None:
	for table, type_column, name_column in DESK_RECORDS:
		t = DocType(table)
		frappe.qb.from_(t).delete().where(t[type_column] == doctype).where(t[name_column].isin(names)).run()
	Communication = DocType("Communication")
	(
		frappe.qb.update(Communication)
		.set(Communication.reference_doctype, None)
		.set(Communication.reference_name, None)
		.where(Communication.reference_doctype == doctype)
		.where(Communication.reference_name.isin(names))
	).run()
