"""Read the host's facts for detection, set-based: a fixed number of queries per key range of patients.

Detection reads and decides patients in key ranges (KeyRange: patient names after one name and up to another,
taken from the Patient table in name order, PATIENT_RANGE at a time, never by OFFSET): every query below is
limited to the range's patients, so memory stays flat however many patients a site has, and the number of
queries per range is fixed. A few small site-wide lists (opted-out numbers, unsubscribed emails, staff users)
are read once per run (SiteFacts).

Visit evidence comes from four sources (shared/HOST.md explains why appointment status alone lies): submitted
Patient Encounters, completed Clinical Procedures, submitted Therapy Sessions and appointments Closed or
Checked Out. Each source is one GROUP BY patient; the details of the latest row ride along in the same pass
as MAX(CONCAT(date, '|', ...)), which MariaDB computes without a second lookup. Campaigns limited to some
appointment types, procedures, departments or practitioners add one filtered query per source they apply to.
Nothing here decides anything: the engine does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from pypika.terms import ExistsCriterion

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Cast, Concat, IfNull, Max
from frappe.utils import getdate

from winback_app.engine import lifecycle as lc
from winback_app.engine.detection import Candidate, PatientFacts, Policy, is_minor
from winback_app.engine.segments import SegmentSpec

Patient = DocType("Patient")
Appointment = DocType("Patient Appointment")
Encounter = DocType("Patient Encounter")
Procedure = DocType("Clinical Procedure")
Session = DocType("Therapy Session")
TherapyPlan = DocType("Therapy Plan")
ServiceRequest = DocType("Service Request")
Subscription = DocType("Subscription")
PlanDetail = DocType("Subscription Plan Detail")
Lapse = DocType("Patient Lapse")
PatientPhone = DocType("Win-Back Patient Phone")
OptOut = DocType("Win-Back SMS Opt-Out")
Unsubscribe = DocType("Email Unsubscribe")
User = DocType("User")

ACTIVE_APPOINTMENT = ("Scheduled", "Open", "Confirmed", "Checked In")
MEMBER = ("Active", "Trialling")  # a Subscription in one of these is a current membership
SEP = "|"
PATIENT_RANGE = 5000  # patients read and decided together


@dataclass(frozen=True)
class KeyRange:
	"""Patients whose name sorts after `after` (exclusive) and up to `upto` (inclusive), in the database's
	collation; None leaves that side open. Every reader query limits its patient column with it."""

	after: str | None = None
	upto: str | None = None

	def limit(self, query, column):
		if self.after is not None:
			query = query.where(column > self.after)
		if self.upto is not None:
			query = query.where(column <= self.upto)
		return query


EVERYONE = KeyRange()


@dataclass(frozen=True)
class SiteFacts:
	"""The site-wide lists every patient's facts are checked against, read once per run."""

	blocked_numbers: frozenset
	unsubscribed: frozenset
	staff: frozenset


def site_facts() -> SiteFacts:
	blocked_numbers = frappe.qb.from_(OptOut).select(OptOut.name).where(OptOut.active == 1).run(pluck=True)
	unsubscribed = (
		frappe.qb.from_(Unsubscribe)
		.select(Unsubscribe.email)
		.where(Unsubscribe.global_unsubscribe == 1)
		.run(pluck=True)
	)
	# Staff are System Users. A patient owned by anyone else was created by a guest or a website user: the host's
	# public registration web form inserts as the session user (frappe's web_form.accept), "Guest" when anonymous.
	staff = frappe.qb.from_(User).select(User.name).where(User.user_type == "System User").run(pluck=True)
	return SiteFacts(
		frozenset(blocked_numbers), frozenset((e or "").lower() for e in unsubscribed), frozenset(staff)
	)


PATIENT_COLUMNS = (
	Patient.name,
	Patient.patient_name,
	Patient.status,
	# as text: date.fromisoformat is ~20x cheaper than the driver's per-row date conversion
	Cast(Patient.dob, "CHAR"),
	Patient.email,
	Patient.winback_do_not_contact,
	Patient.winback_sms_consent,
	Patient.winback_time_zone,
	Patient.owner,
)


def patient_ranges(size: int = PATIENT_RANGE):
	"""(KeyRange, Patient rows) in name order, `size` patients at a time: one keyset query per range (name >
	the last name seen, ORDER BY name, LIMIT size), never OFFSET. The last range is open above, so a patient
	inserted during the run is either in a range's rows or in no range's facts (and then not decided)."""
	after = None
	while True:
		query = frappe.qb.from_(Patient).select(*PATIENT_COLUMNS).orderby(Patient.name).limit(size)
		if after is not None:
			query = query.where(Patient.name > after)
		rows = query.run()
		upto = rows[-1][0] if len(rows) == size else None
		yield KeyRange(after, upto), rows
		if upto is None:
			return
		after = upto


@dataclass(frozen=True)
class VisitSource:
	"""One kind of record that proves a visit, and where its columns are."""

	key: str
	doctype: str
	table: DocType
	date: object
	department: object
	conditions: tuple
	# filter doctype -> column, for campaigns limited by "Only for"
	filter_columns: dict


def visit_sources(settings) -> list[VisitSource]:
	sources = []
	if settings.get("count_encounters", 1):
		sources.append(
			VisitSource(
				"encounter",
				"Patient Encounter",
				Encounter,
				Encounter.encounter_date,
				Encounter.medical_department,
				(Encounter.docstatus == 1,),
				{
					"Appointment Type": Encounter.appointment_type,
					"Medical Department": Encounter.medical_department,
					"Healthcare Practitioner": Encounter.practitioner,
				},
			)
		)
	if settings.get("count_clinical_procedures", 1):
		sources.append(
			VisitSource(
				"procedure",
				"Clinical Procedure",
				Procedure,
				Procedure.start_date,
				Procedure.medical_department,
				(Procedure.docstatus == 1, Procedure.status == "Completed"),
				{
					"Clinical Procedure Template": Procedure.procedure_template,
					"Medical Department": Procedure.medical_department,
					"Healthcare Practitioner": Procedure.practitioner,
				},
			)
		)
	if settings.get("count_therapy_sessions", 1):
		sources.append(
			VisitSource(
				"therapy",
				"Therapy Session",
				Session,
				Session.start_date,
				Session.department,
				(Session.docstatus == 1,),
				{"Medical Department": Session.department, "Healthcare Practitioner": Session.practitioner},
			)
		)
	if settings.get("count_closed_appointments", 1):
		sources.append(
			VisitSource(
				"appointment",
				"Patient Appointment",
				Appointment,
				Appointment.appointment_date,
				Appointment.department,
				(Appointment.status.isin(("Closed", "Checked Out")),),
				{
					"Appointment Type": Appointment.appointment_type,
					"Clinical Procedure Template": Appointment.procedure_template,
					"Medical Department": Appointment.department,
					"Healthcare Practitioner": Appointment.practitioner,
				},
			)
		)
	return sources


def last_visits(
	sources: Iterable[VisitSource],
	filters: tuple[tuple[str, str], ...] = (),
	since: date | None = None,
	key_range: KeyRange = EVERYONE,
) -> dict[str, Candidate]:
	"""The latest visit per patient across the sources, optionally only visits matching "Only for" filters.

	One query per applicable source. A source that lacks a filtered column is left out for that campaign
	(a Therapy Session has no appointment type).
	"""
	wanted: dict[str, list[str]] = {}
	for doctype, value in filters:
		wanted.setdefault(doctype, []).append(value)

	best: dict[str, Candidate] = {}
	for src in sources:
		if any(doctype not in src.filter_columns for doctype in wanted):
			continue
		t = src.table
		detail = Max(
			Concat(
				src.date,
				SEP,
				t.name,
				SEP,
				IfNull(t.practitioner, ""),
				SEP,
				IfNull(src.department, ""),
				SEP,
				IfNull(t.company, ""),
			)
		)
		query = frappe.qb.from_(t).select(t.patient, detail).where(t.patient.isnotnull()).groupby(t.patient)
		query = key_range.limit(query, t.patient)
		for condition in src.conditions:
			query = query.where(condition)
		for doctype, values in wanted.items():
			query = query.where(src.filter_columns[doctype].isin(values))
		if since:
			query = query.where(src.date >= since)
		for patient, packed in query.run():
			if not packed:
				continue
			day, name, practitioner, department, company = packed.split(SEP, 4)
			visit_date = date.fromisoformat(
				day
			)  # 'YYYY-MM-DD' from MAX(CONCAT(...)): 500x cheaper than getdate
			current = best.get(patient)
			if current is None or visit_date > current.event_date:
				best[patient] = Candidate(
					patient,
					visit_date,
					src.doctype,
					name,
					practitioner or None,
					department or None,
					company or None,
					visit_date,
				)
	return best


def patient_facts(
	today: date,
	only: list[str] | None = None,
	future_from: datetime | None = None,
	*,
	key_range: KeyRange = EVERYONE,
	rows: list | None = None,
	site: SiteFacts | None = None,
	policy: Policy | None = None,
) -> dict[str, PatientFacts]:
	"""Patients with what the exclusions need: four queries per range (Patient rows, future appointments, open
	lapses, mobiles) and the site-wide lists (SiteFacts, read here unless given).

	only limits every query to some patients (the rescue trigger looks at a handful); key_range to a range of
	them, whose Patient rows the caller may have read already (patient_ranges); future_from counts an
	appointment as "future" from that instant instead of from today (a missed appointment is today's too).
	policy: when it reaches minors through a parent, the range's minors carry their parents' facts (with_guardians).
	"""

	def limit(query, column):
		query = key_range.limit(query, column)
		return query.where(column.isin(only)) if only is not None else query

	if only is not None and not only:
		return {}
	site = site or site_facts()
	# Filter on the date only and check the status here: with the status IN (...) in SQL, MariaDB picks the
	# status index and walks every past "Closed" row; the date index reads just the few future ones.
	future_q = frappe.qb.from_(Appointment).select(Appointment.patient, Appointment.status)
	if future_from is not None:
		future_q = future_q.where(Appointment.appointment_datetime > future_from)
	else:
		future_q = future_q.where(Appointment.appointment_date >= today)
	future = {p for p, status in limit(future_q, Appointment.patient).run() if status in ACTIVE_APPOINTMENT}
	open_lapses = set(
		limit(
			frappe.qb.from_(Lapse).select(Lapse.patient).distinct().where(Lapse.status.isin(lc.IN_PROGRESS)),
			Lapse.patient,
		).run(pluck=True)
	)
	mobiles = dict(
		limit(
			frappe.qb.from_(PatientPhone)
			.select(PatientPhone.patient, PatientPhone.phone)
			.where(PatientPhone.source == "Mobile")
			.where(PatientPhone.phone != ""),
			PatientPhone.patient,
		).run()
	)
	if rows is None:
		rows = limit(frappe.qb.from_(Patient).select(*PATIENT_COLUMNS), Patient.name).run()
	blocked_numbers, unsubscribed, staff = site.blocked_numbers, site.unsubscribed, site.staff
	facts = {}
	for name, patient_name, status, dob, email, dnc, consent, tz, owner in rows:
		mobile = mobiles.get(name)
		email = (email or "").strip().lower() or None
		facts[name] = PatientFacts(
			patient=name,
			patient_name=patient_name or "",
			disabled=status == "Disabled",
			dob=date.fromisoformat(dob) if dob else None,
			mobile=mobile,
			email=email,
			do_not_contact=bool(dnc),
			sms_consent=consent or "Unknown",
			time_zone=tz or None,
			has_future_appointment=name in future,
			open_lapse=name in open_lapses,
			sms_blocked=bool(mobile) and mobile in blocked_numbers,
			email_blocked=bool(email) and email in unsubscribed,
			self_registered=owner not in staff,
		)
	if policy is not None and policy.reach_minors_through_guardian:
		facts = with_guardians(facts, policy, today, site)
	return facts


def with_guardians(
	facts: dict[str, PatientFacts], policy: Policy, today: date, site: SiteFacts
) -> dict[str, PatientFacts]:
	"""The minors among these patients with their parents' facts (PatientFacts.guardians): the Father and Mother
	rows of the host's Patient Relation table on the child's record, in the record's order. One query for the
	relations and patient_facts' four for the parents, whatever the number of minors."""
	minors = sorted(name for name, f in facts.items() if is_minor(f, policy, today))
	if not minors:
		return facts
	from winback_app.contacts.parents import parents_of

	rows = parents_of(minors)
	if not rows:
		return facts
	guardians = patient_facts(today, only=sorted({g for _, g in rows}), site=site)
	by_child: dict[str, list[PatientFacts]] = {}
	for child, guardian in rows:
		if guardian in guardians and guardian != child:
			by_child.setdefault(child, []).append(guardians[guardian])
	for child, found in by_child.items():
		facts[child] = replace(facts[child], guardians=tuple(found))
	return facts


def cooldowns(
	segments: list[SegmentSpec], today: date, key_range: KeyRange = EVERYONE
) -> set[tuple[str, str]]:
	"""(patient, campaign) pairs whose last lapse in that campaign ended within its re-entry cooldown."""
	out: set[tuple[str, str]] = set()
	for seg in segments:
		if not seg.reentry_cooldown_days:
			continue
		since = frappe.utils.add_days(today, -seg.reentry_cooldown_days)
		query = (
			frappe.qb.from_(Lapse)
			.select(Lapse.patient)
			.distinct()
			.where(Lapse.segment == seg.name)
			.where(Lapse.status.notin(lc.IN_PROGRESS))
			.where(IfNull(Lapse.closed_on, Lapse.detected_on) >= since)
		)
		out.update((p, seg.name) for p in key_range.limit(query, Lapse.patient).run(pluck=True))
	return out


def unfinished_treatment(
	today: date, seg: SegmentSpec, key_range: KeyRange = EVERYONE
) -> dict[str, Candidate]:
	"""Accepted (submitted, active) Service Requests ordered inside the window and never scheduled."""
	query = (
		frappe.qb.from_(ServiceRequest)
		.select(
			ServiceRequest.patient,
			Max(
				Concat(
					ServiceRequest.order_date,
					SEP,
					ServiceRequest.name,
					SEP,
					IfNull(ServiceRequest.practitioner, ""),
					SEP,
					IfNull(ServiceRequest.medical_department, ""),
					SEP,
					IfNull(ServiceRequest.company, ""),
				)
			),
		)
		.where(ServiceRequest.docstatus == 1)
		.where(ServiceRequest.status == "active-Request Status")
		.where(ServiceRequest.order_date <= frappe.utils.add_days(today, -(seg.min_days or 0)))
		.groupby(ServiceRequest.patient)
	)
	if seg.max_days:
		query = query.where(ServiceRequest.order_date > frappe.utils.add_days(today, -seg.max_days))
	for doctype, column in (
		("Healthcare Practitioner", ServiceRequest.practitioner),
		("Medical Department", ServiceRequest.medical_department),
	):
		if seg.filter_values(doctype):
			query = query.where(column.isin(list(seg.filter_values(doctype))))
	return _unpack(key_range.limit(query, ServiceRequest.patient).run(), "Service Request")


def unfinished_therapy_plans(
	last: dict[str, Candidate], key_range: KeyRange = EVERYONE, templates: Iterable[str] | None = None
) -> dict[str, Candidate]:
	"""Patients with a therapy plan not completed: the event date is their last visit (or the plan start).
	templates: only plans made from these Therapy Plan Templates (a campaign's "Only for"); None: every plan."""
	query = (
		frappe.qb.from_(TherapyPlan)
		.select(
			TherapyPlan.patient,
			Max(
				Concat(
					TherapyPlan.start_date,
					SEP,
					TherapyPlan.name,
					SEP,
					SEP,
					SEP,
					IfNull(TherapyPlan.company, ""),
				)
			),
		)
		.where(TherapyPlan.status.isin(("Not Started", "In Progress")))
		.groupby(TherapyPlan.patient)
	)
	if templates is not None:
		query = query.where(TherapyPlan.therapy_plan_template.isin(sorted(templates) or [""]))
	rows = key_range.limit(query, TherapyPlan.patient).run()
	out = {}
	for patient, candidate in _unpack(rows, "Therapy Plan").items():
		visit = last.get(patient)
		event = max(candidate.event_date, visit.event_date) if visit else candidate.event_date
		out[patient] = Candidate(
			patient,
			event,
			"Therapy Plan",
			candidate.evidence_name,
			visit.practitioner if visit else None,
			visit.department if visit else None,
			candidate.company,
			visit.event_date if visit else None,
		)
	return out


def never_booked(today: date, seg: SegmentSpec, key_range: KeyRange = EVERYONE) -> dict[str, Candidate]:
	"""Patients registered inside the window who have no appointment of any status."""
	booked = frappe.qb.from_(Appointment).select(Appointment.name).where(Appointment.patient == Patient.name)
	since_max = frappe.utils.add_days(today, -seg.max_days) if seg.max_days else None
	query = (
		frappe.qb.from_(Patient)
		.select(Patient.name, Patient.creation)
		.where(Patient.creation < frappe.utils.add_days(today, -(seg.min_days or 0) + 1))
		.where(ExistsCriterion(booked).negate())
	)
	if since_max:
		query = query.where(Patient.creation >= since_max)
	query = key_range.limit(query, Patient.name)
	return {p: Candidate(p, getdate(created), "Patient", p) for p, created in query.run()}


def lapsed_memberships(today: date, seg: SegmentSpec, key_range: KeyRange = EVERYONE) -> dict[str, Candidate]:
	"""Patients whose customer's ERPNext Subscription was cancelled or went unpaid inside the window, limited to
	the campaign's "Only for" subscription plans when it names some. A patient whose customer has an active or
	trialling subscription (renewed, or on another plan) is a member, not lapsed, and is not a candidate."""
	ended = IfNull(Subscription.cancelation_date, Subscription.current_invoice_end)
	current = DocType("Subscription").as_("current_membership")
	member = (
		frappe.qb.from_(current)
		.select(current.name)
		.where(current.party_type == "Customer")
		.where(current.party == Patient.customer)
		.where(current.status.isin(MEMBER))
	)
	query = (
		frappe.qb.from_(Subscription)
		.join(Patient)
		.on((Subscription.party_type == "Customer") & (Subscription.party == Patient.customer))
		.select(
			Patient.name,
			Max(Concat(ended, SEP, Subscription.name, SEP, SEP, SEP, IfNull(Subscription.company, ""))),
		)
		.where(Subscription.status.isin(("Cancelled", "Unpaid", "Past Due Date")))
		.where(ended <= frappe.utils.add_days(today, -(seg.min_days or 0)))
		.groupby(Patient.name)
	)
	query = query.where(ExistsCriterion(member).negate())
	if plans := seg.filter_values("Subscription Plan"):
		on_plan = (
			frappe.qb.from_(PlanDetail)
			.select(PlanDetail.name)
			.where(PlanDetail.parent == Subscription.name)
			.where(PlanDetail.parenttype == "Subscription")
			.where(PlanDetail.plan.isin(sorted(plans)))
		)
		query = query.where(ExistsCriterion(on_plan))
	if seg.max_days:
		query = query.where(ended > frappe.utils.add_days(today, -seg.max_days))
	return _unpack(key_range.limit(query, Patient.name).run(), "Subscription")


def _unpack(rows, doctype: str) -> dict[str, Candidate]:
	out = {}
	for patient, packed in rows:
		if not packed:
			continue
		day, name, practitioner, department, company = packed.split(SEP, 4)
		out[patient] = Candidate(
			patient,
			date.fromisoformat(day),
			doctype,
			name,
			practitioner or None,
			department or None,
			company or None,
		)
	return out
