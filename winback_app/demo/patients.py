"""The demo's fictional patients and their years of visits, written in bulk.

Each patient gets a profile (due for recall, lapsed 9-18 months, dormant, recent, booked ahead, new, unfinished
treatment, med spa), and the profile decides their history: closed appointments with encounters, a neurotoxin
procedure, a future appointment, an accepted Service Request. Names are generated from short lists, numbers
are (NXX) 555-01xx, emails @example.com. The random generator is seeded by the caller, so a demo is the same
every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import frappe
from frappe.utils import getdate, now_datetime

from winback_app.demo.masters import EXAM, HYGIENE, SPA_PRACTITIONER, TOX
from winback_app.infra.naming import STANDARD_COLUMNS

MARKER = "Win-Back demo patient"  # Patient.patient_details of every demo patient
FIRST = (
	"Alex",
	"Sam",
	"Jordan",
	"Taylor",
	"Casey",
	"Riley",
	"Morgan",
	"Jamie",
	"Avery",
	"Quinn",
	"Robin",
	"Drew",
	"Reese",
	"Skyler",
	"Parker",
	"Rowan",
)
LAST = (
	"Rivera",
	"Nguyen",
	"Okafor",
	"Schmidt",
	"Tanaka",
	"Haddad",
	"Kowalski",
	"Moreau",
	"Silva",
	"Novak",
	"Lindqvist",
	"Abara",
	"Castillo",
	"Feld",
)
AREAS = (
	"720",
	"773",
	"678",
	"971",
	"480",
	"781",
	"832",
	"425",
	"763",
	"919",
)  # (NXX) 555-01xx, 100 lines each
# How many in a hundred patients have each profile.
PROFILES = (
	["recall"] * 30
	+ ["winback"] * 25
	+ ["dormant"] * 15
	+ ["recent"] * 15
	+ ["future"] * 5
	+ ["new"] * 4
	+ ["treatment"] * 3
	+ ["medspa"] * 3
)
# Days since the last visit, per profile (new patients have none).
LAST_VISIT_AGO = {
	"recall": (185, 265),
	"winback": (275, 530),
	"dormant": (545, 1400),
	"recent": (5, 120),
	"future": (30, 200),
	"treatment": (40, 120),
	"medspa": (75, 95),
}
# One patient in ten reads Spanish: their campaign texts and emails come in the Spanish words the default
# campaigns ship with (setup/default_spanish.py).
SPANISH = "es"
SPANISH_EVERY = 10
PATIENT_FIELDS = [
	*STANDARD_COLUMNS,
	"first_name",
	"last_name",
	"patient_name",
	"sex",
	"status",
	"mobile",
	"email",
	"dob",
	"patient_details",
	"winback_sms_consent",
	"invite_user",
	"language",
]
RELATION_FIELDS = [*STANDARD_COLUMNS, "parent", "parentfield", "parenttype", "idx", "relation", "patient"]
APPOINTMENT_FIELDS = [
	*STANDARD_COLUMNS,
	"patient",
	"practitioner",
	"department",
	"appointment_type",
	"appointment_for",
	"appointment_date",
	"appointment_time",
	"appointment_datetime",
	"duration",
	"status",
	"company",
]
ENCOUNTER_FIELDS = [
	*STANDARD_COLUMNS,
	"patient",
	"practitioner",
	"medical_department",
	"encounter_date",
	"encounter_time",
	"company",
	"status",
	"appointment",
]
PROCEDURE_FIELDS = [
	*STANDARD_COLUMNS,
	"status",
	"patient",
	"procedure_template",
	"practitioner",
	"medical_department",
	"start_date",
	"company",
]
REQUEST_FIELDS = [
	*STANDARD_COLUMNS,
	"patient",
	"status",
	"order_date",
	"order_time",
	"company",
	"practitioner",
	"template_dt",
	"template_dn",
]


@dataclass
class Rows:
	"""Everything the demo writes for its patients, one list per table, inserted together at the end."""

	patients: list = field(default_factory=list)
	appointments: list = field(default_factory=list)
	encounters: list = field(default_factory=list)
	procedures: list = field(default_factory=list)
	requests: list = field(default_factory=list)

	def write(self) -> None:
		frappe.db.bulk_insert("Patient", PATIENT_FIELDS, self.patients)
		frappe.db.bulk_insert("Patient Appointment", APPOINTMENT_FIELDS, self.appointments)
		frappe.db.bulk_insert("Patient Encounter", ENCOUNTER_FIELDS, self.encounters)
		frappe.db.bulk_insert("Clinical Procedure", PROCEDURE_FIELDS, self.procedures)
		frappe.db.bulk_insert("Service Request", REQUEST_FIELDS, self.requests)


def make_patients(n: int, refs: dict, rng: random.Random) -> list[str]:
	"""Insert n demo patients with their histories; returns their names."""
	now, today = now_datetime(), getdate()
	gender = frappe.db.get_value("Gender", {}, "name")
	dentists = [v for k, v in refs["practitioners"].items() if "Dr." in k]
	spa = refs["practitioners"][SPA_PRACTITIONER]
	rows, names = Rows(), []
	booked_ahead = []  # adults with an appointment ahead: not in a win-back themselves
	for i in range(n):
		name = f"DEMO-{i:05d}-{frappe.generate_hash(length=4)}"
		names.append(name)
		profile = add_patient(rows, i, name, gender, now, rng)
		if profile == "future":
			booked_ahead.append(i)
		if profile == "new":
			continue
		practitioner, dept = spa if profile == "medspa" else rng.choice(dentists)
		add_visits(rows, name, profile, practitioner, dept, refs["company"], now, today, rng)
		if profile == "future":
			when = datetime.combine(today + timedelta(days=rng.randint(3, 40)), time(10, 0))
			rows.appointments.append(
				appointment(
					new_name("APPT"),
					now,
					name,
					practitioner,
					dept,
					HYGIENE,
					when,
					"Scheduled",
					refs["company"],
				)
			)
		if profile == "treatment":
			ordered = today - timedelta(days=rng.randint(35, 90))
			rows.requests.append(service_request(name, practitioner, ordered, refs["company"], now))
	relations = []
	if booked_ahead:
		# A ten-year-old due for recall, reached through their mother (one of the adults booked ahead), who gets
		# the campaign's words for parents: "Maria, it's ...: it's time for Leo's next visit."
		mother = booked_ahead[0]
		child = f"DEMO-{n:05d}-{frappe.generate_hash(length=4)}"
		names.append(child)
		row = rows.patients[mother]
		rows.patients.append(
			(
				child,
				row[1],
				now,
				"Administrator",
				"Administrator",
				0,
				"Leo",
				row[7],
				f"Leo {row[7]}",
				gender,
				"Active",
				"",
				"",
				date(today.year - 10, 3, 14),
				MARKER,
				"Unknown",
				0,
				row[17],
			)
		)
		practitioner, dept = rng.choice(dentists)
		add_visits(rows, child, "recall", practitioner, dept, refs["company"], now, today, rng)
		relations.append(
			(
				new_name("REL"),
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				child,
				"patient_relation",
				"Patient",
				1,
			)
			+ ("Mother", names[mother])
		)
	rows.write()
	frappe.db.bulk_insert("Patient Relation", RELATION_FIELDS, relations)
	from winback_app.contacts.phones import sync_stale

	sync_stale()
	return names


def add_patient(rows: Rows, i: int, name: str, gender: str, now: datetime, rng: random.Random) -> str:
	"""One patient row (fictional name, 555-01xx mobile, example.com email); returns the patient's profile."""
	first, last = rng.choice(FIRST), rng.choice(LAST)
	profile = rng.choice(PROFILES)
	created = now - timedelta(days=rng.randint(10, 60) if profile == "new" else rng.randint(400, 1500))
	rows.patients.append(
		(
			name,
			created,  # the patient joined the practice long ago; the row is written now
			now,
			"Administrator",
			"Administrator",
			0,
			first,
			last,
			f"{first} {last}",
			gender,
			"Active",
			f"({AREAS[i // 100 % len(AREAS)]}) 555-01{i % 100:02d}",
			f"{first.lower()}.{last.lower()}.{i}@example.com",
			date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28)),
			MARKER,
			"Unknown",
			0,
			SPANISH if i % SPANISH_EVERY == SPANISH_EVERY // 2 else None,
		)
	)
	return profile


def add_visits(
	rows: Rows,
	patient: str,
	profile: str,
	practitioner: str,
	dept: str,
	company: str,
	now: datetime,
	today: date,
	rng: random.Random,
) -> None:
	"""The patient's past visits: the latest within the profile's range, one to four older ones. Each is a
	closed appointment; most have an encounter, a med spa patient's latest is a completed procedure."""
	recent = LAST_VISIT_AGO[profile]
	visits = sorted(
		{rng.randint(*recent)} | {rng.randint(recent[1], recent[1] + 700) for _ in range(rng.randint(1, 4))}
	)
	for ago in visits:
		day = today - timedelta(days=ago)
		appt = new_name("APPT")
		kind = TOX if profile == "medspa" else rng.choice((HYGIENE, EXAM))
		at = datetime.combine(day, time(rng.choice((9, 10, 11, 14, 15)), 0))
		rows.appointments.append(
			appointment(appt, now, patient, practitioner, dept, kind, at, "Closed", company)
		)
		if profile == "medspa" and ago == visits[0]:
			rows.procedures.append(procedure(patient, practitioner, dept, day, company, now))
		elif rng.random() < 0.7:
			rows.encounters.append(encounter(patient, practitioner, dept, day, company, appt, now))


def new_name(kind: str) -> str:
	return f"DEMO-{kind}-{frappe.generate_hash(length=10)}"


def standard(name: str, now: datetime, docstatus: int = 0) -> tuple:
	"""The STANDARD_COLUMNS of a row the demo writes: made and last changed now, by Administrator."""
	return (name, now, now, "Administrator", "Administrator", docstatus)


def appointment(name, now, patient, practitioner, dept, kind, when: datetime, status, company) -> tuple:
	return (
		*standard(name, now),
		patient,
		practitioner,
		dept,
		kind,
		"Practitioner",
		when.date(),
		when.time(),
		when,
		30,
		status,
		company,
	)


def encounter(patient, practitioner, dept, day: date, company, appointment_name, now) -> tuple:
	"""A submitted, completed encounter for this appointment."""
	return (
		*standard(new_name("ENC"), now, 1),
		patient,
		practitioner,
		dept,
		day,
		"10:00:00",
		company,
		"Completed",
		appointment_name,
	)


def procedure(patient, practitioner, dept, day: date, company, now) -> tuple:
	"""A submitted, completed neurotoxin procedure."""
	return (*standard(new_name("PROC"), now, 1), "Completed", patient, TOX, practitioner, dept, day, company)


def service_request(patient, practitioner, ordered: date, company, now) -> tuple:
	"""An accepted (active) Service Request for a neurotoxin procedure: treatment planned, never done."""
	return (
		*standard(new_name("SR"), now, 1),
		patient,
		"active-Request Status",
		ordered,
		"10:00:00",
		company,
		practitioner,
		"Clinical Procedure Template",
		TOX,
	)
