"""Desk actions for replies: answer a patient by text, mark a reply handled, show the conversation.

A staff text obeys the rules of engine/staff_texts.py (do not contact, revoked consent, opt-outs, the send
window, the caps; an answer within the hour of the patient's own text may go outside the clinic's window,
never outside 8:00-21:00). The conversation view reads only the app's own texts: Communications that belong
to this number's lapses or replies, never every Communication that happens to carry the number.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint, now_datetime

from winback_app.contacts.phones import patients_for_number
from winback_app.engine import lifecycle as lc
from winback_app.engine import staff_texts
from winback_app.infra.access import STAFF, require
from winback_app.infra.clock import to_utc
from winback_app.sending.channels.base import SENT, OutboundMessage
from winback_app.settings import clinic_time_zone, get_settings, send_window

Communication = DocType("Communication")
Lapse = DocType("Patient Lapse")
Reply = DocType("Win-Back SMS Reply")
PatientPhone = DocType("Win-Back Patient Phone")


class StaffTextRefusedError(frappe.ValidationError):
	"""The rules say this text may not go now (do not contact, consent, window, caps)."""


class NumberBlockedError(StaffTextRefusedError):
	"""The number is on the opt-out list (STOP, wrong or invalid number)."""


def app_texts(number: str):
	"""A query over the app's own SMS Communications with this number: those of its patients' lapses and of the
	replies that came from it. Both sets are found through indexed columns first."""
	patients = patients_for_number(number)
	lapses = (
		frappe.qb.from_(Lapse).select(Lapse.name).where(Lapse.patient.isin(patients)).run(pluck=True)
		if patients
		else []
	)
	replies = frappe.qb.from_(Reply).select(Reply.name).where(Reply.from_number == number).run(pluck=True)
	mine = (
		(Communication.reference_doctype == "Patient Lapse")
		& Communication.reference_name.isin(lapses or [""])
	) | (
		(Communication.reference_doctype == "Win-Back SMS Reply")
		& Communication.reference_name.isin(replies or [""])
	)
	return (
		frappe.qb.from_(Communication)
		.where(Communication.communication_medium == "SMS")
		.where(Communication.phone_no == number)
		.where(mine)
	)


def staff_text_facts(patient: dict, lapse_time_zone: str | None, number: str) -> staff_texts.StaffTextFacts:
	now = now_datetime()
	settings = get_settings()
	sent = (
		app_texts(number)
		.select(Communication.communication_date)
		.where(Communication.sent_or_received == "Sent")
		.where(Communication.communication_date >= now - timedelta(days=7))
		.run(pluck=True)
	)
	last_received = (
		frappe.qb.from_(Reply)
		.select(Reply.received_on)
		.where(Reply.from_number == number)
		.orderby(Reply.received_on, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	block = frappe.db.get_value("Win-Back SMS Opt-Out", {"name": number, "active": 1}, "reason")
	return staff_texts.StaffTextFacts(
		now=to_utc(now),
		time_zone=patient.winback_time_zone or lapse_time_zone or clinic_time_zone(),
		do_not_contact=bool(patient.winback_do_not_contact),
		sms_consent=patient.winback_sms_consent or "Unknown",
		require_consent=settings.sms_consent_policy == "Only patients who granted consent",
		number_block=block,
		last_received=to_utc(last_received[0]) if last_received and last_received[0] else None,
		number_day=sum(1 for at in sent if at >= now - timedelta(days=1)),
		number_week=len(sent),
	)


@frappe.whitelist(methods=["POST"])
def reply_by_sms(lapse: str, message: str) -> dict:
	"""Text the patient of this lapse through the configured channel, if the rules allow it now; logged on the
	patient's timeline. Refusals say why (and until when) with StaffTextRefusedError."""
	require(STAFF)
	frappe.has_permission("Patient Lapse", "write", lapse, throw=True)
	message = (message or "").strip()
	if not message:
		frappe.throw(_("Write a message first."))
	if len(message) > 1600:
		frappe.throw(_("A text can be at most 1,600 characters."))
	doc = frappe.db.get_value(
		"Patient Lapse", lapse, ["patient", "patient_name", "time_zone", "guardian"], as_dict=True
	)
	# A minor reached through a parent: the parent's number, consent and time; either one's do-not-contact.
	contact = doc.guardian or doc.patient
	number = frappe.db.get_value("Win-Back Patient Phone", {"patient": contact, "source": "Mobile"}, "phone")
	if not number:
		frappe.throw(_("{0} has no mobile number we can text.").format(doc.patient_name))
	# The dispatcher locks the number's rows while it spends its caps: so does a staff text.
	frappe.qb.from_(PatientPhone).select(PatientPhone.name).where(PatientPhone.phone == number).orderby(
		PatientPhone.name
	).for_update().run()
	patient = frappe.db.get_value(
		"Patient",
		contact,
		["winback_do_not_contact", "winback_sms_consent", "winback_time_zone"],
		as_dict=True,
	)
	if doc.guardian and frappe.db.get_value("Patient", doc.patient, "winback_do_not_contact"):
		patient.winback_do_not_contact = 1
	settings = get_settings()
	decision = staff_texts.decide(
		staff_text_facts(patient, doc.time_zone, number),
		send_window(),
		cint(settings.max_messages_per_day),
		cint(settings.max_messages_per_week),
	)
	if not decision.allowed:
		frappe.throw(
			_(decision.reason),
			NumberBlockedError if decision.number_blocked else StaffTextRefusedError,
			title=_("This text can't go now"),
		)
	from winback_app.sending.run import channels_for

	channel = channels_for(settings)["SMS"]
	result = channel.send(
		OutboundMessage(attempt="", channel="SMS", to=number, body=message, lapse=lapse, patient=doc.patient)
	)
	comm = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_medium": "SMS",
			"communication_type": "Communication",
			"sent_or_received": "Sent",
			"subject": _("Text message")
			if result.provider != "Outbox"
			else _("Outbox (not sent): Text message"),
			"content": message,
			"phone_no": number,
			"status": "Linked",
			"reference_doctype": "Patient Lapse",
			"reference_name": lapse,
			"delivery_status": "Sent" if result.outcome == SENT and result.provider != "Outbox" else None,
		}
	)
	comm.add_link("Patient", doc.patient)
	comm.insert(ignore_permissions=True)
	if result.outcome != SENT:
		frappe.throw(_("The text was not sent: {0}").format(result.error_message or result.outcome))
	return {"communication": comm.name, "provider": result.provider, "conversation": decision.conversation}


@frappe.whitelist(methods=["POST"])
def mark_handled(reply: str, outcome: str = "resume") -> None:
	"""The reply was answered. outcome "resume" continues the cadence, "close" ends the lapse."""
	frappe.has_permission("Win-Back SMS Reply", "write", reply, throw=True)
	if outcome not in ("resume", "close"):
		frappe.throw(_("Choose resume or close."))
	doc = frappe.get_doc("Win-Back SMS Reply", reply)
	doc.db_set({"handled": 1, "handled_by": frappe.session.user, "handled_on": now_datetime()})
	if doc.lapse:
		from winback_app.lapses import lifecycle

		# Only a lapse still waiting on this reply moves (the lifecycle checks it under lock).
		if outcome == "resume":
			lifecycle.resume([doc.lapse])
		else:
			lifecycle.close(
				[doc.lapse], _("Closed after a reply"), values={"reply_handled": 1}, only_from=(lc.REPLIED,)
			)
	ToDo = DocType("ToDo")
	(
		frappe.qb.update(ToDo)
		.set(ToDo.status, "Closed")
		.where(ToDo.reference_type == "Win-Back SMS Reply")
		.where(ToDo.reference_name == reply)
		.where(ToDo.status == "Open")
	).run()


@frappe.whitelist()
def conversation(reply: str) -> list[dict]:
	"""The last texts to and from this reply's number, oldest first: only the app's own (see app_texts)."""
	require(STAFF)
	frappe.has_permission("Win-Back SMS Reply", "read", reply, throw=True)
	number = frappe.db.get_value("Win-Back SMS Reply", reply, "from_number")
	if not number:
		return []
	rows = (
		app_texts(number)
		.select(Communication.sent_or_received, Communication.content, Communication.communication_date)
		.orderby(Communication.communication_date, order=frappe.qb.desc)
		.limit(30)
		.run(as_dict=True)
	)
	return list(reversed(rows))
