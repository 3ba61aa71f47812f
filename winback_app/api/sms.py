"""Twilio webhooks. Guest endpoints; every request is signature-checked before anything is read or written."""

from __future__ import annotations

from werkzeug.wrappers import Response

import frappe

from winback_app.api.twilio_signature import is_from_twilio
from winback_app.compat import RETRYABLE, in_test
from winback_app.infra.isolation import read_committed

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
	from winback_app.sending.delivery import apply_status

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
	"""Incoming text: POST /api/method/winback_app.api.sms.inbound (set as the number's or service's webhook).

	Two transactions. The first records what must never be lost (the reply, the conversation, a STOP) and is
	committed at once; the second acts on it (the lapse, a person's alert). A commit inside a request is fine
	here: one request is one text, its reply row is keyed by the MessageSid (a retry records nothing twice),
	and the second step only does what a person or the safety-net job can redo, while a STOP rolled back with
	a failed alert would be lost for good. If acting fails, the reply goes to a person and Twilio still gets
	the answer that was recorded.

	No exception leaves this function: frappe's own handler would store the request's frame locals (the
	patient's number, words, name) in an Error Log. Failures are logged by class and code path only
	(winback_app.infra.errors), and Twilio gets a 500 when nothing could be recorded (it shows in Twilio's debugger
	and goes to the number's fallback URL, if one is set).
	"""
	from winback_app.infra.errors import log_error

	recorded = None
	try:
		# READ COMMITTED for the record step: a booking by text re-checks its time with a locking read after the
		# request has read other rows, and at REPEATABLE READ on MariaDB 11.8 (snapshot isolation) any booking
		# committed meanwhile makes that read fail (error 1020) instead of seeing it; the practitioner's lock
		# taken first serializes the bookings themselves (booking/service.py).
		with read_committed():
			frappe.db.savepoint("winback_inbound_record")
			if not is_from_twilio():
				return _forbidden()
			from winback_app.replies.handler import record_inbound

			form = frappe.request.form.to_dict(flat=True)
			if not (form.get("MessageSid") or form.get("SmsSid") or "").strip():
				return Response(
					"A text without a message id cannot be recorded.", status=400, mimetype="text/plain"
				)
			for attempt in range(DEADLOCK_RETRIES + 1):
				try:
					recorded = record_inbound(form)
					break
				except RETRYABLE:
					# MariaDB rolled the whole transaction back: nothing of this text was written, so run it again.
					frappe.db.rollback()
					if attempt == DEADLOCK_RETRIES:
						raise
			if recorded is None:
				return _twiml(None)  # a replay: recorded the first time
			_commit()
	except Exception as exc:
		_rollback(save_point="winback_inbound_record")
		log_error("Win-back: an inbound text could not be recorded", exc, doctype="Win-Back SMS Reply")
		return Response("", status=500, mimetype="text/plain")

	_act(recorded)
	return _twiml(recorded.answer)


def _act(recorded) -> None:
	from winback_app.infra.errors import log_error
	from winback_app.replies.handler import act_on, hand_to_person

	name = recorded.reply.name
	try:
		frappe.db.savepoint("winback_inbound_act")
		act_on(recorded)
	except Exception as exc:
		_rollback(save_point="winback_inbound_act")
		log_error("Win-back: acting on an inbound text failed", exc, doctype="Win-Back SMS Reply", name=name)
		try:
			hand_to_person(name)
		except Exception as again:
			_rollback()
			log_error(
				"Win-back: an inbound text could not be handed to a person",
				again,
				doctype="Win-Back SMS Reply",
				name=name,
			)


def _rollback(save_point: str | None = None) -> None:
	"""Roll back without ever raising (a raise here would reach frappe's handler, locals and all)."""
	try:
		if save_point:
			try:
				frappe.db.rollback(save_point=save_point)
				return
			except Exception:
				pass  # a deadlock ended the transaction, savepoint and all (the record itself is committed)
		frappe.db.rollback()
	except Exception:
		pass


def _commit() -> None:
	"""Make the record durable before acting on it. Tests run in one rolled-back transaction instead."""
	if not in_test():
		frappe.db.commit()


def _twiml(answer: str | None) -> Response:
	from twilio.twiml.messaging_response import MessagingResponse

	twiml = MessagingResponse()
	if answer:
		twiml.message(answer)
	return Response(str(twiml), status=200, mimetype="text/xml")
