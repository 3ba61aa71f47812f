"""Twilio webhooks. Guest endpoints; every request is signature-checked before anything is read or written."""

from __future__ import annotations

from werkzeug.wrappers import Response

import frappe

from winback_app.api.twilio_signature import is_from_twilio


def _forbidden() -> Response:
	return Response("Forbidden", status=403, mimetype="text/plain")


@frappe.whitelist(allow_guest=True, methods=["POST"])
def status(**kwargs) -> Response:
	"""Delivery status callback: POST /api/method/winback_app.api.sms.status"""
	if not is_from_twilio():
		return _forbidden()
	from winback_app.delivery import apply_status

	form = frappe.request.form
	apply_status(form.get("MessageSid") or "", form.get("MessageStatus") or "", form.get("ErrorCode") or "")
	return Response("", status=204)
