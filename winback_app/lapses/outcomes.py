"""Outcomes: a lapse becomes Booked when any appointment is made for the patient, Reactivated when a real
visit happens, Exhausted when its cadence has run out.

Bookings are caught twice: at once by the Patient Appointment after_insert hook (any source: desk, phone,
our booking page) and by poll(), which also catches appointments written without doc events. Visits must be
polled: the host writes Closed with db.set_value and submits encounters in ways no hook of ours sees.
Everything here is a handful of set-based statements; every status change goes through lapses.lifecycle.
"""

from __future__ import annotations

from datetime import date

from pypika.terms import ExistsCriterion

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Date, IfNull, Min
from frappe.utils import add_days, getdate, now_datetime

from winback_app.detection.reader import visit_sources
from winback_app.engine import lifecycle as lc
from winback_app.lapses import lifecycle
from winback_app.settings import get_settings

Lapse = DocType("Patient Lapse")
Appointment = DocType("Patient Appointment")
Attempt = DocType("Win-Back Contact Attempt")

# How long after joining a lapse is still watched for a visit.
WATCH_DAYS = 365
# Holdout and finished cadences close this long after the last planned touch, so the patient can rejoin later.
EXHAUST_AFTER_DAYS = 21


def mark_booked(patient: str, appointment: str, when=None) -> list[str]:
	"""Every open lapse of this patient becomes Booked with this appointment; their remaining touches stop."""
	when = when or now_datetime()
	lapses = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.patient == patient)
		.where(Lapse.status.isin(lc.BOOKABLE))
		.where(Lapse.detected_on <= when)
		.run(pluck=True)
	)
	return lifecycle.book(lapses, appointment, when)


def poll_outcomes(today: date | None = None) -> dict:
	"""The hourly job (tasks.poll_outcomes): bookings, visits and finished cadences no hook reported."""
	today = getdate(today) if today else getdate()
	return {"booked": poll_bookings(), "reactivated": poll_visits(today), "exhausted": poll_exhausted(today)}


def poll_bookings() -> int:
	"""Appointments created after a lapse opened (and not cancelled) that no hook reported."""
	rows = (
		frappe.qb.from_(Lapse)
		.join(Appointment)
		.on(
			(Appointment.patient == Lapse.patient)
			& (Appointment.creation > Lapse.detected_on)
			# a booking made during the lapse is for a visit still to come; an old visit imported later is not one
			& (Appointment.appointment_date >= Date(Lapse.detected_on))
		)
		.select(Lapse.name, Min(Appointment.name), Min(Appointment.creation))
		.where(Lapse.status.isin(lc.BOOKABLE))
		.where(Appointment.status != "Cancelled")
		.where(Appointment.name != Lapse.evidence_name)
		.groupby(Lapse.name)
		.run()
	)
	return len(lifecycle.book_each({lapse: (appointment, created) for lapse, appointment, created in rows}))


def poll_visits(today: date) -> int:
	"""A real visit on or after the day a lapse opened makes it Reactivated (holdout lapses too)."""
	settings = get_settings()
	since = add_days(today, -WATCH_DAYS)
	first_visit: dict[str, date] = {}
	for src in visit_sources(settings):
		t = src.table
		query = (
			frappe.qb.from_(Lapse)
			.join(t)
			.on(
				(t.patient == Lapse.patient)
				& (src.date >= Date(Lapse.detected_on))
				# the visit that made the patient lapse is not a return
				& (src.date > IfNull(Lapse.last_visit_date, "1900-01-01"))
			)
			.select(Lapse.name, Min(src.date))
			.where(Lapse.status.isin(lc.REACTIVATABLE))
			.where(Lapse.detected_on >= since)
			.groupby(Lapse.name)
		)
		for condition in src.conditions:
			query = query.where(condition)
		for lapse, visit in query.run():
			visit = getdate(visit)
			if lapse not in first_visit or visit < first_visit[lapse]:
				first_visit[lapse] = visit
	return len(lifecycle.reactivate(first_visit))


def poll_exhausted(today: date) -> int:
	"""Cadences with nothing left to send, and holdouts past their cadence, stop being open."""
	cutoff = add_days(today, -EXHAUST_AFTER_DAYS)
	pending = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name)
		.where(Attempt.lapse == Lapse.name)
		.where(Attempt.status.isin(("Scheduled", "Sending")) | (Attempt.due_at > cutoff))
	)
	lapses = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.status.isin(lc.RUNNING))
		.where(Lapse.detected_on < cutoff)
		.where(ExistsCriterion(pending).negate())
		.run(pluck=True)
	)
	return len(lifecycle.exhaust(lapses, "Cadence finished without a booking"))
