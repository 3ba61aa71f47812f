"""The booking page's one write: a guest POST that books a slot. Rate-limited per visitor and per link.

Every answer is a page for a person, never an error for a program: a 303 back to the page (taken, refused,
booked) or, over a limit, the page's own "too many tries" view with status 429.
"""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.wrappers import Response

import frappe
from frappe.utils import get_datetime

from winback_app.booking import limits
from winback_app.booking.service import BookingProblem
from winback_app.booking.service import book_retrying as book_slot


def _redirect(path: str) -> Response:
	response = Response("", status=303)
	response.headers["Location"] = path
	return response


@frappe.whitelist(allow_guest=True, methods=["POST"])
def book(token: str, practitioner: str, start: str, service_unit: str | None = None) -> Response:
	if limits.exceeded(limits.BOOK_PER_VISITOR, limits.visitor()) or limits.exceeded(
		limits.BOOK_PER_LINK, limits.link_key(token)
	):
		from winback_app.www.book import busy_response

		return busy_response()
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
		try:
			frappe.db.rollback(save_point="winback_booking")
		except Exception:
			frappe.db.rollback()  # the database ended the transaction (and the savepoint) itself: see book_retrying
		return _redirect(f"{page}?taken=1" if problem.kind == "taken" else f"{page}?problem={problem.kind}")
	return _redirect(f"{page}?done={quote(appointment)}")
