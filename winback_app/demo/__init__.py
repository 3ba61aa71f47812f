"""A small demo clinic for newcomers: `bench --site SITE winback-demo` (see README quickstart).

seed() makes practitioners with schedules (masters.py), a few hundred fictional patients with varied histories
(patients.py), enables the default campaigns, runs detection, plays a little history and one Outbox sending
cycle (history.py). It refuses to run on a site that has patients of its own unless forced; remove() takes every
demo record away again.

masters.py   departments, appointment types, schedule, practitioners, settings, campaigns; and undoing them
patients.py  the fictional patients and their visits, written in bulk
history.py   bookings, visits, texts back, a sending cycle and a rescue booked by text, through the app's own code
"""

from __future__ import annotations

import random
from collections.abc import Callable

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, IfNull

from winback_app.demo.history import history, rescue_by_text, sending_cycle
from winback_app.demo.masters import clinic, enable_campaigns, undo_clinic_setup
from winback_app.demo.patients import MARKER, make_patients

SEED = 20261121  # the same demo every time


class RealPatientsError(frappe.ValidationError):
	pass


def seed(
	patients: int = 300, force: bool = False, progress: Callable[[int, str], None] | None = None
) -> dict:
	say = progress or (lambda pct, text: None)
	refuse_real_site(force)
	rng = random.Random(SEED)
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
	say(92, "A missed appointment rescued by text (A, then YES)")
	rescued = rescue_by_text(names)
	frappe.db.commit()
	say(100, "Done")
	return {
		"patients": len(names),
		"lapses": detected.get("created", 0),
		"messages": sent,
		"rescued_by_text": rescued,
	}


def refuse_real_site(force: bool) -> None:
	"""The demo goes on a fresh site, once (force overrides both)."""
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
	conversations = frappe.get_all("Win-Back Conversation", {"patient": ("in", names)}, pluck="name")
	events = frappe.get_all(
		"Event Participants",
		{"reference_doctype": "Patient", "reference_docname": ("in", names)},
		pluck="parent",
	)
	for doctype, field, values in (
		("Win-Back Offered Time", "parent", conversations),
		("Win-Back Conversation", "name", conversations),
		("Event Participants", "parent", events),
		("Event", "name", events),
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
		("Patient Relation", "parent", names),
		("Patient", "name", names),
	):
		if values:
			frappe.db.delete(doctype, {field: ("in", values)})
	undo_clinic_setup()
	frappe.db.commit()
	return {"patients": len(names), "lapses": len(lapses)}
