"""Missed-appointment rescue: an appointment 15-60 minutes past its start with no check-in opens a lapse.

Runs every five minutes. Only appointments inside that short window are ever looked at, so a first run after
install (or after the scheduler was down) cannot flood patients about old appointments; each appointment
opens at most one lapse (the lapse's evidence is the appointment, checked before inserting).

A patient who is in the building is not texted: nobody whose appointment of that day was checked in or closed, or
who has a visit that day (an encounter, a procedure, a therapy session: a patient in the chair whose appointment
nobody marked Checked In still has an encounter). Each run also closes the rescue lapses of patients who arrived
late after all (lapses.outcomes.close_late_arrivals), so the follow-up does not go to someone who came.
"""

from __future__ import annotations

from datetime import timedelta

from pypika.terms import ExistsCriterion

import frappe
from frappe.query_builder import DocType
from frappe.utils import cint, getdate, now_datetime

from winback_app.detection import writer
from winback_app.detection.run import cycle_of
from winback_app.engine.detection import Candidate, arbitrate
from winback_app.segments import enabled_segment_specs
from winback_app.settings import clinic_time_zone, detection_policy, get_settings, send_window

Appointment = DocType("Patient Appointment")
Lapse = DocType("Patient Lapse")
NOT_ARRIVED = ("Scheduled", "Open", "Confirmed", "No Show")


def rescue_missed_appointments(now=None) -> dict:
	"""The five-minute job (tasks.rescue_missed_appointments): open a lapse for each appointment just missed."""
	now = now or now_datetime()
	settings = get_settings()
	segments = [s for s in enabled_segment_specs() if s.rule_kind == "Missed Appointment"]
	if not segments:
		return {"created": 0}
	after = cint(settings.missed_after_minutes) or 15
	until = max(cint(settings.missed_until_minutes) or 60, after + 1)
	already = frappe.qb.from_(Lapse).select(Lapse.name).where(Lapse.evidence_name == Appointment.name)
	rows = (
		frappe.qb.from_(Appointment)
		.select(
			Appointment.patient,
			Appointment.name,
			Appointment.appointment_datetime,
			Appointment.practitioner,
			Appointment.department,
			Appointment.company,
		)
		.where(Appointment.appointment_datetime <= now - timedelta(minutes=after))
		.where(Appointment.appointment_datetime > now - timedelta(minutes=until))
		.where(Appointment.status.isin(NOT_ARRIVED))
		.where(ExistsCriterion(already).negate())
		.orderby(Appointment.appointment_datetime)
		.run()
	)
	from winback_app.lapses.outcomes import arrived_on, close_late_arrivals

	today = getdate(now)
	late = close_late_arrivals(today)
	if not rows:
		return {"created": 0, "late_arrivals": late}
	here = arrived_on({(r[0], getdate(r[2])) for r in rows}, settings)
	by_patient: dict[str, Candidate] = {}
	for patient, name, start, practitioner, department, company in rows:
		if (patient, getdate(start)) in here:
			continue
		by_patient.setdefault(
			patient,
			Candidate(
				patient, getdate(start), "Patient Appointment", name, practitioner, department, company
			),
		)
	if not by_patient:
		return {"created": 0, "arrived": len(here), "late_arrivals": late}
	from winback_app.detection import reader

	policy = detection_policy(settings)
	patients = reader.patient_facts(today, only=list(by_patient), future_from=now, policy=policy)
	candidates = {seg.name: by_patient for seg in segments}
	detection = arbitrate(
		segments, candidates, patients, reader.cooldowns(segments, today), today, cycle_of(today), policy
	)
	names = writer.insert_lapses(
		detection.entries,
		patients,
		{s.name: s for s in segments},
		cycle_of(today),
		clinic_time_zone(),
		send_window(),
		now=now,
	)
	return {
		"created": len(names),
		"excluded": detection.reason_counts(),
		"arrived": len({p for p, _d in here}),
		"late_arrivals": late,
	}
