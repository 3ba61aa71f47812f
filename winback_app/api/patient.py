"""The patient's side of win-back in the desk: the state on the Patient form, and what the front desk records
when a patient asks on the phone not to be contacted or texted."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html, now_datetime

from winback_app.infra.access import STAFF, has_role, require


@frappe.whitelist()
def state(patient: str) -> dict | None:
	"""The headline on the Patient form: only for win-back staff (others who open the patient see nothing)."""
	frappe.has_permission("Patient", "read", patient, throw=True)
	if not has_role(STAFF):
		return None
	lapse = frappe.db.get_value(
		"Patient Lapse",
		{"patient": patient},
		["name", "segment", "status", "detected_on", "holdout", "guardian"],
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
	# A minor reached through a parent is texted on the parent's number: that number's state is the one that counts.
	texted = (lapse and lapse.guardian) or patient
	mobile = frappe.db.get_value("Win-Back Patient Phone", {"patient": texted, "source": "Mobile"}, "phone")
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


PREFERENCE_SOURCES = ("Patient Lapse", "Win-Back SMS Reply")
DO_NOT_CONTACT = "do_not_contact"
REVOKE_TEXT_CONSENT = "revoke_text_consent"


class ContactPreferenceError(frappe.ValidationError):
	pass


@frappe.whitelist(methods=["POST"])
def record_contact_preference(doctype: str, name: str, action: str, reason: str) -> dict:
	"""The front desk records what the patient said on the phone, from the lapse or the reply they are working:
	"do not contact me" (no win-back texts, emails or calls) or "stop texting me" (text consent revoked, and the
	number opted out like a STOP). A reason is required and kept on the patient's timeline.

	Front-desk agents may not edit Patient records in general; this method lets them set these two flags, and
	nothing else, on the patient of a lapse or reply they may work.
	"""
	require(STAFF)
	if doctype not in PREFERENCE_SOURCES or action not in (DO_NOT_CONTACT, REVOKE_TEXT_CONSENT):
		frappe.throw(_("Choose do not contact or text consent revoked."), ContactPreferenceError)
	frappe.has_permission(doctype, "write", name, throw=True)
	reason = " ".join((reason or "").split())
	if len(reason) < 3:
		frappe.throw(_("Write down why (what the patient said)."), ContactPreferenceError)
	reason = reason[:140]
	patient = frappe.db.get_value(doctype, name, "patient")
	if not patient:
		frappe.throw(
			_("This reply is not matched to a patient. Add the number to Win-Back SMS Opt-Out instead."),
			ContactPreferenceError,
		)
	user = frappe.session.user
	from winback_app.lapses import lifecycle

	if action == DO_NOT_CONTACT:
		frappe.db.set_value("Patient", patient, "winback_do_not_contact", 1)
		note = _("Marked do not contact for win-back by {0}: {1}").format(user, reason)
		lifecycle.close(lifecycle.in_progress(patient), "Marked do not contact")
	else:
		frappe.db.set_value(
			"Patient",
			patient,
			{
				"winback_sms_consent": "Revoked",
				"winback_sms_consent_date": now_datetime(),
				"winback_sms_consent_source": _("Phone call, recorded by {0}: {1}").format(user, reason)[
					:140
				],
			},
		)
		note = _("Text consent revoked by phone, recorded by {0}: {1}").format(user, reason)
		from winback_app.contacts.optouts import block_number

		for number in mobile_numbers(patient):
			block_number(number, "Opted Out", source="Staff", patient=patient)
		# Consent revoked ends the episode like a STOP: no emails or calls in place of the texts.
		lifecycle.opt_out(lifecycle.in_progress(patient), "Text consent revoked")
	# The reason is staff's own words: stored escaped, shown as text on the timelines.
	frappe.get_doc("Patient", patient).add_comment("Info", escape_html(note))
	if doctype != "Patient":
		frappe.get_doc(doctype, name).add_comment("Info", escape_html(note))
	return {"patient": patient, "action": action}


def mobile_numbers(patient: str) -> list[str]:
	Phone = DocType("Win-Back Patient Phone")
	return (
		frappe.qb.from_(Phone)
		.select(Phone.phone)
		.distinct()
		.where(Phone.patient == patient)
		.where(Phone.source == "Mobile")
		.where(Phone.phone != "")
		.run(pluck=True)
	)
