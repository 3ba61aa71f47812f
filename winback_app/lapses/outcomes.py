"""Outcomes: a lapse becomes Booked when any appointment is made for the patient, Reactivated when a real
visit happens, Exhausted when its cadence has run out.

Bookings are caught twice: at once by the Patient Appointment after_insert hook (any source: desk, phone,
our booking page) and by poll(), which also catches appointments written without doc events. Visits must be
polled: the host writes Closed with db.set_value and submits encounters in ways no hook of ours sees.
Everything here is a handful of set-based statements; every status change goes through lapses.lifecycle.

Only a lapse still in a win-back, or one whose cadence ended (Exhausted) within the attribution window (Win-Back
Settings, 90 days by default), is credited with a booking or a visit: a booking years after an old cadence gave
up is not that cadence's doing, and counting it would inflate every report.
"""

from __future__ import annotations

from datetime import date

from pypika.terms import ExistsCriterion, Interval

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Date, IfNull, Min
from frappe.utils import add_days, cint, getdate, now_datetime

from winback_app.detection.reader import visit_sources
from winback_app.engine import lifecycle as lc
from winback_app.lapses import lifecycle
from winback_app.settings import get_settings

Lapse = DocType("Patient Lapse")
Appointment = DocType("Patient Appointment")
Attempt = DocType("Win-Back Contact Attempt")
Segment = DocType("Campaign Segment")

# An appointment in one of these states was kept (the patient is, or was, in the building).
ARRIVED = ("Checked In", "Checked Out", "Closed")
MISSED_APPOINTMENT = "Missed Appointment"
LATE_ARRIVAL = "Arrived late: the missed appointment was kept"
LAPSED_MEMBERSHIP = "Lapsed Membership"
RENEWED = "Membership renewed"
LIVE_SUBSCRIPTION = ("Active", "Trialling")

# How long after joining a lapse is still watched for a visit.
WATCH_DAYS = 365
# Holdout and finished cadences close this long after the last planned touch, so the patient can rejoin later.
EXHAUST_AFTER_DAYS = 21


def attribution_days(settings=None) -> int:
	return cint((settings or get_settings()).get("attribution_days")) or 90


def credited(moment) -> object:
	"""The condition a lapse must meet to be credited with a booking or visit at `moment` (a column or value):
	still in a win-back, or Exhausted no longer than the attribution window before it."""
	ended = IfNull(Lapse.closed_on, Lapse.detected_on)
	return Lapse.status.isin(lc.IN_PROGRESS) | (
		(Lapse.status == lc.EXHAUSTED) & (moment <= ended + Interval(days=attribution_days()))
	)


def mark_booked(patient: str, appointment: str, when=None) -> list[str]:
	"""Every open lapse of this patient, and any cadence of theirs that ended within the attribution window,
	becomes Booked with this appointment; their remaining touches stop."""
	when = when or now_datetime()
	lapses = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.patient == patient)
		.where(Lapse.status.isin(lc.BOOKABLE))
		.where(Lapse.detected_on <= when)
		.where(credited(when))
		.run(pluck=True)
	)
	return lifecycle.book(lapses, appointment, when)


def poll_outcomes(today: date | None = None) -> dict:
	"""The hourly job (tasks.poll_outcomes): bookings, visits and finished cadences no hook reported."""
	today = getdate(today) if today else getdate()
	booked = poll_bookings()
	late = close_late_arrivals(today)  # before visits: a late arrival's visit is not a return
	renewed = close_renewed_memberships()
	return {
		"booked": booked,
		"late_arrivals": late,
		"renewed": renewed,
		"reactivated": poll_visits(today),
		"exhausted": poll_exhausted(today),
	}


def arrived_on(pairs: set[tuple[str, date]], settings=None) -> set[tuple[str, date]]:
	"""Which (patient, day) pairs have a sign the patient was there that day: an appointment checked in or
	closed, or a real visit (encounter, procedure, therapy session) of that day. One query per source."""
	if not pairs:
		return set()
	patients = sorted({p for p, _d in pairs})
	days = sorted({d for _p, d in pairs})
	seen: set[tuple[str, date]] = set()
	for patient, day in (
		frappe.qb.from_(Appointment)
		.select(Appointment.patient, Appointment.appointment_date)
		.where(Appointment.patient.isin(patients))
		.where(Appointment.appointment_date.isin(days))
		.where(Appointment.status.isin(ARRIVED))
		.run()
	):
		seen.add((patient, getdate(day)))
	for src in visit_sources(settings or get_settings()):
		query = (
			frappe.qb.from_(src.table)
			.select(src.table.patient, src.date)
			.where(src.table.patient.isin(patients))
			.where(src.date.isin(days))
		)
		for condition in src.conditions:
			query = query.where(condition)
		for patient, day in query.run():
			seen.add((patient, getdate(day)))
	return seen & pairs


def close_late_arrivals(today: date) -> int:
	"""A missed-appointment lapse whose patient turned up after all (the appointment checked in or closed, or a
	visit that day) is Closed, its remaining touches cancelled: a late arrival is neither a win-back nor a
	reactivation. Looks at the last two days of missed appointments only."""
	rows = (
		frappe.qb.from_(Lapse)
		.join(Segment)
		.on(Segment.name == Lapse.segment)
		.join(Appointment)
		.on(Appointment.name == Lapse.evidence_name)
		.select(Lapse.name, Lapse.patient, Appointment.appointment_date)
		.where(Segment.rule_kind == MISSED_APPOINTMENT)
		.where(Lapse.evidence_doctype == "Patient Appointment")
		.where(Lapse.status.isin(lc.IN_PROGRESS))
		.where(Appointment.appointment_date >= add_days(today, -1))
		.run()
	)
	if not rows:
		return 0
	arrived = arrived_on({(patient, getdate(day)) for _n, patient, day in rows})
	late = [name for name, patient, day in rows if (patient, getdate(day)) in arrived]
	return len(lifecycle.close(late, LATE_ARRIVAL)) if late else 0


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
		.where(credited(Appointment.creation))
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
			.where(credited(src.date) | (Lapse.status == lc.BOOKED))
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


def close_renewed_memberships() -> int:
	"""A lapsed-membership lapse whose patient is a member again (an active or trialling Subscription of their
	customer) is Closed: a member who renewed is not told their membership lapsed. Set-based, one read."""
	Subscription = DocType("Subscription")
	Patient = DocType("Patient")
	live = (
		frappe.qb.from_(Subscription)
		.select(Subscription.name)
		.where(Subscription.party_type == "Customer")
		.where(Subscription.party == Patient.customer)
		.where(Subscription.status.isin(LIVE_SUBSCRIPTION))
		.where(Subscription.name != Lapse.evidence_name)
	)
	lapses = (
		frappe.qb.from_(Lapse)
		.join(Segment)
		.on(Segment.name == Lapse.segment)
		.join(Patient)
		.on(Patient.name == Lapse.patient)
		.select(Lapse.name)
		.where(Segment.rule_kind == LAPSED_MEMBERSHIP)
		.where(Lapse.status.isin(lc.IN_PROGRESS))
		.where(Patient.customer.isnotnull())
		.where(ExistsCriterion(live))
		.run(pluck=True)
	)
	return len(lifecycle.close(lapses, RENEWED)) if lapses else 0
