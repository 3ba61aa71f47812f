"""The booking page's one write: a guest POST that books a slot. Rate-limited per address and per link."""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.wrappers import Response

import frappe
from frappe.rate_limiter import rate_limit
from frappe.utils import get_datetime

from winback_app.booking.service import BookingProblem
from winback_app.booking.service import book as book_slot


def _redirect(path: str) -> Response:
	response = Response("", status=303)
	response.headers["Location"] = path
	return response


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=20, seconds=60 * 10)
@rate_limit(key="token", limit=6, seconds=60 * 10, ip_based=False)
def book(token: str, practitioner: str, start: str, service_unit: str | None = None) -> Response:
	page = f"/book/{quote(token or 'x', safe='')}"
	try:
		when = get_datetime(start)
	except Exception:
		return _redirect(f"{page}?taken=1")
	# A savepoint, not a rollback: whatever a refused booking half-wrote is undone, and nothing else is.
	frappe.db.savepoint("winback_booking")
	try:
		appointment = book_slot(token, practitioner, when, service_unit or None)
	except BookingProblem as problem:
		frappe.db.rollback(save_point="winback_booking")
		return _redirect(f"{page}?taken=1" if problem.kind == "taken" else f"{page}?problem={problem.kind}")
	return _redirect(f"{page}?done={quote(appointment)}")
