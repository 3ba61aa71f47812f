"""The words of one message: the documented template context, built from the lapse's own evidence.

Every documented variable (engine.templates.ALL_VARIABLES) is filled here, and only here: the dispatcher, the
automatic answers and the save-time check of a campaign all call context(). The facts behind the clinical
variables (the practitioner's name, the appointment type, the procedure, the order, the therapy plan, the
diagnosis) are read from the host records the lapse names as its evidence, in a fixed number of queries for a
whole dispatcher chunk (load_facts); a lapse whose facts were not loaded reads its own when first rendered.
A variable is empty only when the records do not hold the fact. The booking link comes from booking/links.py.
A step's words in the patient's language (Campaign Segment > Messages in other languages) are rendered with the
variables in that language too: the month's name and the opt-out line (patient_language, opt_out_text).
This module never decides who is contacted or when.
"""

from __future__ import annotations

from collections import defaultdict

from babel.dates import format_date as babel_format_date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import format_date, getdate

from winback_app.booking.links import booking_url
from winback_app.engine.message_words import OPT_OUT_TEXT, SHIPPED_WORDS, THERE
from winback_app.engine.segments import base_language
from winback_app.engine.untrusted import display_first_name

FACTS = "_facts"  # the key under which a lapse dict carries its loaded facts
FACT_KEYS = (
	"practitioner_name",
	"procedure_name",
	"appointment_type",
	"service_request",
	"diagnosis",
	"therapy_plan",
	"membership_status",
)
# A lapsed membership's Subscription status, as the documented membership_status values.
MEMBERSHIP_STATUS = {"Past Due Date": "past due", "Unpaid": "past due", "Cancelled": "cancelled"}

Lapse = DocType("Patient Lapse")
Patient = DocType("Patient")
Practitioner = DocType("Healthcare Practitioner")
Appointment = DocType("Patient Appointment")
Procedure = DocType("Clinical Procedure")
Encounter = DocType("Patient Encounter")
EncounterDiagnosis = DocType("Patient Encounter Diagnosis")
ServiceRequest = DocType("Service Request")
TherapyPlan = DocType("Therapy Plan")
TherapyPlanDetail = DocType("Therapy Plan Detail")
TherapySession = DocType("Therapy Session")


def context(
	lapse: dict, patient: dict, settings, token: str, language: str = "", guardian: dict | None = None
) -> dict:
	"""Every documented variable for this lapse and patient (empty only where the records hold no such fact).

	language: the language of the words being rendered ("" for the step's own words, in the site's language);
	guardian: the parent's Patient row when a minor is reached through them (guardian_first_name; "" otherwise)."""
	if FACTS not in lapse and lapse.get("name"):
		load_facts([lapse])
	facts = lapse.get(FACTS) or {}
	last_visit = lapse.get("last_visit_date")
	return {
		"first_name": display_first_name(patient.get("first_name")) or in_language(THERE, language),
		"guardian_first_name": (
			(display_first_name(guardian.get("first_name")) or in_language(THERE, language))
			if guardian
			else ""
		),
		"practice_name": settings.practice_name or "",
		"practice_phone": settings.practice_phone or "",
		"booking_link": booking_url(token, settings),
		"opt_out_text": opt_out_text(language),
		"last_visit_month": month_of(last_visit, language) if last_visit else "",
		"practitioner_name": facts.get("practitioner_name") or "",
		# Clinical variables: SMS templates may use them only where a manager allowed clinical detail.
		"procedure_name": facts.get("procedure_name") or "",
		"appointment_type": facts.get("appointment_type") or "",
		"department": lapse.get("department") or facts.get("department") or "",
		"service_request": facts.get("service_request") or "",
		"diagnosis": facts.get("diagnosis") or "",
		"therapy_plan": facts.get("therapy_plan") or "",
		"membership_status": facts.get("membership_status") or "",
	}


def step_words(
	touch, rule_kind: str, channel: str, first_text: bool, lapse: dict, guardian: dict | None = None
) -> tuple[str, str, str]:
	"""(template, email subject, language) of a campaign step for this lapse, as it leaves: the variant in the
	patient's language; for a minor reached through a parent, in the parent's language and, unless the step is the
	manager's own wording for parents (it uses guardian_first_name), the words for parents (engine.guardian_words)."""
	from winback_app.engine import guardian_words

	if guardian is None:
		return touch.words_for(patient_language(lapse))
	template, subject, language = touch.words_for(guardian.get("language"))
	if guardian_words.names_guardian(template):
		return template, subject, language
	return guardian_words.words(rule_kind, channel, first_text, guardian.get("language"))


def patient_language(lapse: dict) -> str:
	"""The language on the lapse's patient's record ("" when none), read with the lapse's facts."""
	if FACTS not in lapse and lapse.get("name"):
		load_facts([lapse])
	return (lapse.get(FACTS) or {}).get("language") or ""


def in_language(text: str, language: str = "") -> str:
	"""One of our own words in this language: the site's translation, else the shipped one, else English."""
	base = base_language(language)
	if not base:
		return _(text)
	translated = _(text, lang=base)
	if translated != text:
		return translated
	return SHIPPED_WORDS.get(base, {}).get(text) or _(text)


def opt_out_text(language: str = "") -> str:
	return in_language(OPT_OUT_TEXT, language)


def month_of(day, language: str = "") -> str:
	"""'March 2026', or 'marzo 2026' for a message in Spanish."""
	if not base_language(language):
		return format_date(getdate(day), "MMMM yyyy")
	try:
		return babel_format_date(getdate(day), "MMMM yyyy", locale=base_language(language))
	except Exception:  # a language babel does not know: the site's own format
		return format_date(getdate(day), "MMMM yyyy")


# A lapse and patient whose records hold every fact: the save-time check renders a manager's template through
# context() with these, so what is checked (size, segments) is what the real builder makes.
SAMPLE_LAPSE = {
	"name": "",
	"last_visit_date": "2026-03-12",
	"department": "Periodontics",
	FACTS: {
		"practitioner_name": "Maria Rivera",
		"procedure_name": "Periodic Exam",
		"appointment_type": "Hygiene Visit",
		"service_request": "Crown Prep",
		"diagnosis": "Gingivitis",
		"therapy_plan": "Physiotherapy Plan",
		"membership_status": "past due",
	},
}
SAMPLE_PATIENT = {"first_name": "Alex"}
SAMPLE_GUARDIAN = {"first_name": "Jordan"}  # the save check renders a step for parents too
SAMPLE_TOKEN = "Xy7Qk2Lm9Np4Rs6TuV8wZa"


def sample_context(settings) -> dict:
	"""The context of the save-time check: the real builder, with a sample patient's facts.

	A campaign can be saved before the public address is set (sending is refused until then, not editing): the
	link is then the engine's sample link of the same length."""
	from winback_app.settings import PublicAddressMissingError

	try:
		values = context(dict(SAMPLE_LAPSE), SAMPLE_PATIENT, settings, SAMPLE_TOKEN, guardian=SAMPLE_GUARDIAN)
	except PublicAddressMissingError:
		frappe.clear_last_message()
		values = context(
			dict(SAMPLE_LAPSE), SAMPLE_PATIENT, _OutboxView(settings), SAMPLE_TOKEN, guardian=SAMPLE_GUARDIAN
		)
	values["practice_name"] = values["practice_name"] or "Bright Smile Dental"
	values["practice_phone"] = values["practice_phone"] or "(555) 010-0100"
	return values


def preview_words(
	spec, lapse: dict, patient: dict, settings, token: str, guardian: dict | None = None
) -> list[dict]:
	"""Each step's words for this lapse and patient, as the dispatcher would render them (the patient's language
	included; a minor's words for their parent); a step that does not render says why instead. For the desk's
	"Preview the messages"."""
	from winback_app.engine import templates
	from winback_app.engine.segments import base_language

	out = []
	first_text = True
	for touch in sorted(spec.touches, key=lambda t: t.day_offset):
		template, subject, words_language = step_words(
			touch, spec.rule_kind, touch.channel, first_text, lapse, guardian
		)
		first_text = first_text and touch.channel != "SMS"
		try:
			values = context(lapse, patient, settings, token, words_language, guardian)
			body = templates.render(template, values, max_chars=templates.max_chars_for(touch.channel))
			subject = templates.render(subject, values) if subject else ""
			problem = ""
		except Exception as exc:  # a manager's template: the preview says what is wrong, never raises
			body, subject, problem = "", "", str(exc)[:300]
		out.append(
			{
				"day": touch.day_offset,
				"channel": touch.channel,
				"language": base_language(words_language) or "",
				"subject": subject,
				"body": body,
				"problem": problem,
			}
		)
	return out


class _OutboxView:
	"""The settings as the Outbox sees them: links on the site's own address (nothing leaves the site)."""

	def __init__(self, settings):
		self._settings = settings

	def __getattr__(self, name):
		if name == "sending_mode":
			return "Outbox"
		return getattr(self._settings, name)

	def get(self, name, default=None):
		return "Outbox" if name == "sending_mode" else self._settings.get(name, default)


def load_facts(lapses: list[dict]) -> None:
	"""Read the facts of these lapses' evidence and put them on each lapse dict (under FACTS).

	A fixed number of queries whatever the number of lapses: one per kind of evidence record, one for the
	appointments those records came from, one for diagnoses and therapy types, one for practitioners' names,
	one for the patients' languages.
	"""
	todo = [lapse for lapse in lapses if FACTS not in lapse and lapse.get("name")]
	if not todo:
		return
	by_doctype: dict[str, set[str]] = defaultdict(set)
	for lapse in todo:
		if lapse.get("evidence_doctype") and lapse.get("evidence_name"):
			by_doctype[lapse["evidence_doctype"]].add(lapse["evidence_name"])
	evidence: dict[tuple[str, str], dict] = {}
	for doctype, names in by_doctype.items():
		reader = _EVIDENCE_READERS.get(doctype)
		if reader:
			for name, row in reader(sorted(names)).items():
				evidence[(doctype, name)] = row
	_add_appointment_types(evidence)
	names = _practitioner_names(
		{lapse.get("practitioner") for lapse in todo} | {row.get("practitioner") for row in evidence.values()}
	)
	languages = dict(
		frappe.qb.from_(Lapse)
		.join(Patient)
		.on(Patient.name == Lapse.patient)
		.select(Lapse.name, Patient.language)
		.where(Lapse.name.isin([lapse["name"] for lapse in todo]))
		.run()
	)
	for lapse in todo:
		row = evidence.get((lapse.get("evidence_doctype"), lapse.get("evidence_name"))) or {}
		practitioner = lapse.get("practitioner") or row.get("practitioner")
		facts = {key: row.get(key) or "" for key in FACT_KEYS}
		facts["practitioner_name"] = names.get(practitioner, "")
		facts["department"] = row.get("department") or ""
		facts["language"] = languages.get(lapse["name"]) or ""
		lapse[FACTS] = facts


def _practitioner_names(ids: set) -> dict[str, str]:
	ids = sorted(i for i in ids if i)
	if not ids:
		return {}
	rows = (
		frappe.qb.from_(Practitioner)
		.select(
			Practitioner.name, Practitioner.practitioner_name, Practitioner.first_name, Practitioner.last_name
		)
		.where(Practitioner.name.isin(ids))
		.run(as_dict=True)
	)
	return {
		r.name: (r.practitioner_name or " ".join(p for p in (r.first_name, r.last_name) if p) or "").strip()
		for r in rows
	}


def _fields_by_name(table, names: list[str], fields: dict[str, str]) -> dict[str, dict]:
	"""{name: {key: value}} for these records in one query; `fields` maps each fact's key to the record's column."""
	columns = list(dict.fromkeys(fields.values()))
	rows = (
		frappe.qb.from_(table)
		.select(table.name, *(table[column] for column in columns))
		.where(table.name.isin(names))
		.run(as_dict=True)
	)
	return {r.name: {key: r[column] for key, column in fields.items()} for r in rows}


def _appointments(names: list[str]) -> dict[str, dict]:
	return _fields_by_name(
		Appointment,
		names,
		{
			"appointment_type": "appointment_type",
			"procedure_name": "procedure_template",
			"practitioner": "practitioner",
			"department": "department",
			"_therapy_plan_id": "therapy_plan",
		},
	)


def _procedures(names: list[str]) -> dict[str, dict]:
	return _fields_by_name(
		Procedure,
		names,
		{
			"procedure_name": "procedure_template",
			"practitioner": "practitioner",
			"department": "medical_department",
			"_appointment": "appointment",
		},
	)


def _encounters(names: list[str]) -> dict[str, dict]:
	found = _fields_by_name(
		Encounter,
		names,
		{
			"appointment_type": "appointment_type",
			"practitioner": "practitioner",
			"department": "medical_department",
			"_appointment": "appointment",
		},
	)
	diagnoses: dict[str, list[str]] = defaultdict(list)
	for parent, diagnosis in (
		frappe.qb.from_(EncounterDiagnosis)
		.select(EncounterDiagnosis.parent, EncounterDiagnosis.diagnosis)
		.where(EncounterDiagnosis.parenttype == "Patient Encounter")
		.where(EncounterDiagnosis.parent.isin(names))
		.orderby(EncounterDiagnosis.idx)
		.run()
	):
		if diagnosis:
			diagnoses[parent].append(diagnosis)
	for name, row in found.items():
		row["diagnosis"] = ", ".join(diagnoses.get(name, []))
	return found


def _service_requests(names: list[str]) -> dict[str, dict]:
	rows = (
		frappe.qb.from_(ServiceRequest)
		.select(
			ServiceRequest.name,
			ServiceRequest.template_dt,
			ServiceRequest.template_dn,
			ServiceRequest.order_description,
			ServiceRequest.practitioner,
			ServiceRequest.medical_department,
		)
		.where(ServiceRequest.name.isin(names))
		.run(as_dict=True)
	)
	out = {}
	for r in rows:
		ordered = r.template_dn or (r.order_description or "").strip()
		out[r.name] = {
			"service_request": ordered,
			"procedure_name": r.template_dn if r.template_dt == "Clinical Procedure Template" else "",
			"practitioner": r.practitioner,
			"department": r.medical_department,
		}
	return out


def _therapy_plans(names: list[str]) -> dict[str, dict]:
	rows = (
		frappe.qb.from_(TherapyPlan)
		.select(TherapyPlan.name, TherapyPlan.therapy_plan_template, TherapyPlan.title)
		.where(TherapyPlan.name.isin(names))
		.run(as_dict=True)
	)
	types: dict[str, list[str]] = defaultdict(list)
	for parent, therapy_type in (
		frappe.qb.from_(TherapyPlanDetail)
		.select(TherapyPlanDetail.parent, TherapyPlanDetail.therapy_type)
		.where(TherapyPlanDetail.parenttype == "Therapy Plan")
		.where(TherapyPlanDetail.parent.isin(names))
		.orderby(TherapyPlanDetail.idx)
		.run()
	):
		if therapy_type and therapy_type not in types[parent]:
			types[parent].append(therapy_type)
	return {
		r.name: {"therapy_plan": r.therapy_plan_template or ", ".join(types.get(r.name, [])) or ""}
		for r in rows
	}


def _therapy_sessions(names: list[str]) -> dict[str, dict]:
	return _fields_by_name(
		TherapySession,
		names,
		{
			"procedure_name": "therapy_type",
			"practitioner": "practitioner",
			"department": "department",
			"_appointment": "appointment",
			"_therapy_plan_id": "therapy_plan",
		},
	)


def _subscriptions(names: list[str]) -> dict[str, dict]:
	Subscription = DocType("Subscription")
	rows = (
		frappe.qb.from_(Subscription)
		.select(Subscription.name, Subscription.status)
		.where(Subscription.name.isin(names))
		.run()
	)
	return {name: {"membership_status": MEMBERSHIP_STATUS.get(status, "")} for name, status in rows}


_EVIDENCE_READERS = {
	"Patient Appointment": _appointments,
	"Clinical Procedure": _procedures,
	"Patient Encounter": _encounters,
	"Service Request": _service_requests,
	"Therapy Plan": _therapy_plans,
	"Therapy Session": _therapy_sessions,
	"Subscription": _subscriptions,
}


def _add_appointment_types(evidence: dict[tuple[str, str], dict]) -> None:
	"""A procedure or encounter made from an appointment takes that appointment's type (and what it lacks);
	an appointment made for a therapy plan names the plan. One query for all of them."""
	linked = sorted({row["_appointment"] for row in evidence.values() if row.get("_appointment")})
	appointments = _appointments(linked) if linked else {}
	plans = sorted({row["_therapy_plan_id"] for row in evidence.values() if row.get("_therapy_plan_id")})
	plan_names = _therapy_plans(plans) if plans else {}
	for row in evidence.values():
		source = appointments.get(row.get("_appointment")) or {}
		for key in ("appointment_type", "procedure_name", "practitioner", "department"):
			if not row.get(key) and source.get(key):
				row[key] = source[key]
		if row.get("_therapy_plan_id") and not row.get("therapy_plan"):
			row["therapy_plan"] = (plan_names.get(row["_therapy_plan_id"]) or {}).get("therapy_plan") or ""
