"""The request-an-appointment form's one write: a guest POST that creates the Lead (leads/request_form.py).

Every answer is a page for a person: a 303 back to the form (sent, or what to fix) or, over a limit, the form's
"too many tries" view with status 429. A bot (honeypot filled, sent too fast, forged stamp) is shown the same
"thank you" as a person and nothing is created.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

import frappe

from winback_app.compat import RETRYABLE
from winback_app.leads import request_form

PAGE = "/request"
DEADLOCK_RETRIES = 2


def _redirect(query: str) -> Response:
	response = Response("", status=303)
	response.headers["Location"] = f"{PAGE}?{query}"
	response.headers["Cache-Control"] = "no-store"
	return response


@frappe.whitelist(allow_guest=True, methods=["POST"])
def submit(**kwargs) -> Response:
	try:
		req = request_form.check(kwargs)
	except request_form.Refused as refused:
		if refused.kind == "bot":
			return _redirect("sent=1")
		if refused.kind == "busy":
			from winback_app.www.request import busy_response

			return busy_response()
		return _redirect(f"problem={refused.kind}")
	for attempt in range(DEADLOCK_RETRIES + 1):
		frappe.db.savepoint("winback_lead_request")
		try:
			request_form.create_lead(req, frappe.local.lang)
			break
		except RETRYABLE:
			# The database gave up the whole transaction (two requests at once): nothing of it was written.
			frappe.db.rollback()
			if attempt < DEADLOCK_RETRIES:
				continue
			return _redirect("problem=clinic")
		except Exception as exc:
			frappe.db.rollback(save_point="winback_lead_request")
			from winback_app.infra.errors import log_error

			log_error("Win-back: an appointment request could not be recorded", exc, doctype="Lead")
			return _redirect("problem=clinic")
	return _redirect("sent=1")
