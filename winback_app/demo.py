"""A small demo clinic for newcomers: `bench --site SITE winback-demo` (see README quickstart).

Seeds practitioners with schedules, a few hundred patients with varied histories (fictional names, (NXX)
555-01xx numbers, example.com emails), a few accepted Service Requests, enables the default campaigns, runs
detection and one sending cycle in Outbox mode, and plays a little history (bookings, visits, replies) so the
workspace, the lists and the report have something real to show. It refuses to run on a site that has
patients of its own unless forced, and `--remove` takes every demo record away again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, IfNull
from frappe.utils import getdate, now_datetime

from winback_app.engine.window import daytime_zone
from winback_app.naming import STANDARD_COLUMNS

MARKER = "Win-Back demo patient"
PREFIX = "Demo "
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
HYGIENE, EXAM, TOX = "Demo Hygiene Visit", "Demo Exam", "Demo Neurotoxin"
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


class RealPatientsError(frappe.ValidationError):
	pass


def seed(
	patients: int = 300, force: bool = False, progress: Callable[[int, str], None] | None = None
) -> dict:
	say = progress or (lambda pct, text: None)
	if frappe.db.exists("Patient", {"patient_details": MARKER}) and not force:
		frappe.throw(
			"The demo clinic is already on this site. Remove it first: bench --site SITE winback-demo --remove",
			RealPatientsError,
		)
	Patient = DocType("Patient")
	real = (
		frappe.qb.from_(Patient)
		.select(Count(Patient.name))
		.where(IfNull(Patient.patient_details, "") != MARKER)
		.run()[0][0]
	)
	if real and not force:
		frappe.throw(
			f"This site already has {real} patients of its own. The demo adds fictional patients and enables campaigns; "
			"run it on a fresh site, or pass --force if you really mean it.",
			RealPatientsError,
		)
	rng = random.Random(20261121)
	say(5, "Practitioners, schedules and appointment types")
	refs = clinic()
	say(20, f"{patients} patients with their histories")
	names = make_patients(patients, refs, rng)
	frappe.db.commit()  # the demo is long: keep each stage
	say(45, "Campaigns")
	enable_campaigns()
	from winback_app.tasks import detect_lapses

	say(55, "Detecting lapsed patients")
	detected = detect_lapses()
	frappe.db.commit()
	say(70, "Playing a little history: bookings, visits, replies")
	history(names, rng)
	frappe.db.commit()
	say(85, "One sending cycle (Outbox: nothing leaves the site)")
	sent = sending_cycle(names)
	frappe.db.commit()
	say(100, "Done")
	return {"patients": len(names), "lapses": detected.get("created", 0), "messages": sent}


def clinic() -> dict:
	company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	for dept in ("Demo Dentistry", "Demo Med Spa"):
		if not frappe.db.exists("Medical Department", dept):
			frappe.get_doc({"doctype": "Medical Department", "department": dept}).insert(
				ignore_permissions=True
			)
	for kind, minutes in ((HYGIENE, 45), (EXAM, 30), (TOX, 30)):
		if not frappe.db.exists("Appointment Type", kind):
			frappe.get_doc(
				{
					"doctype": "Appointment Type",
					"appointment_type": kind,
					"allow_booking_for": "Practitioner",
					"default_duration": minutes,
				}
			).insert(ignore_permissions=True)
	if not frappe.db.exists("Clinical Procedure Template", TOX):
		group = frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups"
		frappe.get_doc(
			{
				"doctype": "Clinical Procedure Template",
				"template": TOX,
				"item_code": TOX,
				"item_group": group,
				"description": "Demo neurotoxin treatment",
				"is_billable": 0,
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Practitioner Schedule", "Demo Weekdays"):
		frappe.get_doc(
			{
				"doctype": "Practitioner Schedule",
				"schedule_name": "Demo Weekdays",
				"time_slots": [
					{"day": d, "from_time": a, "to_time": b}
					for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
					for a, b in (("09:00:00", "12:00:00"), ("14:00:00", "17:00:00"))
				],
			}
		).insert(ignore_permissions=True)
	practitioners = {}
	for first, dept in (
		("Demo Dr. Rivera", "Demo Dentistry"),
		("Demo Dr. Okafor", "Demo Dentistry"),
		("Demo Nurse Tanaka", "Demo Med Spa"),
	):
		name = frappe.db.get_value("Healthcare Practitioner", {"first_name": first})
		if not name:
			doc = frappe.get_doc(
				{
					"doctype": "Healthcare Practitioner",
					"first_name": first,
					"status": "Active",
					"department": dept,
					"practitioner_schedules": [{"schedule": "Demo Weekdays"}],
				}
			).insert(ignore_permissions=True)
			name = doc.name
		practitioners[first] = (name, dept)
	settings = frappe.get_single("Win-Back Settings")
	settings.update({"sending_mode": "Outbox", "booking_appointment_type": EXAM})
	if not settings.practice_name:
		settings.practice_name = company
	if not settings.practice_phone:
		settings.practice_phone = "(303) 555-0100"
	settings.save(ignore_permissions=True)
	return {"company": company, "practitioners": practitioners}


def make_patients(n: int, refs: dict, rng: random.Random) -> list[str]:
	now = now_datetime()
	today = getdate()
	gender = frappe.db.get_value("Gender", {}, "name")
	dentists = [v for k, v in refs["practitioners"].items() if "Dr." in k]
	spa = refs["practitioners"]["Demo Nurse Tanaka"]
	patient_rows, appointment_rows, encounter_rows, procedure_rows, request_rows, names = (
		[],
		[],
		[],
		[],
		[],
		[],
	)
	profiles = (
		["recall"] * 30
		+ ["winback"] * 25
		+ ["dormant"] * 15
		+ ["recent"] * 15
		+ ["future"] * 5
		+ ["new"] * 4
		+ ["treatment"] * 3
		+ ["medspa"] * 3
	)
	for i in range(n):
		name = f"DEMO-{i:05d}-{frappe.generate_hash(length=4)}"
		first, last = rng.choice(FIRST), rng.choice(LAST)
		profile = rng.choice(profiles)
		created = now - timedelta(days=rng.randint(10, 60) if profile == "new" else rng.randint(400, 1500))
		mobile = f"({AREAS[i // 100 % len(AREAS)]}) 555-01{i % 100:02d}"
		names.append(name)
		patient_rows.append(
			(
				name,
				created,
				now,
				"Administrator",
				"Administrator",
				0,
				first,
				last,
				f"{first} {last}",
				gender,
				"Active",
				mobile,
				f"{first.lower()}.{last.lower()}.{i}@example.com",
				date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28)),
				MARKER,
				"Unknown",
				0,
			)
		)
		if profile == "new":
			continue
		last_visit_ago = {
			"recall": (185, 265),
			"winback": (275, 530),
			"dormant": (545, 1400),
			"recent": (5, 120),
			"future": (30, 200),
			"treatment": (40, 120),
			"medspa": (75, 95),
		}[profile]
		practitioner, dept = spa if profile == "medspa" else rng.choice(dentists)
		visits = sorted(
			{rng.randint(*last_visit_ago)}
			| {rng.randint(last_visit_ago[1], last_visit_ago[1] + 700) for _ in range(rng.randint(1, 4))}
		)
		for ago in visits:
			day = today - timedelta(days=ago)
			appt = f"DEMO-APPT-{frappe.generate_hash(length=10)}"
			kind = TOX if profile == "medspa" else rng.choice((HYGIENE, EXAM))
			appointment_rows.append(
				_appointment(
					appt,
					now,
					name,
					practitioner,
					dept,
					kind,
					datetime.combine(day, time(rng.choice((9, 10, 11, 14, 15)), 0)),
					"Closed",
					refs["company"],
				)
			)
			if profile == "medspa" and ago == visits[0]:
				procedure_rows.append(
					(
						f"DEMO-PROC-{frappe.generate_hash(length=10)}",
						now,
						now,
						"Administrator",
						"Administrator",
						1,
						"Completed",
						name,
						TOX,
						practitioner,
						dept,
						day,
						refs["company"],
					)
				)
			elif rng.random() < 0.7:
				encounter_rows.append(
					(
						f"DEMO-ENC-{frappe.generate_hash(length=10)}",
						now,
						now,
						"Administrator",
						"Administrator",
						1,
						name,
						practitioner,
						dept,
						day,
						"10:00:00",
						refs["company"],
						"Completed",
						appt,
					)
				)
		if profile == "future":
			when = datetime.combine(today + timedelta(days=rng.randint(3, 40)), time(10, 0))
			appointment_rows.append(
				_appointment(
					f"DEMO-APPT-{frappe.generate_hash(length=10)}",
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
			request_rows.append(
				(
					f"DEMO-SR-{frappe.generate_hash(length=10)}",
					now,
					now,
					"Administrator",
					"Administrator",
					1,
					name,
					"active-Request Status",
					today - timedelta(days=rng.randint(35, 90)),
					"10:00:00",
					refs["company"],
					practitioner,
					"Clinical Procedure Template",
					TOX,
				)
			)
	frappe.db.bulk_insert(
		"Patient",
		[
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
		],
		patient_rows,
	)
	frappe.db.bulk_insert(
		"Patient Appointment",
		APPOINTMENT_FIELDS,
		appointment_rows,
	)
	frappe.db.bulk_insert(
		"Patient Encounter",
		ENCOUNTER_FIELDS,
		encounter_rows,
	)
	frappe.db.bulk_insert(
		"Clinical Procedure",
		[
			*STANDARD_COLUMNS,
			"status",
			"patient",
			"procedure_template",
			"practitioner",
			"medical_department",
			"start_date",
			"company",
		],
		procedure_rows,
	)
	frappe.db.bulk_insert(
		"Service Request",
		[
			*STANDARD_COLUMNS,
			"patient",
			"status",
			"order_date",
			"order_time",
			"company",
			"practitioner",
			"template_dt",
			"template_dn",
		],
		request_rows,
	)
	from winback_app.phones import sync_stale

	sync_stale()
	return names


def _appointment(name, now, patient, practitioner, dept, kind, when: datetime, status, company):
	return (
		name,
		now,
		now,
		"Administrator",
		"Administrator",
		0,
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


DEMO_CAMPAIGNS = (
	"Missed Appointment Rescue",
	"Unfinished Treatment",
	"New Patient Never Booked",
	"6-Month Hygiene Recall",
	"Win-Back 9-18 Months",
	"Dormant 18+ Months",
	"Med Spa Maintenance - Neurotoxin",
)


def enable_campaigns() -> None:
	for name in DEMO_CAMPAIGNS:
		if not frappe.db.exists("Campaign Segment", name):
			continue
		doc = frappe.get_doc("Campaign Segment", name)
		if name.startswith("Med Spa") and not doc.filters:
			doc.append("filters", {"filter_doctype": "Clinical Procedure Template", "value": TOX})
		doc.enabled = 1
		doc.save(ignore_permissions=True)


def history(names: list[str], rng: random.Random) -> None:
	"""Some lapses opened three weeks ago: a share booked and came back (more than in the holdout), a few replied."""
	Lapse = DocType("Patient Lapse")
	lapses = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name, Lapse.patient, Lapse.holdout, Lapse.practitioner, Lapse.department)
		.where(Lapse.patient.isin(names))
		.run(as_dict=True)
	)
	now = now_datetime()
	opened = now - timedelta(days=21)
	company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	appointments, encounters = [], []
	for lapse in lapses:
		if rng.random() > 0.45:
			continue
		frappe.qb.update(Lapse).set(Lapse.detected_on, opened).where(Lapse.name == lapse.name).run()
		if rng.random() < (0.12 if lapse.holdout else 0.35):
			booked = opened + timedelta(days=rng.randint(1, 6))
			visit = min(booked + timedelta(days=rng.randint(2, 10)), now - timedelta(hours=2))
			appt = f"DEMO-APPT-{frappe.generate_hash(length=10)}"
			row = _appointment(
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
			appointments.append(
				(appt, booked, booked, *row[3:])
			)  # booked during the lapse, for the visit after
			encounters.append(
				(
					f"DEMO-ENC-{frappe.generate_hash(length=10)}",
					now,
					now,
					"Administrator",
					"Administrator",
					1,
					lapse.patient,
					lapse.practitioner,
					lapse.department,
					visit.date(),
					"10:00:00",
					company,
					"Completed",
					appt,
				)
			)
	if appointments:
		frappe.db.bulk_insert(
			"Patient Appointment",
			APPOINTMENT_FIELDS,
			appointments,
		)
		frappe.db.bulk_insert(
			"Patient Encounter",
			ENCOUNTER_FIELDS,
			encounters,
		)
	from winback_app.lapses.outcomes import poll_outcomes

	poll_outcomes()
	# A few patients text back: real inbound handling, the same code the Twilio webhook runs.
	from winback_app.replies.handler import handle_inbound

	open_lapses = (
		frappe.qb.from_(Lapse)
		.select(Lapse.patient)
		.where(Lapse.patient.isin(names))
		.where(Lapse.status == "In Cadence")
		.limit(6)
		.run(pluck=True)
	)
	phones = dict(
		frappe.get_all(
			"Win-Back Patient Phone",
			{"patient": ("in", open_lapses or [""]), "source": "Mobile"},
			["patient", "phone"],
			as_list=True,
		)
	)
	for body, patient in zip(
		(
			"Do you take Delta Dental?",
			"Can I bring my son too?",
			"maybe later",
			"Yes please!",
			"I moved to Denver",
			"How much is a cleaning?",
		),
		open_lapses,
		strict=False,
	):
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
	Patient, Lapse, Attempt = (
		DocType("Patient"),
		DocType("Patient Lapse"),
		DocType("Win-Back Contact Attempt"),
	)
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
		.where(Lapse.status == "In Cadence")
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
	from winback_app.dispatch.run import dispatch

	result = dispatch(chunk=200, time_budget=120)
	return int(result.get("Sent", 0))


def remove() -> dict:
	"""Take every demo record away: patients and everything the demo or the campaigns made for them."""
	names = frappe.get_all("Patient", {"patient_details": MARKER}, pluck="name")
	if not names:
		return {"patients": 0}
	Lapse = DocType("Patient Lapse")
	lapses = frappe.qb.from_(Lapse).select(Lapse.name).where(Lapse.patient.isin(names)).run(pluck=True)
	phones = frappe.get_all("Win-Back Patient Phone", {"patient": ("in", names)}, pluck="phone")
	replies = frappe.get_all("Win-Back SMS Reply", {"patient": ("in", names)}, pluck="name")
	replies += frappe.get_all("Win-Back SMS Reply", {"from_number": ("in", phones or [""])}, pluck="name")
	comms = frappe.get_all(
		"Communication",
		{"reference_doctype": "Patient Lapse", "reference_name": ("in", lapses or [""])},
		pluck="name",
	)
	comms += frappe.get_all(
		"Communication Link", {"link_doctype": "Patient", "link_name": ("in", names)}, pluck="parent"
	)
	comms += frappe.get_all("Communication", {"phone_no": ("in", phones or [""])}, pluck="name")
	todos = frappe.get_all(
		"ToDo",
		{
			"reference_type": ("in", ("Patient Lapse", "Win-Back SMS Reply")),
			"reference_name": ("in", (lapses + replies) or [""]),
		},
		pluck="name",
	)
	for doctype, field, values in (
		("Win-Back Contact Attempt", "lapse", lapses),
		("Win-Back SMS Reply", "name", replies),
		("ToDo", "name", todos),
		("Communication Link", "parent", comms),
		("Communication", "name", comms),
		("Patient Lapse", "name", lapses),
		("Win-Back SMS Opt-Out", "phone", phones),
		("Win-Back Patient Phone", "patient", names),
		("Patient Encounter", "patient", names),
		("Clinical Procedure", "patient", names),
		("Service Request", "patient", names),
		("Patient Appointment", "patient", names),
		("Patient", "name", names),
	):
		if values:
			frappe.db.delete(doctype, {field: ("in", values)})
	undo_clinic_setup()
	frappe.db.commit()
	return {"patients": len(names), "lapses": len(lapses)}


def undo_clinic_setup() -> None:
	"""Switch the demo's campaigns and weekend sending off again, and remove its practitioners and masters
	where nothing else uses them (a clinic that started adding its own records keeps what they link to)."""
	for name in DEMO_CAMPAIGNS:
		if frappe.db.get_value("Campaign Segment", name, "enabled"):
			frappe.db.set_value("Campaign Segment", name, "enabled", 0)
	settings = frappe.get_single("Win-Back Settings")
	settings.update({"send_on_saturday": 0, "send_on_sunday": 0})
	if settings.booking_appointment_type == EXAM:
		settings.booking_appointment_type = None
	settings.save(ignore_permissions=True)
	masters = [
		("Healthcare Practitioner", p)
		for p in frappe.get_all("Healthcare Practitioner", {"first_name": ("like", "Demo %")}, pluck="name")
	]
	masters += [
		("Practitioner Schedule", "Demo Weekdays"),
		("Clinical Procedure Template", TOX),
		("Item", TOX),
	]
	masters += [("Appointment Type", t) for t in (HYGIENE, EXAM, TOX)] + [
		("Medical Department", d) for d in ("Demo Dentistry", "Demo Med Spa")
	]
	for doctype, name in masters:
		if frappe.db.exists(doctype, name):
			try:
				frappe.delete_doc(doctype, name, ignore_permissions=True, force=False)
			except (frappe.LinkExistsError, frappe.ValidationError):
				frappe.clear_last_message()
