"""Test records for the integration tier, in one place. Generated names, fictional 555-01xx numbers only.

Reference records (department, practitioner, appointment type, procedure template) are created once and
committed, like frappe's own test records; everything per-test is rolled back by WinBackTestCase. History
(past visits, orders) is written with bulk inserts, as a clinic's years of records would already exist;
anything whose host hooks matter to a test (a new appointment, a submitted encounter) goes through the
host's own documents.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, time

import frappe
from frappe.utils import add_days, getdate, now_datetime

DEPARTMENT = "_Test WB Dentistry"
ROOM_DEPARTMENT = "_Test WB Hygiene Room"
PRACTITIONER_NAME = "_Test WB Rivera"
APPOINTMENT_TYPE = "_Test WB Hygiene"
OTHER_TYPE = "_Test WB Consult"
PROCEDURE = "_Test WB Neurotoxin"
_numbers = itertools.count(0)
_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn")
_LAST = ("Rivera", "Nguyen", "Okafor", "Schmidt", "Tanaka", "Haddad", "Kowalski", "Moreau", "Silva", "Novak")


def company() -> str:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


_refs: dict = {}


def reference_records() -> dict:
	"""Department, practitioner, appointment types and a procedure template, created once and committed.

	Call it only at the start of a test (setUp), when the transaction holds nothing of the test's own.
	"""
	if _refs:
		return _refs
	if not frappe.db.exists("Medical Department", DEPARTMENT):
		frappe.get_doc({"doctype": "Medical Department", "department": DEPARTMENT}).insert(
			ignore_permissions=True
		)
	for name in (APPOINTMENT_TYPE, OTHER_TYPE):
		if not frappe.db.exists("Appointment Type", name):
			frappe.get_doc(
				{
					"doctype": "Appointment Type",
					"appointment_type": name,
					"allow_booking_for": "Practitioner",
					"default_duration": 30,
				}
			).insert(ignore_permissions=True)
	practitioner = frappe.db.get_value("Healthcare Practitioner", {"first_name": PRACTITIONER_NAME})
	if not practitioner:
		practitioner = (
			frappe.get_doc(
				{
					"doctype": "Healthcare Practitioner",
					"first_name": PRACTITIONER_NAME,
					"status": "Active",
					"department": DEPARTMENT,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	if not frappe.db.exists("Clinical Procedure Template", PROCEDURE):
		item_group = frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups"
		frappe.get_doc(
			{
				"doctype": "Clinical Procedure Template",
				"template": PROCEDURE,
				"item_code": PROCEDURE,
				"item_group": item_group,
				"description": "Test procedure",
				"is_billable": 0,
			}
		).insert(ignore_permissions=True)
	chair, room = service_units()
	schedule_practitioner(practitioner, "_Test WB Weekdays", chair)
	if not frappe.db.exists("Medical Department", ROOM_DEPARTMENT):
		frappe.get_doc({"doctype": "Medical Department", "department": ROOM_DEPARTMENT}).insert(
			ignore_permissions=True
		)
	room_practitioner = frappe.db.get_value("Healthcare Practitioner", {"first_name": "_Test WB Okafor"})
	if not room_practitioner:
		room_practitioner = (
			frappe.get_doc(
				{
					"doctype": "Healthcare Practitioner",
					"first_name": "_Test WB Okafor",
					"status": "Active",
					"department": ROOM_DEPARTMENT,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	schedule_practitioner(room_practitioner, "_Test WB Room Days", room)
	frappe.db.commit()  # reference records outlive one test, like frappe's test records
	_refs.update(
		practitioner=practitioner,
		department=DEPARTMENT,
		chair=chair,
		room=room,
		room_practitioner=room_practitioner,
	)
	return _refs


def service_units() -> tuple[str, str]:
	"""A dental chair (one patient at a time) and a shared hygiene room (two at a time)."""
	root = frappe.db.get_value(
		"Healthcare Service Unit", {"is_group": 1, "company": company()}, "name"
	) or frappe.db.get_value("Healthcare Service Unit", {"is_group": 1}, "name")
	names = []
	for unit_type, overlap, unit, capacity in (
		("_Test WB Chair", 0, "_Test WB Chair 1", 0),
		("_Test WB Shared Room", 1, "_Test WB Room", 2),
	):
		if not frappe.db.exists("Healthcare Service Unit Type", unit_type):
			frappe.get_doc(
				{
					"doctype": "Healthcare Service Unit Type",
					"service_unit_type": unit_type,
					"allow_appointments": 1,
					"overlap_appointments": overlap,
				}
			).insert(ignore_permissions=True)
		name = frappe.db.get_value("Healthcare Service Unit", {"healthcare_service_unit_name": unit})
		if not name:
			name = (
				frappe.get_doc(
					{
						"doctype": "Healthcare Service Unit",
						"healthcare_service_unit_name": unit,
						"parent_healthcare_service_unit": root,
						"service_unit_type": unit_type,
						"service_unit_capacity": capacity,
						"company": company(),
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		names.append(name)
	return names[0], names[1]


def schedule_practitioner(practitioner: str, schedule: str, unit: str) -> None:
	"""Every day 09:00-12:00 and 14:00-17:00 as two long rows (stepped by the appointment length)."""
	if not frappe.db.exists("Practitioner Schedule", schedule):
		frappe.get_doc(
			{
				"doctype": "Practitioner Schedule",
				"schedule_name": schedule,
				"time_slots": [
					{"day": day, "from_time": start, "to_time": end}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
					for start, end in (("09:00:00", "12:00:00"), ("14:00:00", "17:00:00"))
				],
			}
		).insert(ignore_permissions=True)
	doc = frappe.get_doc("Healthcare Practitioner", practitioner)
	if not any(row.schedule == schedule for row in doc.practitioner_schedules):
		doc.append("practitioner_schedules", {"schedule": schedule, "service_unit": unit})
		doc.save(ignore_permissions=True)


# Area codes for per-test patients; the bulk patients of test_dispatch use others, so numbers never collide.
_AREAS = (
	"201",
	"205",
	"206",
	"207",
	"208",
	"209",
	"214",
	"216",
	"217",
	"218",
	"219",
	"224",
	"225",
	"228",
	"229",
	"231",
	"234",
	"239",
	"240",
	"248",
	"251",
	"252",
	"253",
	"254",
	"256",
	"260",
	"262",
	"267",
	"269",
	"270",
)


def mobile() -> str:
	"""A fictional number of the form (NXX) 555-01xx that no patient on the site has yet: committed shared
	records (the dispatcher's bulk patients use every 555-01xx of some area codes) would otherwise make it a
	family number by chance, and a "yes" from a shared number rightly goes to a person."""
	taken = set(frappe.get_all("Win-Back Patient Phone", pluck="phone"))
	for _ in range(500):
		area, line = random.choice(_AREAS), random.randrange(100)
		if f"+1{area}55501{line:02d}" not in taken:
			return f"({area}) 555-01{line:02d}"
	return f"({random.choice(_AREAS)}) 555-01{random.randrange(100):02d}"


def patient(**fields) -> str:
	first = fields.pop("first_name", None) or _FIRST[next(_numbers) % len(_FIRST)]
	doc = frappe.get_doc(
		{
			"doctype": "Patient",
			"first_name": first,
			"last_name": fields.pop("last_name", None) or _LAST[next(_numbers) % len(_LAST)],
			"sex": fields.pop("sex", None) or frappe.db.get_value("Gender", {}, "name"),
			"mobile": fields.pop("mobile", mobile()),
			"email": fields.pop("email", f"wb-{frappe.generate_hash(length=8)}@example.com"),
			"invite_user": 0,
			"dob": fields.pop("dob", date(1980, 5, 17)),
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def _row_common(doctype: str) -> dict:
	now = now_datetime()
	return {
		"name": f"_T-{frappe.generate_hash(length=10)}",
		"creation": now,
		"modified": now,
		"owner": "Administrator",
		"modified_by": "Administrator",
	}


def _insert(doctype: str, row: dict) -> str:
	frappe.db.bulk_insert(doctype, list(row), [tuple(row.values())])
	return row["name"]


def past_appointment(
	patient: str,
	days_ago: int,
	status: str = "Closed",
	appointment_type: str = APPOINTMENT_TYPE,
	procedure_template=None,
	at: datetime | None = None,
) -> str:
	refs = reference_records()
	when = at or datetime.combine(add_days(getdate(), -days_ago), time(10, 0))
	return _insert(
		"Patient Appointment",
		{
			**_row_common("Patient Appointment"),
			"docstatus": 0,
			"patient": patient,
			"appointment_type": appointment_type,
			"appointment_for": "Practitioner",
			"practitioner": refs["practitioner"],
			"department": refs["department"],
			"appointment_date": when.date(),
			"appointment_time": when.time(),
			"appointment_datetime": when,
			"duration": 30,
			"status": status,
			"company": company(),
			"procedure_template": procedure_template,
		},
	)


def future_appointment(patient: str, days_ahead: int = 10) -> str:
	when = datetime.combine(add_days(getdate(), days_ahead), time(10, 0))
	return past_appointment(patient, 0, status="Scheduled", at=when)


def past_encounter(patient: str, days_ago: int, docstatus: int = 1) -> str:
	refs = reference_records()
	return _insert(
		"Patient Encounter",
		{
			**_row_common("Patient Encounter"),
			"docstatus": docstatus,
			"patient": patient,
			"practitioner": refs["practitioner"],
			"medical_department": refs["department"],
			"encounter_date": add_days(getdate(), -days_ago),
			"encounter_time": "10:00:00",
			"company": company(),
			"status": "Completed",
		},
	)


def past_procedure(patient: str, days_ago: int, template: str = PROCEDURE) -> str:
	refs = reference_records()
	return _insert(
		"Clinical Procedure",
		{
			**_row_common("Clinical Procedure"),
			"docstatus": 1,
			"status": "Completed",
			"patient": patient,
			"procedure_template": template,
			"practitioner": refs["practitioner"],
			"medical_department": refs["department"],
			"start_date": add_days(getdate(), -days_ago),
			"company": company(),
		},
	)


def service_request(
	patient: str, days_ago: int, status: str = "active-Request Status", docstatus: int = 1
) -> str:
	refs = reference_records()
	return _insert(
		"Service Request",
		{
			**_row_common("Service Request"),
			"docstatus": docstatus,
			"patient": patient,
			"status": status,
			"order_date": add_days(getdate(), -days_ago),
			"order_time": "10:00:00",
			"company": company(),
			"practitioner": refs["practitioner"],
			"template_dt": "Clinical Procedure Template",
			"template_dn": PROCEDURE,
		},
	)


def therapy_plan(patient: str, days_ago: int, status: str = "In Progress") -> str:
	return _insert(
		"Therapy Plan",
		{
			**_row_common("Therapy Plan"),
			"docstatus": 0,
			"patient": patient,
			"status": status,
			"start_date": add_days(getdate(), -days_ago),
			"company": company(),
		},
	)


def cancelled_membership(patient: str, days_ago: int) -> str:
	customer = frappe.db.get_value("Patient", patient, "customer")
	if not customer:
		customer = (
			frappe.get_doc(
				{"doctype": "Customer", "customer_name": f"_T WB {patient}", "customer_type": "Individual"}
			)
			.insert(ignore_permissions=True)
			.name
		)
		frappe.db.set_value("Patient", patient, "customer", customer)
	return _insert(
		"Subscription",
		{
			**_row_common("Subscription"),
			"docstatus": 0,
			"party_type": "Customer",
			"party": customer,
			"status": "Cancelled",
			"start_date": add_days(getdate(), -400),
			"cancelation_date": add_days(getdate(), -days_ago),
			"company": company(),
		},
	)


def segment(
	name: str, rule_kind: str, priority: int = 50, min_days=None, max_days=None, filters=(), **fields
) -> str:
	touches = fields.pop(
		"touches",
		[
			{
				"day_offset": 1,
				"channel": "SMS",
				"template": "{{ first_name }}, it's {{ practice_name }}: time to book {{ booking_link }} {{ opt_out_text }}",
			},
			{
				"day_offset": 4,
				"channel": "Email",
				"email_subject": "Hello {{ first_name }}",
				"template": "Hi {{ first_name }}, book here: {{ booking_link }}",
			},
			{"day_offset": 14, "channel": "Call Task", "template": "Call {{ first_name }}."},
		],
	)
	doc = frappe.get_doc(
		{
			"doctype": "Campaign Segment",
			"segment_name": name,
			"rule_kind": rule_kind,
			"priority": priority,
			"enabled": 1,
			"min_days": min_days,
			"max_days": max_days,
			"holdout_percent": fields.pop("holdout_percent", 0),
			"filters": [{"filter_doctype": d, "value": v} for d, v in filters],
			"touches": touches,
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


# The staff users tests share (committed once, like every reference record). warm_shared_records() makes them
# before the first test: on a new site, the first test to need one would otherwise commit its own records along
# with it (a patient and lapse that outlive the test and skew later counts).
SHARED_USERS = {
	"winback-desk@example.com": "Win-Back Agent",
	"winback-agent@example.com": "Win-Back Agent",
	"winback-agent-g@example.com": "Win-Back Agent",
	"answers.agent@example.com": "Win-Back Agent",
	"wb-agent-preview@example.com": "Win-Back Agent",
	"winback-campaigns@example.com": "Win-Back Manager",
	"winback-manager@example.com": "Win-Back Manager",
	"winback-manager-g@example.com": "Win-Back Manager",
	"winback-manager-14@example.com": "Win-Back Manager",
	"winback-alerts@example.com": "Win-Back Manager",
	"answers.manager@example.com": "Win-Back Manager",
	"winback-clinician-g@example.com": "Physician",
	"winback-physician-14@example.com": "Physician",
	"winback-accounts-14@example.com": "Accounts User",
}
BULK_PATIENTS = 1000  # test_dispatch's committed bulk patients


def warm_shared_records() -> None:
	"""Before the first test, outside any test's transaction: every committed record tests share (the reference
	records, the staff users, muted notification e-mails for staff a role route reaches, test_dispatch's bulk
	patients). Each is made once; on a site that has them this only reads."""
	from winback_app.staff import users_with

	reference_records()
	for email, role in SHARED_USERS.items():
		desk_user(email, role=role)
	clinical = {u for role in ("Physician", "Nursing User", "Accounts User") for u in users_with(role)}
	mute_notification_emails(clinical | {"Administrator"})
	have = frappe.db.count("Patient", {"first_name": ("like", "_T WB Bulk%")})
	if have < BULK_PATIENTS:
		from .test_dispatch import _bulk_patients

		_bulk_patients(BULK_PATIENTS - have, start=have)
	frappe.db.commit()


def desk_user(email: str, role: str = "Win-Back Agent") -> str:
	"""A staff user (a reference record, committed once) whose assignment notifications are not emailed: in
	tests the host sends those emails at once and commits (EmailQueue.send), which would leak the test's data
	past its rollback. Call it at the start of a test, like reference_records()."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"roles": [{"role": role}],
			}
		).insert(ignore_permissions=True)
	settings = (
		frappe.get_doc("Notification Settings", email)
		if frappe.db.exists("Notification Settings", email)
		else None
	)
	if settings is None:
		settings = frappe.get_doc({"doctype": "Notification Settings", "name": email, "user": email})
	if settings.is_new() or settings.enable_email_notifications or settings.enable_email_assignment:
		settings.enable_email_notifications = 0
		settings.enable_email_assignment = 0
		settings.save(ignore_permissions=True) if not settings.is_new() else settings.insert(
			ignore_permissions=True
		)
		frappe.db.commit()  # a reference record, like reference_records()
	return email


def mute_notification_emails(users) -> None:
	"""No notification e-mails for these users (committed, like desk_user): a test that assigns them a reply
	would otherwise make the host send the e-mail at once and commit the test's records (EmailQueue.send).
	For users a role route reaches, Administrator included (healthcare's setup gives it the clinical roles)."""
	changed = False
	for user in users:
		if frappe.db.exists("Notification Settings", user):
			settings = frappe.get_doc("Notification Settings", user)
		else:
			settings = frappe.get_doc({"doctype": "Notification Settings", "name": user, "user": user})
		if settings.is_new() or settings.enable_email_notifications or settings.enable_email_assignment:
			settings.enable_email_notifications = 0
			settings.enable_email_assignment = 0
			settings.insert(ignore_permissions=True) if settings.is_new() else settings.save(
				ignore_permissions=True
			)
			changed = True
	if changed:
		frappe.db.commit()  # a reference record, like desk_user()


def reset_settings(**values):
	"""Win-Back Settings as every test expects them, plus the test's own values."""
	doc = frappe.get_single("Win-Back Settings")
	doc.update(
		{
			"sending_mode": "Outbox",
			"pause_sending": 0,
			"window_start": "09:00:00",
			"window_end": "19:00:00",
			"practice_name": "Bright Smile Dental",
			"practice_phone": "(202) 555-0100",
			"public_base_url": "https://clinic.example.com",
			"max_messages_per_day": 1,
			"max_messages_per_week": 3,
			"minimum_age": 18,
			"sms_consent_policy": "Everyone not opted out",
			"rest_after_unanswered_days": 365,
			"rest_from_other_campaigns_days": 120,
			"max_unanswered_cycles": 3,
			**{f"send_on_{d}": 1 for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
			"send_on_saturday": 0,
			"send_on_sunday": 0,
			**values,
		}
	)
	doc.save(ignore_permissions=True)
	return doc


def outgoing_email_account() -> str:
	"""A default outgoing account so frappe.sendmail queues mail (nothing is delivered in tests)."""
	existing = frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1})
	if existing:
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_T WB Outgoing",
				"email_id": "clinic@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"no_smtp_authentication": 1,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def only_these_segments_enabled() -> None:
	"""Switch every campaign off (rolled back after the test), so a test sees only the ones it creates."""
	Seg = frappe.qb.DocType("Campaign Segment")
	frappe.qb.update(Seg).set(Seg.enabled, 0).run()
	frappe.clear_cache(doctype="Campaign Segment")


def lapses_of(patient: str) -> list[dict]:
	return frappe.get_all(
		"Patient Lapse",
		filters={"patient": patient},
		fields=[
			"name",
			"segment",
			"status",
			"holdout",
			"reason",
			"evidence_doctype",
			"evidence_name",
			"last_visit_date",
			"booked_appointment",
			"reactivated_on",
		],
		order_by="creation asc",
	)


def reply_record(patient: str, lapse: str, body: str):
	"""A Win-Back SMS Reply from the patient's mobile, inserted as a document (not through the webhook)."""
	from frappe.utils import now_datetime

	number = frappe.db.get_value("Win-Back Patient Phone", {"patient": patient, "source": "Mobile"}, "phone")
	return frappe.get_doc(
		{
			"doctype": "Win-Back SMS Reply",
			"message_sid": "SM" + frappe.generate_hash(length=32),
			"from_number": number,
			"patient": patient,
			"lapse": lapse,
			"received_on": now_datetime(),
			"body": body,
		}
	).insert(ignore_permissions=True)


def remove_committed_patients(patients: list[str]) -> None:
	"""Take committed test patients away with what the host made for them: appointments, the calendar Events a
	booking creates (a later patient of the same name would inherit their links and could not be deleted),
	contact links and the phone lookup. The caller commits."""
	patients = [p for p in patients if p]
	if not patients:
		return
	events = frappe.get_all(
		"Event Participants",
		{"reference_doctype": "Patient", "reference_docname": ("in", patients)},
		pluck="parent",
	)
	if events:
		frappe.db.delete("Event Participants", {"parent": ("in", events)})
		frappe.db.delete("Event", {"name": ("in", events)})
	frappe.db.delete("Patient Appointment", {"patient": ("in", patients)})
	# Visits and the rest of a patient's records too: a later test patient given the same name would inherit
	# them (an encounter left behind made that patient "seen yesterday" and never lapsed).
	for doctype in ("Patient Encounter", "Clinical Procedure", "Therapy Plan", "Patient Medical Record"):
		frappe.db.delete(doctype, {"patient": ("in", patients)})
	lapses = frappe.get_all("Patient Lapse", {"patient": ("in", patients)}, pluck="name")
	if lapses:
		frappe.db.delete("Win-Back Contact Attempt", {"lapse": ("in", lapses)})
		frappe.db.delete("Patient Lapse", {"name": ("in", lapses)})
	conversations = frappe.get_all("Win-Back Conversation", {"patient": ("in", patients)}, pluck="name")
	if conversations:
		frappe.db.delete("Win-Back Offered Time", {"parent": ("in", conversations)})
		frappe.db.delete("Win-Back Conversation", {"name": ("in", conversations)})
	frappe.db.delete("Win-Back SMS Reply", {"patient": ("in", patients)})
	frappe.db.delete("Win-Back Patient Phone", {"patient": ("in", patients)})
	frappe.db.delete("Dynamic Link", {"link_doctype": "Patient", "link_name": ("in", patients)})
	frappe.db.delete("Patient", {"name": ("in", patients)})


def remove_committed_campaign(segment: str, patients: list[str]) -> None:
	"""Take away what a committed (browser) test made in its campaign: the lapses, their replies with the
	Communications, ToDos, notifications and shares they made, the patients and the campaign. The caller commits."""
	lapses = frappe.get_all("Patient Lapse", {"segment": segment}, pluck="name")
	replies = frappe.get_all("Win-Back SMS Reply", {"lapse": ("in", lapses or [""])}, pluck="name")
	comms = frappe.get_all(
		"Communication", {"reference_name": ("in", [*lapses, *replies] or [""])}, pluck="name"
	)
	frappe.db.delete("Communication Link", {"parent": ("in", comms or [""])})
	frappe.db.delete("Communication", {"name": ("in", comms or [""])})
	frappe.db.delete("ToDo", {"reference_name": ("in", replies or [""])})
	frappe.db.delete("Notification Log", {"document_name": ("in", replies or [""])})
	frappe.db.delete("DocShare", {"share_name": ("in", replies or [""])})
	frappe.db.delete("Win-Back SMS Reply", {"name": ("in", replies or [""])})
	frappe.db.delete("Win-Back Contact Attempt", {"lapse": ("in", lapses or [""])})
	frappe.db.delete("Patient Lapse", {"name": ("in", lapses or [""])})
	remove_committed_patients(patients)
	if frappe.db.exists("Campaign Segment", segment):
		frappe.delete_doc("Campaign Segment", segment, force=True, ignore_permissions=True)


def error_log_mark() -> frozenset[str]:
	"""The Error Log rows there are now. Tests check the rows added after this mark, by name: a creation time
	would also count a row the site dated in the future (one written before the site's time zone was set)."""
	return frozenset(frappe.get_all("Error Log", pluck="name"))


def error_logs_after(mark: frozenset[str], fields: list[str]) -> list:
	"""The Error Log rows added since error_log_mark(), oldest first, with these fields."""
	rows = frappe.get_all("Error Log", fields=["name", *fields], order_by="creation asc")
	return [row for row in rows if row.name not in mark]
