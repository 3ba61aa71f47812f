"""A lead enters: read the host's record (ERPNext Lead, Call Log, a first appointment, a new Patient), decide with
engine/leads.py whether it is a new-patient lead, and write its Win-Back Lead and planned texts.

Each function is safe to call again for the same record: one Win-Back Lead per ERPNext Lead (unique), one
missed-call text per number and day (the text's unique "once per" key), one confirmation request per appointment.
Nothing here sends: leads/send.py does, from the document event's job or the minute job (leads/run.py).
What a stranger typed (the request form) arrives here already made inert by the caller (api/lead_request.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import IfNull
from frappe.utils import add_days, escape_html, get_datetime, now_datetime

from winback_app.contacts.optouts import is_blocked
from winback_app.engine import leads as rules
from winback_app.engine.phone import normalize
from winback_app.engine.untrusted import as_text, display_first_name
from winback_app.infra import bulk
from winback_app.infra.clock import to_db, to_utc
from winback_app.infra.naming import STANDARD_COLUMNS
from winback_app.settings import (
	clinic_time_zone,
	get_settings,
	phone_region,
	require_consent,
	send_window,
)

LEAD = "Win-Back Lead"
TEXT = "Win-Back Lead Text"
WLead = DocType(LEAD)
WText = DocType(TEXT)
Lead = DocType("Lead")
CallLog = DocType("Call Log")
Patient = DocType("Patient")
PatientPhone = DocType("Win-Back Patient Phone")
Appointment = DocType("Patient Appointment")
FUTURE_STATUSES = ("Scheduled", "Open", "Confirmed", "Checked In")
AGAIN_KEY = "again"  # a text answering a repeated request, planned at once (leads/send.py)
TEXT_COLUMNS = (
	*STANDARD_COLUMNS,
	"lead_record",
	"step",
	"dedupe_key",
	"channel",
	"status",
	"due_at",
	"to_address",
)


@dataclass
class Arrival:
	"""A lead as it reaches us, whatever its source."""

	source: str
	received_on: datetime  # naive, system time zone
	first_name: str = ""
	full_name: str = ""
	phone: str | None = None  # E.164
	email: str | None = None
	language: str | None = None
	wrote_first: bool = False
	lead: str | None = None
	call_log: str | None = None
	patient: str | None = None
	appointment: str | None = None
	sms_consent: str = "Unknown"
	consent_on: datetime | None = None
	consent_wording: str | None = None
	preferred_times: str | None = None
	request_ip: str | None = None
	booked_on: datetime | None = None  # an appointment exists already (an unconfirmed first appointment)


def take_lead(lead: str, arrival: Arrival | None = None) -> str | None:
	"""The ERPNext Lead `lead` becomes a Win-Back Lead with its texts planned, unless it is not a new patient
	(a patient has its number or email already), cannot be reached, or was taken before. `arrival` carries what
	the request form knows beyond the Lead (consent, its wording, preferred times). Returns the Win-Back Lead."""
	existing = frappe.db.get_value(LEAD, {"lead": lead}, "name")
	if existing:
		return existing
	row = frappe.db.get_value(
		"Lead",
		lead,
		[
			"name",
			"first_name",
			"lead_name",
			"mobile_no",
			"phone",
			"email_id",
			"language",
			"creation",
			"status",
		],
		as_dict=True,
	)
	if not row or row.status in ("Converted", "Do Not Contact"):
		return leave_alone("Lead", lead)
	phone = normalize(row.mobile_no or row.phone, phone_region())
	email = (row.email_id or "").strip() or None
	if not phone and not email:
		return leave_alone("Lead", lead)
	if is_patient(phone, email):
		return leave_alone("Lead", lead)
	arrival = arrival or Arrival(source=rules.LEAD, received_on=get_datetime(row.creation))
	arrival.lead = row.name
	arrival.phone = arrival.phone or phone
	arrival.email = arrival.email or email
	arrival.first_name = arrival.first_name or display_first_name(row.first_name or row.lead_name)
	arrival.full_name = arrival.full_name or as_text(row.lead_name or "", 140)
	arrival.language = arrival.language or row.language
	return open_lead(arrival)


def take_call_log(call_log: str) -> str | None:
	"""A missed incoming call becomes a "sorry we missed your call" text (once per number and day) on the
	number's open lead, or on a new one. Calls from a patient with a future appointment are theirs to keep."""
	taken = frappe.db.get_value(LEAD, {"call_log": call_log}, "name")
	if taken:
		return taken
	row = frappe.db.get_value(
		"Call Log", call_log, ["name", "from", "type", "status", "start_time", "creation"], as_dict=True
	)
	if not row or not rules.is_missed_call(row.type, row.status):
		return None
	received = get_datetime(row.start_time or row.creation)
	if now_datetime() - received > timedelta(days=1):
		return leave_alone("Call Log", call_log)  # an old call edited today is not a call to answer now
	phone = normalize(row.get("from"), phone_region())
	if not phone:
		return leave_alone("Call Log", call_log)
	patients = patients_on(phone)
	if patients and has_future_appointment(patients):
		return leave_alone("Call Log", call_log)
	existing = open_lead_on(phone)
	if existing:
		plan_missed_call_text(existing, phone, received)
		leave_alone("Call Log", call_log)
		return existing
	return open_lead(
		Arrival(
			source=rules.MISSED_CALL,
			received_on=received,
			phone=phone,
			wrote_first=True,
			call_log=row.name,
			patient=patients[0] if len(patients) == 1 else None,
			first_name=first_name_of(patients[0]) if len(patients) == 1 else "",
		)
	)


def leave_alone(doctype: str, name: str) -> None:
	"""Settled without a lead of its own (a patient's number, nothing to reach them by, a call added to a lead
	we had): the minute job's sweep does not look at it again for an hour, so records that are not new leads
	never crowd out the ones that are."""
	frappe.cache.set_value(_left_alone_key(doctype, name), 1, expires_in_sec=LEFT_ALONE_FOR)
	return None


def _left_alone_key(doctype: str, name: str) -> str:
	return f"winback:lead-settled:{doctype}:{name}"


def not_left_alone(doctype: str, names: list[str]) -> list[str]:
	return [n for n in names if not frappe.cache.get_value(_left_alone_key(doctype, n))]


def unsettled(doctype: str, rows: list) -> list:
	"""The first SWEEP_LIMIT rows not settled within the hour."""
	keep = set(not_left_alone(doctype, [r.name for r in rows]))
	return [r for r in rows if r.name in keep][:SWEEP_LIMIT]


def open_lead(a: Arrival) -> str:
	"""Insert the Win-Back Lead and plan its texts. Returns its name."""
	doc = frappe.get_doc(
		{
			"doctype": LEAD,
			"source": a.source,
			"status": rules.NEW,
			"first_name": a.first_name or None,
			"full_name": a.full_name or None,
			"phone": a.phone,
			"email": a.email,
			"language": a.language if a.language and frappe.db.exists("Language", a.language) else None,
			"received_on": a.received_on,
			"wrote_first": int(a.wrote_first),
			"lead": a.lead,
			"call_log": a.call_log,
			"patient": a.patient,
			"appointment": a.appointment,
			"sms_consent": a.sms_consent,
			"consent_on": a.consent_on,
			"consent_wording": a.consent_wording,
			"preferred_times": a.preferred_times,
			"request_ip": a.request_ip,
			"booked_on": a.booked_on,
		}
	)
	doc.flags.ignore_permissions = True
	doc.flags.ignore_links = True  # the records it names were read a moment ago in this transaction
	doc.insert()
	if a.lead and a.sms_consent == "Granted" and a.consent_wording:
		# The consent is on the Win-Back Lead; the Lead's own timeline says so too, in the words shown.
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"reference_doctype": "Lead",
				"reference_name": a.lead,
				"content": escape_html(
					_("Text consent given on the request form: {0}").format(a.consent_wording)
				),
			}
		).insert(ignore_permissions=True)
	plan_texts(doc, now_datetime())
	return doc.name


def plan_texts(doc, now: datetime) -> list[str]:
	"""The lead's first text (or confirmation request) and its follow-ups, as Scheduled rows."""
	settings = get_settings()
	tz, window = clinic_time_zone(), send_window()
	channel = rules.channel_for(
		rules.Reach(
			mobile=doc.phone,
			email=doc.email,
			number_block=is_blocked(doc.phone) if doc.phone else None,
			consent=doc.sms_consent or "Unknown",
			require_consent=rules.consent_required(doc.source, require_consent(settings)),
			wrote_first=bool(doc.wrote_first),
		)
	)
	to = doc.phone if channel == rules.SMS else doc.email if channel == rules.EMAIL else doc.phone
	now_utc = to_utc(now)
	planned: list[tuple[str, str, datetime]] = []  # (step, once-per key, due aware)
	if doc.source == rules.UNCONFIRMED:
		starts = appointment_start(doc.appointment)
		due = rules.confirm_due(now_utc, to_utc(starts), window, tz) if starts else None
		if due is not None and channel != rules.CALL_TASK:
			planned.append((rules.CONFIRM, f"confirm:{doc.appointment}", due))
	else:
		first = rules.first_due(
			now_utc, to_utc(get_datetime(doc.received_on)), bool(doc.wrote_first), window, tz
		)
		key = (
			missed_call_key(doc.phone, get_datetime(doc.received_on))
			if doc.source == rules.MISSED_CALL
			else f"{doc.name}:{rules.FIRST}"
		)
		planned.append((rules.FIRST, key, first))
		if channel != rules.CALL_TASK:
			planned += [
				(step, f"{doc.name}:{step}", due) for step, due in rules.follow_ups_due(first, window, tz)
			]
	return insert_texts(doc.name, channel, to, planned)


def plan_missed_call_text(lead: str, phone: str, received: datetime) -> None:
	"""Another missed call from a number we are already talking to: one text-back a day, at once."""
	now = now_datetime()
	insert_texts(lead, rules.SMS, phone, [(rules.FIRST, missed_call_key(phone, received), to_utc(now))])
	from winback_app.leads import status

	status.reopen(lead)


def plan_again(lead: str, a: Arrival) -> None:
	"""Someone we already follow asked again (the form once more): their new consent and wishes are kept, a resting
	lead wakes up, and they get one fresh answer at once (one a day)."""
	values = {}
	if a.sms_consent == "Granted":
		values.update(sms_consent="Granted", consent_on=a.consent_on, consent_wording=a.consent_wording)
	if a.preferred_times:
		values["preferred_times"] = a.preferred_times
	if values:
		frappe.db.set_value(LEAD, lead, values, update_modified=False)
	from winback_app.leads import status

	status.reopen(lead)
	doc = frappe.get_doc(LEAD, lead)
	if doc.status not in rules.OPEN:
		return
	channel = rules.channel_for(
		rules.Reach(
			mobile=doc.phone,
			email=doc.email,
			number_block=is_blocked(doc.phone) if doc.phone else None,
			consent=doc.sms_consent or "Unknown",
			require_consent=rules.consent_required(doc.source, require_consent()),
			wrote_first=bool(doc.wrote_first),
		)
	)
	to = doc.email if channel == rules.EMAIL else doc.phone
	day = to_utc(a.received_on).astimezone(ZoneInfo(clinic_time_zone())).date().isoformat()
	insert_texts(lead, channel, to, [(rules.FIRST, f"{lead}:{AGAIN_KEY}:{day}", to_utc(now_datetime()))])


def insert_texts(
	lead: str, channel: str, to: str | None, planned: list[tuple[str, str, datetime]]
) -> list[str]:
	"""Insert the planned texts; one already planned under the same "once per" key is left as it is."""
	if not planned:
		return []
	now, user = now_datetime(), frappe.session.user
	rows = [
		(
			frappe.generate_hash(length=12),
			now,
			now,
			user,
			user,
			0,
			lead,
			step,
			key,
			channel,
			"Scheduled",
			to_db(due),
			to,
		)
		for step, key, due in planned
	]
	bulk.insert(TEXT, TEXT_COLUMNS, rows, ignore_duplicates=True)
	return [r[0] for r in rows]


def missed_call_key(phone: str, received: datetime) -> str:
	"""One text-back per number and clinic day."""
	local = to_utc(received).astimezone(ZoneInfo(clinic_time_zone()))
	return f"missed-call:{phone}:{local.date().isoformat()}"


def is_patient(phone: str | None, email: str | None) -> bool:
	"""A patient already has this number or email: not a new patient."""
	if phone and patients_on(phone):
		return True
	if email:
		return bool(
			frappe.qb.from_(Patient).select(Patient.name).where(Patient.email == email).limit(1).run()
		)
	return False


def patients_on(phone: str) -> list[str]:
	return (
		frappe.qb.from_(PatientPhone)
		.select(PatientPhone.patient)
		.distinct()
		.where(PatientPhone.phone == phone)
		.run(pluck=True)
	)


def has_future_appointment(patients: list[str]) -> bool:
	return bool(
		frappe.qb.from_(Appointment)
		.select(Appointment.name)
		.where(Appointment.patient.isin(patients))
		.where(Appointment.appointment_date >= frappe.utils.today())
		.where(Appointment.status.isin(FUTURE_STATUSES))
		.limit(1)
		.run()
	)


def open_lead_on(phone: str) -> str | None:
	"""The number's lead still being worked or resting (the newest)."""
	rows = (
		frappe.qb.from_(WLead)
		.select(WLead.name)
		.where(WLead.phone == phone)
		.where(WLead.status.isin((*rules.OPEN, rules.RESTING)))
		.orderby(WLead.received_on, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return rows[0] if rows else None


def first_name_of(patient: str) -> str:
	return display_first_name(frappe.db.get_value("Patient", patient, "first_name"))


def appointment_start(appointment: str | None) -> datetime | None:
	if not appointment:
		return None
	row = frappe.db.get_value(
		"Patient Appointment", appointment, ["appointment_date", "appointment_time"], as_dict=True
	)
	if not row or not row.appointment_date:
		return None
	return get_datetime(f"{row.appointment_date} {row.appointment_time or '00:00:00'}")


# The minute job's sweep: what the document events may have missed (a worker down, a record written with
# db.set_value or by an import), set-based, a bounded number per run.
SWEEP_LIMIT = 200
SCAN_LIMIT = 1000  # candidates read per run, before those settled within the hour are left out
LEFT_ALONE_FOR = 60 * 60  # seconds a record that is not a lead is left alone by the sweep


def untaken_leads(now: datetime) -> list[str]:
	"""ERPNext Leads of the last two days with no Win-Back Lead yet, less those refused within the hour."""
	return not_left_alone(
		"Lead",
		(
			frappe.qb.from_(Lead)
			.left_join(WLead)
			.on(WLead.lead == Lead.name)
			.select(Lead.name)
			.where(Lead.creation >= add_days(now, -2))
			.where(WLead.name.isnull())
			.where(Lead.status.notin(("Converted", "Do Not Contact")))
			.orderby(Lead.creation, order=frappe.qb.desc)
			.limit(SWEEP_LIMIT)
			.run(pluck=True)
		),
	)


def untaken_missed_calls(now: datetime) -> list[str]:
	"""Missed incoming calls of the last hour that are not yet on any lead, less those refused."""
	return not_left_alone(
		"Call Log",
		(
			frappe.qb.from_(CallLog)
			.left_join(WLead)
			.on(WLead.call_log == CallLog.name)
			.select(CallLog.name)
			.where(CallLog.creation >= now - timedelta(hours=1))
			.where(CallLog.type == "Incoming")
			.where(CallLog.status.isin(rules.MISSED_STATUSES))
			.where(WLead.name.isnull())
			.limit(SWEEP_LIMIT)
			.run(pluck=True)
		),
	)


def unconfirmed_first_appointments(now: datetime) -> int:
	"""First appointments starting within CONFIRM_BEFORE that nobody confirmed and we have not asked about:
	a lead each, with its "Reply C to confirm" planned. Returns how many."""
	until = now + rules.CONFIRM_BEFORE
	Earlier = DocType("Patient Appointment").as_("earlier")
	earlier = (
		frappe.qb.from_(Earlier)
		.select(Earlier.name)
		.where(Earlier.patient == Appointment.patient)
		.where(Earlier.name != Appointment.name)
		.where(Earlier.status != "Cancelled")
		.where(Earlier.appointment_datetime < Appointment.appointment_datetime)
	)
	asked = frappe.qb.from_(WLead).select(WLead.name).where(WLead.appointment == Appointment.name)
	rows = (
		frappe.qb.from_(Appointment)
		.join(Patient)
		.on(Patient.name == Appointment.patient)
		.select(
			Appointment.name,
			Appointment.patient,
			Appointment.creation,
			Patient.first_name,
			Patient.language,
			Patient.winback_sms_consent,
		)
		.where(Appointment.appointment_datetime > now)
		.where(Appointment.appointment_datetime <= until)
		.where(Appointment.status.isin(("Scheduled", "Open")))
		.where(ExistsCriterion(earlier).negate())
		.where(ExistsCriterion(asked).negate())
		.orderby(Appointment.appointment_datetime)
		.limit(SCAN_LIMIT)
		.run(as_dict=True)
	)
	rows = unsettled("Patient Appointment", rows)
	if not rows:
		return 0
	mobiles = mobiles_of([r.patient for r in rows])
	seen = visited([r.patient for r in rows])
	made = 0
	for r in rows:
		if not mobiles.get(r.patient) or r.patient in seen:
			leave_alone("Patient Appointment", r.name)
			continue
		open_lead(
			Arrival(
				source=rules.UNCONFIRMED,
				received_on=get_datetime(r.creation),
				first_name=display_first_name(r.first_name),
				phone=mobiles[r.patient],
				patient=r.patient,
				appointment=r.name,
				booked_on=get_datetime(r.creation),
				language=r.language,
				sms_consent=r.winback_sms_consent or "Unknown",
			)
		)
		made += 1
	return made


IMPORT_BURST = 25  # patients one user registers in one hour at the front desk, at the very most


def import_bursts(since: datetime) -> set[tuple[str, datetime]]:
	"""(owner, hour) in which a user created more than IMPORT_BURST patients: a data import, not the front desk."""
	per_hour: dict[tuple[str, datetime], int] = {}
	for owner, created in (
		frappe.qb.from_(Patient)
		.select(Patient.owner, Patient.creation)
		.where(Patient.creation >= since)
		.run()
	):
		key = (owner, created.replace(minute=0, second=0, microsecond=0))
		per_hour[key] = per_hour.get(key, 0) + 1
	return {key for key, n in per_hour.items() if n > IMPORT_BURST}


def visited(patients: list[str]) -> set[str]:
	"""Those of these patients seen at the clinic already (a walk-in's encounter, a procedure, a therapy session,
	a closed visit): one query per kind of visit, whatever the number of patients."""
	seen: set[str] = set()
	if not patients:
		return seen
	for doctype, done in (
		("Patient Encounter", {"docstatus": 1}),
		("Clinical Procedure", {"docstatus": 1}),
		("Therapy Session", {"docstatus": 1}),
		("Patient Appointment", {"status": ("in", ("Closed", "Checked Out"))}),
	):
		seen.update(
			frappe.get_all(doctype, {"patient": ("in", patients), **done}, pluck="patient", distinct=True)
		)
	return seen


def mobiles_of(patients: list[str]) -> dict[str, str]:
	"""{patient: mobile (E.164)} from the app's phone lookup, one query."""
	return dict(
		frappe.qb.from_(PatientPhone)
		.select(PatientPhone.patient, PatientPhone.phone)
		.where(PatientPhone.patient.isin(patients))
		.where(PatientPhone.source == "Mobile")
		.run()
	)


def new_staff_patients(now: datetime) -> int:
	"""Patients the front desk registered in the last NEW_PATIENT_DAYS with no appointment, no visit and no lead
	yet: a welcome text each, in the window. Left out: self-registered patients (the host's public form: not
	owned by a staff user) and imports (a user who created more than IMPORT_BURST patients in one hour was
	loading records from another system, whose visits are not here: welcoming them would text every one)."""
	since = add_days(now, -rules.NEW_PATIENT_DAYS)
	booked = frappe.qb.from_(Appointment).select(Appointment.name).where(Appointment.patient == Patient.name)
	known = frappe.qb.from_(WLead).select(WLead.name).where(WLead.patient == Patient.name)
	User = DocType("User")
	rows = (
		frappe.qb.from_(Patient)
		.join(User)
		.on(User.name == Patient.owner)
		.select(
			Patient.name,
			Patient.owner,
			Patient.first_name,
			Patient.patient_name,
			Patient.email,
			Patient.language,
			Patient.creation,
			Patient.winback_sms_consent,
		)
		.where(Patient.creation >= since)
		.where(Patient.creation <= now - timedelta(minutes=10))
		.where(User.user_type == "System User")
		.where(Patient.status != "Disabled")
		.where(IfNull(Patient.winback_do_not_contact, 0) == 0)
		.where(ExistsCriterion(booked).negate())
		.where(ExistsCriterion(known).negate())
		.orderby(Patient.creation, order=frappe.qb.desc)
		.limit(SCAN_LIMIT)
		.run(as_dict=True)
	)
	imported = import_bursts(since)
	rows = unsettled(
		"Patient",
		[r for r in rows if (r.owner, r.creation.replace(minute=0, second=0, microsecond=0)) not in imported],
	)
	if not rows:
		return 0
	mobiles = mobiles_of([r.name for r in rows])
	seen = visited([r.name for r in rows])
	made = 0
	for r in rows:
		if r.name in seen or not (mobiles.get(r.name) or r.email):
			leave_alone("Patient", r.name)
			continue
		open_lead(
			Arrival(
				source=rules.NEW_PATIENT,
				received_on=get_datetime(r.creation),
				first_name=display_first_name(r.first_name),
				full_name=as_text(r.patient_name or "", 140),
				phone=mobiles.get(r.name),
				email=r.email,
				patient=r.name,
				language=r.language,
				sms_consent=r.winback_sms_consent or "Unknown",
			)
		)
		made += 1
	return made
