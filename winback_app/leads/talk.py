"""Texts from a lead, in the webhook (replies/handler.py calls in here; nothing here is called from elsewhere).

A lead is in the book-by-text conversation like a patient (replies/by_text.py, replies/conversation.py): the
conversation row is keyed by the number and the Win-Back Lead until a Patient exists, then by the Patient too.
What differs is the booking: a lead has no lapse and often no Patient. book() locks the Win-Back Lead, creates the
Patient from the ERPNext Lead (names, mobile, email, language, the form's text consent) when there is none, books
through the booking page's own service (booking.service.book_for_lapse, with no lapse: the same locks, re-check
and Patient Appointment), marks the Lead Converted and the Win-Back Lead Booked. A time taken meanwhile raises the
service's BookingProblem and the Patient made for it is rolled back with it.

"C" (engine.leads.is_confirmation) from a patient we asked to confirm a first appointment confirms it through
healthcare's own update_status, as the desk's "Confirm" does.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import get_datetime

from winback_app.engine import leads as rules
from winback_app.engine import reply_plan
from winback_app.engine.untrusted import display_first_name
from winback_app.leads import status

WLead = DocType("Win-Back Lead")
WText = DocType("Win-Back Lead Text")
LEAD_FIELDS = (
	"name",
	"status",
	"source",
	"first_name",
	"full_name",
	"phone",
	"email",
	"language",
	"patient",
	"lead",
)


def lead_on(number: str, patient: str | None = None) -> frappe._dict | None:
	"""The open lead behind a number (or this patient's), newest first; None when there is none."""
	where = (WLead.patient == patient) | (WLead.phone == number) if patient else WLead.phone == number
	rows = (
		frappe.qb.from_(WLead)
		.select(*(getattr(WLead, f) for f in LEAD_FIELDS))
		.where(where)
		.where(WLead.status.isin((*rules.OPEN, rules.RESTING)))
		.orderby(WLead.received_on, order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	return rows[0] if rows else None


def before_answer(
	body: str, sender, now: datetime, language: str
) -> tuple[str | None, reply_plan.Plan] | None:
	"""Called inside the text's record (a replay rolls it back). A "C" that confirms the appointment we asked
	about returns (answer, plan); anything else notes that the lead replied and returns None (the conversation
	or a person answers, as for a patient)."""
	frappe.db.savepoint("winback_lead_text")
	try:
		if sender.patient and rules.is_confirmation(body):
			confirmed = confirm(sender.patient, now, language)
			if confirmed is not None:
				return confirmed
		if sender.lead:
			status.replied(sender.lead.name, now)
	except Exception as exc:
		# Never at the cost of the text's record (a STOP least of all): the conversation or a person goes on.
		frappe.db.rollback(save_point="winback_lead_text")
		from winback_app.infra.errors import log_error

		log_error("Win-back: a lead's reply could not be noted", exc, doctype="Win-Back Lead")
	return None


def confirm(patient: str, now: datetime, language: str) -> tuple[str, reply_plan.Plan] | None:
	"""Confirm the patient's first appointment we asked about, if the question is open."""
	rows = (
		frappe.qb.from_(WLead)
		.join(WText)
		.on(WText.lead_record == WLead.name)
		.select(WLead.name, WLead.appointment, WLead.first_name)
		.where(WLead.patient == patient)
		.where(WLead.source == rules.UNCONFIRMED)
		.where(WLead.status.isin(rules.OPEN))
		.where(WText.step == rules.CONFIRM)
		.where(WText.status.isin(("Sent", "Delivered", "Unknown")))
		.orderby(WText.sent_at, order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	if not rows:
		return None
	row = rows[0]
	appt = frappe.db.get_value(
		"Patient Appointment",
		row.appointment,
		["status", "appointment_datetime"],
		as_dict=True,
		for_update=True,
	)
	if not appt or appt.status not in ("Scheduled", "Open") or get_datetime(appt.appointment_datetime) < now:
		return None
	from healthcare.healthcare.doctype.patient_appointment.patient_appointment import update_status

	update_status(row.appointment, "Confirmed")  # the host's own path: the desk's "Confirm" calls it too
	status.confirmed(row.name, now)
	from winback_app.leads.send import appointment_when, fill
	from winback_app.settings import get_settings

	settings = get_settings()
	answer = fill(
		rules.TEXTS["confirmed"],
		language,
		{
			"first_name": row.first_name or _("there", lang=language),
			"when": appointment_when(row.appointment),
			"practice": settings.practice_name or "",
		},
	)
	return answer, reply_plan.Plan(category="Booking", counts_as_reply=False)


def booking_subject(lead: frappe._dict):
	"""The booking service's view of a lead: no lapse, the lead's Patient if there is one, any practitioner."""
	from winback_app.booking.service import BookingLapse, default_company

	return BookingLapse(
		name=None,
		patient=lead.patient,
		first_name=lead.first_name or "",
		practitioner=None,
		department=None,
		company=default_company(),
	)


def book(lead: frappe._dict, option) -> str:
	"""Book the offered time for the lead: their Patient first (made from the Lead when they have none), then the
	appointment through the booking page's service; the Lead is converted. Raises the service's BookingProblem
	(and nothing the lead's booking wrote stays) when the time is gone or the clinic refuses."""
	from winback_app.booking import service

	locked = (
		frappe.qb.from_(WLead)
		.select(WLead.status, WLead.patient)
		.where(WLead.name == lead.name)
		.for_update()
		.run(as_dict=True)
	)
	if not locked or locked[0].status not in (*rules.OPEN, rules.RESTING):
		raise service.BookingProblem("link", _("This booking can no longer be made by text."))
	frappe.db.savepoint("winback_lead_booking")
	try:
		patient = locked[0].patient or patient_from(lead)
		subject = booking_subject(frappe._dict(lead, patient=patient))
		appointment = service.book_for_lapse(
			subject, option.practitioner, option.start, option.service_unit, by_text=True
		)
	except Exception:
		frappe.db.rollback(save_point="winback_lead_booking")
		raise
	now = frappe.utils.now_datetime()
	status.booked(lead.name, appointment=appointment, patient=patient, when=now)
	if lead.lead:
		frappe.db.set_value("Lead", lead.lead, "status", "Converted", update_modified=False)
		frappe.get_doc("Lead", lead.lead).add_comment(
			"Info", _("Booked by text: became patient {0}, appointment {1}").format(patient, appointment)
		)
	lead.patient = patient
	return appointment


def patient_from(lead: frappe._dict) -> str:
	"""A Patient made from the ERPNext Lead (or, without one, from what the Win-Back Lead knows): names, mobile,
	email, language, and the request form's text consent with its date and source. Sex is required by the host:
	the Lead's gender, else "Prefer not to say" for the front desk to complete."""
	row = frappe._dict()
	if lead.lead:
		row = (
			frappe.db.get_value(
				"Lead",
				lead.lead,
				["first_name", "last_name", "lead_name", "gender", "email_id", "language"],
				as_dict=True,
			)
			or frappe._dict()
		)
	consent = frappe.db.get_value("Win-Back Lead", lead.name, ["sms_consent", "consent_on"], as_dict=True)
	first = display_first_name(row.first_name or lead.first_name or row.lead_name or "", 60) or _("Unknown")
	doc = frappe.get_doc(
		{
			"doctype": "Patient",
			"first_name": first,
			"last_name": display_first_name(row.last_name or "", 60) or None,
			"sex": row.gender or first_existing("Gender", ("Prefer not to say", "Other")),
			"mobile": lead.phone,
			"email": row.email_id or lead.email,
			"language": row.language or lead.language,
			"invite_user": 0,
			"winback_sms_consent": consent.sms_consent
			if consent and consent.sms_consent == "Granted"
			else "Unknown",
			"winback_sms_consent_date": consent.consent_on if consent else None,
			"winback_sms_consent_source": _("Appointment request form")
			if consent and consent.sms_consent == "Granted"
			else None,
		}
	)
	doc.flags.ignore_permissions = True
	doc.insert()
	return doc.name


def first_existing(doctype: str, names: tuple[str, ...]) -> str | None:
	for name in names:
		if frappe.db.exists(doctype, name):
			return name
	return frappe.db.get_value(doctype, {}, "name")
