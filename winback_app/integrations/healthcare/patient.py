"""Patient doc_events (wired in hooks.py): check the win-back fields, keep the phone lookup in step, and let
merges and deletes of patients with win-back history through (winback_app/contacts/patient_records.py)."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from winback_app.engine.window import is_valid_zone


def validate(doc, method=None):
	if doc.get("winback_time_zone") and not is_valid_zone(doc.winback_time_zone):
		frappe.throw(
			_("{0} is not a time zone. Use a name such as America/New_York.").format(doc.winback_time_zone),
			title=_("Messaging preferences"),
		)
	if doc.has_value_changed("winback_sms_consent") and doc.get("winback_sms_consent") in (
		"Granted",
		"Revoked",
	):
		if not doc.get("winback_sms_consent_date") or not doc.is_new():
			doc.winback_sms_consent_date = now_datetime()
		if not doc.get("winback_sms_consent_source"):
			doc.winback_sms_consent_source = _("Patient form")


def on_update(doc, method=None):
	if doc.is_new() or doc.has_value_changed("mobile") or doc.has_value_changed("phone"):
		from winback_app.contacts.phones import sync_patient

		sync_patient(doc)


def before_rename(doc, method=None, old=None, new=None, merge=False):
	"""A merge of this patient (old) into another (new): see winback_app/contacts/patient_records.py."""
	if merge and old and new:
		from winback_app.contacts.patient_records import before_merge

		before_merge(old, new)


def after_rename(doc, method=None, old=None, new=None, merge=False):
	if merge:
		from winback_app.contacts.patient_records import after_merge

		after_merge(doc)


def on_trash(doc, method=None):
	"""The patient is being deleted: their win-back rows go first, so frappe's link check lets it through."""
	from winback_app.contacts.patient_records import forget

	forget(doc.name)
