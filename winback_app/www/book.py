"""The guest booking page behind /book/<token> (website_route_rules in hooks.py).

Shows the practice's name and the patient's first name, nothing else from the record, and real free times.
No login, no cookies needed: the token in the URL is the key, and every failure looks the same to a visitor.
Opening the page is rate-limited per visitor (booking/limits.py): over the limit it answers 429 with a page
saying so, before any database lookup. A signed-in user (staff, or a patient with a portal account) gets the
session's CSRF token in each form, so booking works for them too; staff are told whose link it is.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import format_date, format_time, get_datetime, getdate, now_datetime

from winback_app.booking import limits
from winback_app.booking.service import BookingProblem, lapse_for_token, offer
from winback_app.engine.slots import choice_parts, group_by_day
from winback_app.engine.tokens import looks_like_token, token_hash
from winback_app.engine.untrusted import display_first_name
from winback_app.settings import get_settings

no_cache = 1
sitemap = 0
MAX_DAYS_SHOWN = 7
TEMPLATE = "winback_app/www/book.html"


def base_context(context, token: str = ""):
	"""What every state of the page shows: the practice, and who is looking."""
	settings = get_settings()
	context.no_cache = 1
	context.practice_name = settings.practice_name or _("Your clinic")
	context.practice_phone = settings.practice_phone or ""
	context.token = token
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Guest"
	signed_in = user not in (None, "Guest")
	# frappe checks the CSRF token on every POST of a signed-in session: the forms carry it.
	context.csrf_token = (frappe.session.data.csrf_token or "") if signed_in else ""
	context.staff = signed_in and frappe.db.get_value("User", user, "user_type") == "System User"
	return context


def busy_response():
	"""The page's "too many tries" view, status 429: for the booking endpoint over its limits."""
	from werkzeug.wrappers import Response

	context = base_context(frappe._dict())
	context.state = "busy"
	response = Response(frappe.render_template(TEMPLATE, context), status=429, mimetype="text/html")
	response.headers["Retry-After"] = str(limits.WINDOW_SECONDS)
	response.headers["Cache-Control"] = "no-store"
	return response


def get_context(context):
	form = frappe.form_dict
	token = form.get("token") or ""
	base_context(context, token)
	context.parts = [(p, _(p.capitalize())) for p in choice_parts()]
	context.part = form.get("part") if form.get("part") in choice_parts() else ""
	context.state = "choose"
	if limits.exceeded(limits.PAGE_PER_VISITOR, limits.visitor()):
		context.state = "busy"
		context.http_status_code = 429
		return context
	if form.get("done"):
		return confirmation(context, token, form.get("done"))
	if form.get("problem") == "clinic":
		context.state = "problem"
		return context
	try:
		lapse = lapse_for_token(token)
	except BookingProblem:
		context.state = "problem"
		return context
	context.first_name = lapse.first_name
	context.taken = bool(form.get("taken"))
	days = []
	for day, slots in sorted(group_by_day(offer(lapse, context.part or None)).items())[:MAX_DAYS_SHOWN]:
		days.append(
			{
				"label": format_date(day, "EEEE d MMMM"),
				"slots": [
					{
						"label": format_time(s.start.time(), "h:mm a"),
						"start": s.start.strftime("%Y-%m-%d %H:%M:%S"),
						"practitioner": s.practitioner,
						"service_unit": s.service_unit or "",
						"who": frappe.db.get_value(
							"Healthcare Practitioner", s.practitioner, "practitioner_name"
						)
						or "",
					}
					for s in slots
				],
			}
		)
	context.days = days
	return context


def confirmation(context, token: str, appointment: str):
	"""The page after booking. Shown only for the appointment made from this link, while the link is valid.

	An expired link shows the "can no longer be used" page; a cancelled or past appointment says so instead of
	confirming it.
	"""
	context.state = "problem"
	if not looks_like_token(token):
		return context
	Lapse = DocType("Patient Lapse")
	rows = (
		frappe.qb.from_(Lapse)
		.select(Lapse.patient, Lapse.booked_appointment, Lapse.booking_token_expires)
		.where(Lapse.booking_token_hash == token_hash(token))
		.run(as_dict=True)
	)
	if not rows or rows[0].booked_appointment != appointment:
		return context
	if not rows[0].booking_token_expires or get_datetime(rows[0].booking_token_expires) < now_datetime():
		return context
	appt = frappe.db.get_value(
		"Patient Appointment",
		appointment,
		["patient", "appointment_date", "appointment_time", "duration", "practitioner_name", "status"],
		as_dict=True,
	)
	if not appt or appt.patient != rows[0].patient:
		return context
	from datetime import datetime, timedelta

	from winback_app.engine.window import parse_time

	start = datetime.combine(getdate(appt.appointment_date), parse_time(appt.appointment_time))
	if appt.status == "Cancelled":
		context.state = "cancelled"
		return context
	if start < now_datetime():
		return context  # the visit's time has passed: nothing left to confirm
	context.state = "done"
	context.first_name = display_first_name(frappe.db.get_value("Patient", appt.patient, "first_name"))
	context.when = f"{format_date(start.date(), 'EEEE d MMMM')}, {format_time(start.time(), 'h:mm a')}"
	context.who = appt.practitioner_name or ""
	context.ics = ics(start, start + timedelta(minutes=appt.duration or 30), context.practice_name)
	return context


def ics(start, end, practice: str) -> str:
	"""A minimal iCalendar event, as a data: URL (no extra request, works without cookies)."""
	from urllib.parse import quote

	stamp = "%Y%m%dT%H%M%S"
	body = "\r\n".join(
		[
			"BEGIN:VCALENDAR",
			"VERSION:2.0",
			"PRODID:-//winback_app//booking//EN",
			"BEGIN:VEVENT",
			f"UID:{frappe.generate_hash(length=16)}@winback",
			f"DTSTAMP:{frappe.utils.now_datetime().strftime(stamp)}",
			f"DTSTART:{start.strftime(stamp)}",
			f"DTEND:{end.strftime(stamp)}",
			f"SUMMARY:{_('Appointment at {0}').format(practice)}",
			"END:VEVENT",
			"END:VCALENDAR",
		]
	)
	return "data:text/calendar;charset=utf-8," + quote(body)
