"""Twilio webhooks. Guest endpoints; every request is signature-checked before anything is read or written."""

from __future__ import annotations

from werkzeug.wrappers import Response

import frappe

from winback_app.api.twilio_signature import is_from_twilio

DEADLOCK_RETRIES = 2


def _forbidden() -> Response:
	return Response("Forbidden", status=403, mimetype="text/plain")


@frappe.whitelist(allow_guest=True, methods=["POST"])
def status(**kwargs) -> Response:
	"""Delivery status callback: POST /api/method/winback_app.api.sms.status?attempt=<attempt name>

	The attempt comes from the URL we gave Twilio with the message; Twilio's signature covers that URL, query
	string included, so it cannot be pointed at another attempt."""
	if not is_from_twilio():
		return _forbidden()
	from winback_app.delivery import apply_status

	form = frappe.request.form
	apply_status(
		form.get("MessageSid") or "",
		form.get("MessageStatus") or "",
		form.get("ErrorCode") or "",
		attempt=(frappe.request.args.get("attempt") or "")[:140],
	)
	return Response("", status=204)


@frappe.whitelist(allow_guest=True, methods=["POST"])
def inbound(**kwargs) -> Response:
	"""Incoming text: POST /api/method/winback_app.api.sms.inbound (set as the number's or service's webhook)."""
	if not is_from_twilio():
		return _forbidden()
	from twilio.twiml.messaging_response import MessagingResponse

	from winback_app.inbox import handle_inbound

	form = frappe.request.form.to_dict(flat=True)
	for attempt in range(DEADLOCK_RETRIES + 1):
		try:
			answer = handle_inbound(form)
			break
		except frappe.QueryDeadlockError:
			# MariaDB rolled the whole transaction back: nothing of this text was written, so run it again.
			frappe.db.rollback()
			if attempt == DEADLOCK_RETRIES:
				raise
	twiml = MessagingResponse()
	if answer:
		twiml.message(answer)
	return Response(str(twiml), status=200, mimetype="text/xml")
