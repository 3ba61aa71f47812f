"""The same detection decision written the naive way, for comparison only: a loop over patients with
per-patient frappe.get_all / frappe.db.get_value / frappe.db.exists calls, then the same engine arbitration.

This is what a straightforward controller would do (and what the set-based reader in
winback_app/detection/reader.py replaces). It must decide exactly what reader + engine decide, so that
detection_bench.py can check both return the same entries; it lives in benchmarks/ and nowhere else.

Per patient: 1 Patient row, 1 "latest visit" query per visit source (4), 1 future appointment, 1 open lapse,
1 mobile, 1 opt-out (when a mobile), 1 unsubscribe (when an e-mail), 1 closed lapses (cooldowns), and per
enabled rule: 1 Service Request (Unfinished Treatment), 1 "any appointment" (New Patient Never Booked),
1 latest visit per source per distinct "Only for" filter set. About 12 queries per patient.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import add_days, cint, get_datetime, getdate

from winback_app.detection.reader import ACTIVE_APPOINTMENT
from winback_app.engine.lifecycle import IN_PROGRESS
from winback_app.engine.detection import Candidate, PatientFacts, Policy, arbitrate

# (key, doctype, date field, department field, fixed filters, "Only for" doctype -> field)
SOURCES = (
	(
		"count_encounters",
		"Patient Encounter",
		"encounter_date",
		"medical_department",
		{"docstatus": 1},
		{
			"Appointment Type": "appointment_type",
			"Medical Department": "medical_department",
			"Healthcare Practitioner": "practitioner",
		},
	),
	(
		"count_clinical_procedures",
		"Clinical Procedure",
		"start_date",
		"medical_department",
		{"docstatus": 1, "status": "Completed"},
		{
			"Clinical Procedure Template": "procedure_template",
			"Medical Department": "medical_department",
			"Healthcare Practitioner": "practitioner",
		},
	),
	(
		"count_therapy_sessions",
		"Therapy Session",
		"start_date",
		"department",
		{"docstatus": 1},
		{"Medical Department": "department", "Healthcare Practitioner": "practitioner"},
	),
	(
		"count_closed_appointments",
		"Patient Appointment",
		"appointment_date",
		"department",
		{"status": ("in", ("Closed", "Checked Out"))},
		{
			"Appointment Type": "appointment_type",
			"Clinical Procedure Template": "procedure_template",
			"Medical Department": "department",
			"Healthcare Practitioner": "practitioner",
		},
	),
)
RECALL_KINDS = ("Recall Window", "Annual Check-in", "Med Spa Maintenance")
SUPPORTED = (*RECALL_KINDS, "Unfinished Treatment", "New Patient Never Booked")


def last_visit(patient: str, settings, filters: tuple = ()) -> Candidate | None:
	"""The patient's latest visit over the sources: one ORM query per source."""
	wanted: dict[str, list[str]] = {}
	for doctype, value in filters:
		wanted.setdefault(doctype, []).append(value)
	best = None
	for key, doctype, date_field, dept_field, fixed, filter_fields in SOURCES:
		if not settings.get(key, 1):
			continue
		if any(d not in filter_fields for d in wanted):
			continue
		conditions = {"patient": patient, **fixed}
		for d, values in wanted.items():
			conditions[filter_fields[d]] = ("in", values)
		rows = frappe.get_all(
			doctype,
			filters=conditions,
			fields=[
				"name",
				f"{date_field} as visit_date",
				"practitioner",
				f"{dept_field} as department",
				"company",
			],
			order_by=f"{date_field} desc, name desc",
			limit=1,
		)
		if not rows or not rows[0].visit_date:
			continue
		r = rows[0]
		day = getdate(r.visit_date)
		if best is None or day > best.event_date:
			best = Candidate(
				patient,
				day,
				doctype,
				r.name,
				r.practitioner or None,
				r.department or None,
				r.company or None,
				day,
			)
	return best


def facts_for(patient: str, today: date) -> PatientFacts:
	p = frappe.db.get_value(
		"Patient",
		patient,
		[
			"patient_name",
			"status",
			"dob",
			"email",
			"winback_do_not_contact",
			"winback_sms_consent",
			"winback_time_zone",
		],
		as_dict=True,
	)
	future = frappe.db.exists(
		"Patient Appointment",
		{"patient": patient, "status": ("in", ACTIVE_APPOINTMENT), "appointment_date": (">=", today)},
	)
	open_lapse = frappe.db.exists("Patient Lapse", {"patient": patient, "status": ("in", IN_PROGRESS)})
	mobile = frappe.db.get_value(
		"Win-Back Patient Phone", {"patient": patient, "source": "Mobile", "phone": ("!=", "")}, "phone"
	)
	email = (p.email or "").strip().lower() or None
	sms_blocked = bool(mobile) and bool(
		frappe.db.get_value("Win-Back SMS Opt-Out", {"name": mobile, "active": 1}, "name")
	)
	email_blocked = bool(email) and bool(
		frappe.db.exists("Email Unsubscribe", {"email": email, "global_unsubscribe": 1})
	)
	return PatientFacts(
		patient=patient,
		patient_name=p.patient_name or "",
		disabled=p.status == "Disabled",
		dob=p.dob,
		mobile=mobile or None,
		email=email,
		do_not_contact=bool(p.winback_do_not_contact),
		sms_consent=p.winback_sms_consent or "Unknown",
		time_zone=p.winback_time_zone or None,
		has_future_appointment=bool(future),
		open_lapse=bool(open_lapse),
		sms_blocked=sms_blocked,
		email_blocked=email_blocked,
	)


def unfinished_treatment(patient: str, today: date, seg) -> Candidate | None:
	filters = [
		["patient", "=", patient],
		["docstatus", "=", 1],
		["status", "=", "active-Request Status"],
		["order_date", "<=", add_days(today, -(seg.min_days or 0))],
	]
	if seg.max_days:
		filters.append(["order_date", ">", add_days(today, -seg.max_days)])
	for doctype, field in (
		("Healthcare Practitioner", "practitioner"),
		("Medical Department", "medical_department"),
	):
		if seg.filter_values(doctype):
			filters.append([field, "in", list(seg.filter_values(doctype))])
	rows = frappe.get_all(
		"Service Request",
		filters=filters,
		fields=["name", "order_date", "practitioner", "medical_department", "company"],
		order_by="order_date desc, name desc",
		limit=1,
	)
	if not rows:
		return None
	r = rows[0]
	return Candidate(
		patient,
		getdate(r.order_date),
		"Service Request",
		r.name,
		r.practitioner or None,
		r.medical_department or None,
		r.company or None,
	)


def never_booked(patient: str, created, today: date, seg) -> Candidate | None:
	created = get_datetime(created)
	if created >= get_datetime(add_days(today, -(seg.min_days or 0) + 1)):
		return None
	if seg.max_days and created < get_datetime(add_days(today, -seg.max_days)):
		return None
	if frappe.db.exists("Patient Appointment", {"patient": patient}):
		return None
	return Candidate(patient, getdate(created), "Patient", patient)


def cooldowns_for(patient: str, segments, today: date) -> set[tuple[str, str]]:
	rows = frappe.get_all(
		"Patient Lapse",
		filters={"patient": patient, "status": ("not in", IN_PROGRESS)},
		fields=["segment", "closed_on", "detected_on"],
	)
	out = set()
	for seg in segments:
		if not seg.reentry_cooldown_days:
			continue
		since = get_datetime(add_days(today, -seg.reentry_cooldown_days))
		for r in rows:
			ended = r.closed_on or r.detected_on
			if r.segment == seg.name and ended and get_datetime(ended) >= since:
				out.add((patient, seg.name))
	return out


def naive_decide(segments, today: date, settings, cycle: str):
	"""Read patient by patient, then arbitrate with the same engine as winback_app.detection.run.decide."""
	unsupported = [s.name for s in segments if s.rule_kind not in SUPPORTED]
	if unsupported:
		raise NotImplementedError(f"naive_detection does not implement: {unsupported}")
	candidates: dict[str, dict[str, Candidate]] = {s.name: {} for s in segments}
	patients: dict[str, PatientFacts] = {}
	cooldowns: set[tuple[str, str]] = set()
	for row in frappe.get_all("Patient", fields=["name", "creation"], order_by="name asc"):
		pid = row.name
		patients[pid] = facts_for(pid, today)
		cooldowns |= cooldowns_for(pid, segments, today)
		by_filters: dict[tuple, Candidate | None] = {}
		for seg in segments:
			cand = None
			if seg.rule_kind in RECALL_KINDS:
				if seg.rule_kind == "Med Spa Maintenance" and not seg.filter_values(
					"Clinical Procedure Template"
				):
					continue
				key = tuple(sorted(seg.filters))
				if key not in by_filters:
					by_filters[key] = last_visit(pid, settings, key)
				cand = by_filters[key]
			elif seg.rule_kind == "Unfinished Treatment":
				cand = unfinished_treatment(pid, today, seg)
			elif seg.rule_kind == "New Patient Never Booked":
				cand = never_booked(pid, row.creation, today, seg)
			if cand is not None:
				candidates[seg.name][pid] = cand
	policy = Policy(
		minimum_age=cint(settings.minimum_age),
		require_sms_consent=settings.sms_consent_policy == "Only patients who granted consent",
	)
	return arbitrate(segments, candidates, patients, cooldowns, today, cycle, policy)
