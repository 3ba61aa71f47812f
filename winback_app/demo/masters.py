"""The demo clinic's masters: departments, appointment types, a procedure template, a weekday schedule, three
practitioners, the practice's settings and the campaigns it enables; and taking them away again where nothing
else uses them. Fictional names only.
"""

from __future__ import annotations

import frappe

HYGIENE, EXAM, TOX = "Demo Hygiene Visit", "Demo Exam", "Demo Neurotoxin"
DEPARTMENTS = ("Demo Dentistry", "Demo Med Spa")
SCHEDULE = "Demo Weekdays"
PRACTITIONERS = (
	("Demo Dr. Rivera", "Demo Dentistry"),
	("Demo Dr. Okafor", "Demo Dentistry"),
	("Demo Nurse Tanaka", "Demo Med Spa"),
)
SPA_PRACTITIONER = "Demo Nurse Tanaka"
DEMO_CAMPAIGNS = (
	"Missed Appointment Rescue",
	"Unfinished Treatment",
	"New Patient Never Booked",
	"6-Month Hygiene Recall",
	"Win-Back 9-18 Months",
	"Dormant 18+ Months",
	"Med Spa Maintenance - Neurotoxin",
)


def default_company() -> str | None:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


def clinic() -> dict:
	"""Create what is missing; returns {"company", "practitioners": {first name: (name, department)}}."""
	company = default_company()
	for dept in DEPARTMENTS:
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
	if not frappe.db.exists("Practitioner Schedule", SCHEDULE):
		frappe.get_doc(
			{
				"doctype": "Practitioner Schedule",
				"schedule_name": SCHEDULE,
				"time_slots": [
					{"day": d, "from_time": a, "to_time": b}
					for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
					for a, b in (("09:00:00", "12:00:00"), ("14:00:00", "17:00:00"))
				],
			}
		).insert(ignore_permissions=True)
	practitioners = {first: (practitioner(first, dept), dept) for first, dept in PRACTITIONERS}
	settings = frappe.get_single("Win-Back Settings")
	# A child of the demo is reached through their mother (Win-Back Settings > Reach minors through a parent).
	settings.update(
		{"sending_mode": "Outbox", "booking_appointment_type": EXAM, "reach_minors_through_guardian": 1}
	)
	if not settings.practice_name:
		settings.practice_name = company
	if not settings.practice_phone:
		settings.practice_phone = "(303) 555-0100"
	if not settings.sms_consent_policy:
		# A clinic chooses this at first configuration; the demo's fictional patients mostly have consent
		# Unknown, and nothing leaves the site in Outbox mode.
		settings.sms_consent_policy = "Everyone not opted out"
	settings.save(ignore_permissions=True)
	return {"company": company, "practitioners": practitioners}


def practitioner(first: str, dept: str) -> str:
	name = frappe.db.get_value("Healthcare Practitioner", {"first_name": first})
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Healthcare Practitioner",
				"first_name": first,
				"status": "Active",
				"department": dept,
				"practitioner_schedules": [{"schedule": SCHEDULE}],
			}
		)
		.insert(ignore_permissions=True)
		.name
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


def undo_clinic_setup() -> None:
	"""Switch the demo's campaigns and weekend sending off again, and remove its practitioners and masters
	where nothing else uses them (a clinic that started adding its own records keeps what they link to)."""
	for name in DEMO_CAMPAIGNS:
		if frappe.db.get_value("Campaign Segment", name, "enabled"):
			frappe.db.set_value("Campaign Segment", name, "enabled", 0)
	settings = frappe.get_single("Win-Back Settings")
	settings.update({"send_on_saturday": 0, "send_on_sunday": 0, "reach_minors_through_guardian": 0})
	if settings.booking_appointment_type == EXAM:
		settings.booking_appointment_type = None
	settings.save(ignore_permissions=True)
	masters = [
		("Healthcare Practitioner", p)
		for p in frappe.get_all("Healthcare Practitioner", {"first_name": ("like", "Demo %")}, pluck="name")
	]
	masters += [
		("Practitioner Schedule", SCHEDULE),
		("Clinical Procedure Template", TOX),
		("Item", TOX),
	]
	masters += [("Appointment Type", t) for t in (HYGIENE, EXAM, TOX)] + [
		("Medical Department", d) for d in DEPARTMENTS
	]
	for doctype, name in masters:
		if frappe.db.exists(doctype, name):
			try:
				frappe.delete_doc(doctype, name, ignore_permissions=True, force=False)
			except (frappe.LinkExistsError, frappe.ValidationError):
				frappe.clear_last_message()
