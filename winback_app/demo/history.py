"""A little history for the demo, played through the app's own code: bookings and visits after a lapse opened
(the hourly poll marks them), a few patients texting back (the webhook's handler), one sending cycle through
the Outbox (the dispatcher), and a missed appointment rescued by text: the rescue job opens it, the dispatcher
sends the text offering A, and the patient's "A" and "YES" go through the webhook's handler, which books through
the booking service. The workspace, lists and report have something real to show.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app.demo.masters import EXAM, default_company
from winback_app.demo.patients import APPOINTMENT_FIELDS, ENCOUNTER_FIELDS, appointment, encounter, new_name
from winback_app.engine import lifecycle as lc
from winback_app.engine.window import daytime_zone

Patient = DocType("Patient")
Lapse = DocType("Patient Lapse")
Attempt = DocType("Win-Back Contact Attempt")
# What the demo's patients text back: questions, a "later", a "yes", a reason for leaving.
TEXTS = (
	"Do you take Delta Dental?",
	"Can I bring my son too?",
	"maybe later",
	"Yes please!",
	"I moved to Denver",
	"How much is a cleaning?",
)


def history(names: list[str], rng: random.Random) -> None:
	"""Some lapses opened three weeks ago: a share booked and came back (more than in the holdout), a few replied."""
	come_back(names, rng)
	from winback_app.lapses.outcomes import poll_outcomes

	poll_outcomes()
	text_back(names)


def come_back(names: list[str], rng: random.Random) -> None:
	"""Move some lapses three weeks back; a share of them booked during the lapse and came for the visit."""
	lapses = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name, Lapse.patient, Lapse.holdout, Lapse.practitioner, Lapse.department)
		.where(Lapse.patient.isin(names))
		.run(as_dict=True)
	)
	now = now_datetime()
	opened = now - timedelta(days=21)
	company = default_company()
	appointments, encounters = [], []
	for lapse in lapses:
		if rng.random() > 0.45:
			continue
		frappe.qb.update(Lapse).set(Lapse.detected_on, opened).where(Lapse.name == lapse.name).run()
		if rng.random() < (0.12 if lapse.holdout else 0.35):
			booked = opened + timedelta(days=rng.randint(1, 6))
			visit = min(booked + timedelta(days=rng.randint(2, 10)), now - timedelta(hours=2))
			appt = new_name("APPT")
			appointments.append(  # booked during the lapse, for the visit after
				appointment(
					appt,
					booked,
					lapse.patient,
					lapse.practitioner,
					lapse.department,
					EXAM,
					visit,
					"Closed",
					company,
				)
			)
			encounters.append(
				encounter(
					lapse.patient, lapse.practitioner, lapse.department, visit.date(), company, appt, now
				)
			)
	if appointments:
		frappe.db.bulk_insert("Patient Appointment", APPOINTMENT_FIELDS, appointments)
		frappe.db.bulk_insert("Patient Encounter", ENCOUNTER_FIELDS, encounters)


def text_back(names: list[str]) -> None:
	"""A few patients in a cadence text back: the same handling the Twilio webhook runs."""
	from winback_app.replies.handler import handle_inbound

	in_cadence = (
		frappe.qb.from_(Lapse)
		.select(Lapse.patient)
		.where(Lapse.patient.isin(names))
		.where(Lapse.status == lc.IN_CADENCE)
		.limit(len(TEXTS))
		.run(pluck=True)
	)
	phones = dict(
		frappe.get_all(
			"Win-Back Patient Phone",
			{"patient": ("in", in_cadence or [""]), "source": "Mobile"},
			["patient", "phone"],
			as_list=True,
		)
	)
	for body, patient in zip(TEXTS, in_cadence, strict=False):
		if phones.get(patient):
			handle_inbound(
				{
					"MessageSid": f"SMDEMO{frappe.generate_hash(length=26)}",
					"From": phones[patient],
					"To": "+13035550100",
					"Body": body,
					"NumMedia": "0",
				}
			)


def sending_cycle(names: list[str]) -> int:
	"""Make the first touches due and send them through the Outbox, plus a few call tasks for the front desk.

	Demo patients get a time zone where it is daytime now, so the demo shows a sending cycle at any hour.
	"""
	zone = daytime_zone(datetime.now(timezone.utc))
	frappe.qb.update(Patient).set(Patient.winback_time_zone, zone).where(Patient.name.isin(names)).run()
	frappe.qb.update(Lapse).set(Lapse.time_zone, zone).where(Lapse.patient.isin(names)).run()
	now = now_datetime()
	first = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name)
		.where(Attempt.patient.isin(names))
		.where(Attempt.status == "Scheduled")
		.where(Attempt.day_offset == 1)
		.run(pluck=True)
	)
	calls = (
		frappe.qb.from_(Attempt)
		.join(Lapse)
		.on(Lapse.name == Attempt.lapse)
		.select(Attempt.name)
		.where(Attempt.patient.isin(names))
		.where(Attempt.status == "Scheduled")
		.where(Attempt.channel == "Call Task")
		.where(Lapse.status == lc.IN_CADENCE)
		.where(Lapse.replied_on.isnull())
		.limit(4)
		.run(pluck=True)
	)
	due = first + calls
	if due:
		frappe.qb.update(Attempt).set(Attempt.due_at, now - timedelta(minutes=1)).where(
			Attempt.name.isin(due)
		).run()
	settings = frappe.get_single("Win-Back Settings")
	for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
		settings.set(f"send_on_{day}", 1)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	from winback_app.sending.run import dispatch

	result = dispatch(chunk=200, time_budget=120)
	return int(result.get("Sent", 0))


RESCUE_REPLIES = ("A", "YES")


def rescue_by_text(names: list[str]) -> dict:
	"""One demo patient misses an appointment half an hour ago: the rescue job opens the lapse, the dispatcher
	sends the rescue text at once (it offers A for the next open time), and the patient answers "A", then "YES"
	to the time offered, through the webhook's handler. Returns the lapse and what became of it."""
	from winback_app.detection.rescue import rescue_missed_appointments
	from winback_app.replies.handler import handle_inbound
	from winback_app.sending.run import dispatch

	patient = _rescue_candidate(names)
	if not patient:
		return {}
	now = now_datetime().replace(microsecond=0)
	last = frappe.db.get_value(
		"Patient Appointment",
		{"patient": patient},
		["practitioner", "department", "company"],
		as_dict=True,
		order_by="appointment_datetime desc",
	)
	if not last:
		return {}
	missed = appointment(
		new_name("APPT"),
		now,
		patient,
		last.practitioner,
		last.department,
		EXAM,
		now - timedelta(minutes=30),
		"Open",
		last.company or default_company(),
	)
	frappe.db.bulk_insert("Patient Appointment", APPOINTMENT_FIELDS, [missed])
	rescue_missed_appointments(now)
	lapse = frappe.db.get_value("Patient Lapse", {"patient": patient, "evidence_name": missed[0]}, "name")
	if not lapse:
		return {}
	frappe.qb.update(Attempt).set(Attempt.due_at, now - timedelta(minutes=1)).where(
		Attempt.lapse == lapse
	).where(Attempt.day_offset == 1).run()
	frappe.db.commit()
	dispatch(chunk=50, time_budget=60)
	phone = frappe.db.get_value("Win-Back Patient Phone", {"patient": patient, "source": "Mobile"}, "phone")
	for body in RESCUE_REPLIES:
		handle_inbound(
			{
				"MessageSid": f"SMDEMO{frappe.generate_hash(length=26)}",
				"From": phone,
				"To": "+13035550100",
				"Body": body,
				"NumMedia": "0",
			}
		)
	status, booked = frappe.db.get_value("Patient Lapse", lapse, ["status", "booked_appointment"])
	return {"lapse": lapse, "status": status, "appointment": booked}


def _rescue_candidate(names: list[str]) -> str | None:
	"""A demo patient with no win-back of any kind and nothing booked ahead, who can get texts."""
	Appointment = DocType("Patient Appointment")
	busy = set(frappe.qb.from_(Lapse).select(Lapse.patient).where(Lapse.patient.isin(names)).run(pluck=True))
	busy |= set(
		frappe.qb.from_(Appointment)
		.select(Appointment.patient)
		.where(Appointment.patient.isin(names))
		.where(Appointment.appointment_datetime > now_datetime())
		.run(pluck=True)
	)
	with_mobile = set(
		frappe.get_all(
			"Win-Back Patient Phone", {"patient": ("in", names), "source": "Mobile"}, pluck="patient"
		)
	)
	visited = set(
		frappe.qb.from_(Appointment)
		.select(Appointment.patient)
		.where(Appointment.patient.isin(names))
		.run(pluck=True)
	)
	return next((n for n in names if n not in busy and n in with_mobile and n in visited), None)
