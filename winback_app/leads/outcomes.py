"""What became of each lead, read from the host's records: booked (an appointment for their number or patient,
from any source: the desk, the booking page, a text), came (the first visit happened), resting (nothing back
after the last follow-up). Set-based reads; status changes go through leads/status.py."""

from __future__ import annotations

from datetime import datetime

from pypika.terms import ExistsCriterion

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max

from winback_app.engine import leads as rules
from winback_app.infra.clock import to_utc
from winback_app.leads import status

WLead = DocType("Win-Back Lead")
WText = DocType("Win-Back Lead Text")
PatientPhone = DocType("Win-Back Patient Phone")
Appointment = DocType("Patient Appointment")
Encounter = DocType("Patient Encounter")
LIMIT = 500


def move_on(now: datetime) -> int:
	return opted_out() + booked_elsewhere() + came() + rested(now)


def opted_out() -> int:
	"""Leads whose number said STOP (or was found invalid) are closed; nothing more is planned for them."""
	OptOut = DocType("Win-Back SMS Opt-Out")
	rows = (
		frappe.qb.from_(WLead)
		.join(OptOut)
		.on(OptOut.name == WLead.phone)
		.select(WLead.name)
		.where(OptOut.active == 1)
		.where(WLead.status.isin((*rules.OPEN, rules.RESTING)))
		.limit(LIMIT)
		.run(pluck=True)
	)
	status.close(rows, "The number opted out of texts")
	return len(rows)


def booked_elsewhere() -> int:
	"""Open or resting leads whose number (or patient) got an appointment after they reached us."""
	found: dict[str, tuple[str, str, datetime]] = {}
	by_phone = (
		frappe.qb.from_(WLead)
		.join(PatientPhone)
		.on(PatientPhone.phone == WLead.phone)
		.join(Appointment)
		.on(Appointment.patient == PatientPhone.patient)
		.select(WLead.name, Appointment.name.as_("appointment"), Appointment.patient, Appointment.creation)
		.where(WLead.status.isin((*rules.OPEN, rules.RESTING)))
		.where(WLead.source != rules.UNCONFIRMED)
		.where(Appointment.creation >= WLead.received_on)
		.where(Appointment.status != "Cancelled")
		.limit(LIMIT)
		.run(as_dict=True)
	)
	by_patient = (
		frappe.qb.from_(WLead)
		.join(Appointment)
		.on(Appointment.patient == WLead.patient)
		.select(WLead.name, Appointment.name.as_("appointment"), Appointment.patient, Appointment.creation)
		.where(WLead.status.isin((*rules.OPEN, rules.RESTING)))
		.where(WLead.source != rules.UNCONFIRMED)
		.where(Appointment.creation >= WLead.received_on)
		.where(Appointment.status != "Cancelled")
		.limit(LIMIT)
		.run(as_dict=True)
	)
	for row in (*by_phone, *by_patient):
		if row.name not in found or row.creation < found[row.name][2]:
			found[row.name] = (row.appointment, row.patient, row.creation)
	for lead, (appointment, patient, when) in found.items():
		status.booked(lead, appointment=appointment, patient=patient, when=when)
	return len(found)


def came() -> int:
	"""Leads with an appointment whose visit happened: the appointment closed or checked out, or an encounter."""
	rows = (
		frappe.qb.from_(WLead)
		.join(Appointment)
		.on(Appointment.name == WLead.appointment)
		.select(WLead.name, Appointment.appointment_date, Appointment.status)
		.where(WLead.came_on.isnull())
		.where(WLead.status != rules.CLOSED)
		.where(Appointment.status.isin(("Closed", "Checked Out", "Checked In")))
		.limit(LIMIT)
		.run(as_dict=True)
	)
	visits = {r.name: r.appointment_date for r in rows}
	seen = (
		frappe.qb.from_(WLead)
		.join(Encounter)
		.on(Encounter.appointment == WLead.appointment)
		.select(WLead.name, Encounter.encounter_date)
		.where(WLead.came_on.isnull())
		.where(WLead.status != rules.CLOSED)
		.where(Encounter.docstatus == 1)
		.limit(LIMIT)
		.run()
	)
	for lead, day in seen:
		visits.setdefault(lead, day)
	status.came(visits)
	return len(visits)


def rested(now: datetime) -> int:
	"""Answered leads with nothing left to send and nothing back REST_AFTER their last text."""
	planned = (
		frappe.qb.from_(WText)
		.select(WText.name)
		.where(WText.lead_record == WLead.name)
		.where(WText.status.isin(("Scheduled", "Sending")))
	)
	rows = (
		frappe.qb.from_(WLead)
		.join(WText)
		.on(WText.lead_record == WLead.name)
		.select(WLead.name, Max(WText.sent_at))
		.where(WLead.status.isin((rules.NEW, rules.ANSWERED)))
		.where(ExistsCriterion(planned).negate())
		.groupby(WLead.name)
		.limit(LIMIT)
		.run()
	)
	tired = [name for name, last in rows if rules.resting(to_utc(last) if last else None, to_utc(now))]
	status.rest(tired)
	return len(tired)
