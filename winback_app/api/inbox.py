"""Desk actions for replies: answer a patient by text, mark a reply handled, show the conversation."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app.channels.base import SENT, OutboundMessage
from winback_app.settings import get_settings


class NumberBlockedError(frappe.ValidationError):
	pass


@frappe.whitelist(methods=["POST"])
def reply_by_sms(lapse: str, message: str) -> dict:
	"""Text the patient of this lapse through the configured channel; opt-outs are enforced, the text is logged."""
	frappe.has_permission("Patient Lapse", "write", lapse, throw=True)
	message = (message or "").strip()
	if not message:
		frappe.throw(_("Write a message first."))
	if len(message) > 1600:
		frappe.throw(_("A text can be at most 1,600 characters."))
	doc = frappe.get_doc("Patient Lapse", lapse)
	number = frappe.db.get_value(
		"Win-Back Patient Phone", {"patient": doc.patient, "source": "Mobile"}, "phone"
	)
	if not number:
		frappe.throw(_("{0} has no mobile number we can text.").format(doc.patient_name))
	from winback_app.optouts import is_blocked

	blocked = is_blocked(number)
	if blocked:
		frappe.throw(_("This number can't get texts ({0}).").format(_(blocked)), NumberBlockedError)
	from winback_app.dispatch.run import channels_for

	channel = channels_for(get_settings())["SMS"]
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
	return {"communication": comm.name, "provider": result.provider}


@frappe.whitelist(methods=["POST"])
def mark_handled(reply: str, outcome: str = "resume") -> None:
	"""The reply was answered. outcome "resume" continues the cadence, "close" ends the lapse."""
	frappe.has_permission("Win-Back SMS Reply", "write", reply, throw=True)
	if outcome not in ("resume", "close"):
		frappe.throw(_("Choose resume or close."))
	doc = frappe.get_doc("Win-Back SMS Reply", reply)
	doc.db_set({"handled": 1, "handled_by": frappe.session.user, "handled_on": now_datetime()})
	if doc.lapse and frappe.db.get_value("Patient Lapse", doc.lapse, "status") == "Replied":
		if outcome == "resume":
			frappe.db.set_value(
				"Patient Lapse", doc.lapse, {"status": "In Cadence", "reply_handled": 1, "replied_on": None}
			)
		else:
			lapse = frappe.get_doc("Patient Lapse", doc.lapse)
			lapse.status, lapse.reply_handled, lapse.closed_reason = "Closed", 1, _("Closed after a reply")
			lapse.save(ignore_permissions=True)
	ToDo = DocType("ToDo")
	(
		frappe.qb.update(ToDo)
		.set(ToDo.status, "Closed")
		.where(ToDo.reference_type == "Win-Back SMS Reply")
		.where(ToDo.reference_name == reply)
		.where(ToDo.status == "Open")
	).run()


@frappe.whitelist()
def conversation(number: str) -> list[dict]:
	"""The last texts to and from one number, oldest first, for the reply form."""
	frappe.has_permission("Win-Back SMS Reply", "read", throw=True)
	rows = frappe.get_all(
		"Communication",
		filters={"communication_medium": "SMS", "phone_no": number},
		fields=["sent_or_received", "content", "communication_date"],
		order_by="communication_date desc",
		limit=30,
	)
	return list(reversed(rows))
