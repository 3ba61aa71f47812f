"""The booking conversation with one patient on one number: what we last asked, and the times we offered.

A Win-Back Conversation row per patient and number (unique). Every outbound text that asks a question writes
its pending question when it leaves: a cadence touch that offers 1/2/3, "A" or "reply with a day"
(register_questions, from the dispatcher's chunk, set-based), and an automatic answer that offers concrete times
or one time to confirm (ask, from the webhook). The next text from that patient on that number is read against
it (pending): a "2" means the second time offered, not the afternoon. Offers expire (engine.booking_talk:
OPTIONS_VALID_FOR for concrete times, QUESTION_VALID_FOR for a cadence question); an expired offer is re-offered
with the same wishes, never booked. A booking leaves the conversation on "Booked", about its appointment: what
the patient writes next ("can't make it") reaches a person with the appointment linked.
"""

from __future__ import annotations

import json
from datetime import datetime

import frappe
from frappe.query_builder import DocType
from frappe.utils import get_datetime, getdate

from winback_app.engine import booking_talk as talk
from winback_app.infra import bulk
from winback_app.infra.naming import STANDARD_COLUMNS

CONVERSATION = "Win-Back Conversation"
OFFERED = "Win-Back Offered Time"
Conversation = DocType(CONVERSATION)
Offered = DocType(OFFERED)

# The engine's pending kinds, as staff read them in the desk (the Select's options).
LABELS = {
	talk.PARTS: "Part of day",
	talk.NEXT: "Next available",
	talk.DAY: "A day",
	talk.OPTIONS: "One of the times",
	talk.CONFIRM: "Yes to the time",
	talk.BOOKED: "Booked",
}
KINDS = {label: kind for kind, label in LABELS.items()}
CONCRETE = (talk.OPTIONS, talk.CONFIRM)


def find(patient: str | None, phone: str, lead: str | None = None) -> frappe._dict | None:
	"""The conversation with this patient (or, before they are a patient, this new-patient lead) on this number,
	with the times offered (two queries at most)."""
	Appointment = DocType("Patient Appointment")
	rows = (
		frappe.qb.from_(Conversation)
		.left_join(Appointment)
		.on(Appointment.name == Conversation.appointment)
		.select(
			Appointment.appointment_date,
			Appointment.appointment_time,
			Appointment.practitioner.as_("appointment_practitioner"),
			Appointment.status.as_("appointment_status"),
			Conversation.name,
			Conversation.lapse,
			Conversation.status,
			Conversation.pending,
			Conversation.asked_on,
			Conversation.rounds,
			Conversation.appointment,
			Conversation.wish,
			Conversation.refused,
		)
		.where(_whose(patient, lead) & (Conversation.phone == phone))
		.limit(1)
		.run(as_dict=True)
	)
	if not rows:
		return None
	row = rows[0]
	row.options = []
	if KINDS.get(row.pending) == talk.BOOKED and row.appointment_date and row.appointment_time is not None:
		# What "see you Thursday" is checked against: the booked appointment's day and time.
		row.options = [
			talk.Offered(
				label="1",
				practitioner=row.appointment_practitioner or "",
				practitioner_name="",
				service_unit=None,
				start=get_datetime(f"{row.appointment_date} {row.appointment_time}"),
				minutes=0,
			)
		]
	if KINDS.get(row.pending) in CONCRETE:
		row.options = [
			talk.Offered(
				label=o.label,
				practitioner=o.practitioner,
				practitioner_name=o.practitioner_name or "",
				service_unit=o.service_unit or None,
				start=get_datetime(o.start),
				minutes=o.minutes or 0,
			)
			for o in (
				frappe.qb.from_(Offered)
				.select(
					Offered.label,
					Offered.practitioner,
					Offered.practitioner_name,
					Offered.service_unit,
					Offered.start,
					Offered.minutes,
				)
				.where((Offered.parent == row.name) & (Offered.parenttype == CONVERSATION))
				.orderby(Offered.idx)
				.run(as_dict=True)
			)
		]
	return row


def pending(row: frappe._dict | None, now: datetime, lapse: str | None) -> talk.Pending | None:
	"""The question the patient's next text answers, or None (nothing asked, or asked too long ago).

	Concrete times older than OPTIONS_VALID_FOR come back marked expired (re-offered, never booked); a cadence
	question older than QUESTION_VALID_FOR, or asked about another lapse than the open one, is forgotten. A
	booked conversation stays about its appointment until the day after it."""
	if not row or not row.pending or row.status in ("With a person", "Closed"):
		return None
	kind = KINDS.get(row.pending)
	if kind is None:
		return None
	asked = get_datetime(row.asked_on) if row.asked_on else None
	wish = wish_of(row.wish)
	if kind == talk.BOOKED:
		# About its appointment until the day after it (a cancelled one is a person's matter already).
		if not row.appointment_date or getdate(row.appointment_date) < getdate(now):
			return None
		return talk.Pending(kind, options=tuple(row.get("options") or ()), rounds=row.rounds or 0)
	if not asked or (lapse and row.lapse and row.lapse != lapse):
		return None
	if kind in CONCRETE:
		expired = now - asked > talk.OPTIONS_VALID_FOR
		return talk.Pending(
			kind, options=tuple(row.options), wish=wish, expired=expired, rounds=row.rounds or 0
		)
	if now - asked > talk.QUESTION_VALID_FOR:
		return None
	return talk.Pending(kind, wish=wish, rounds=row.rounds or 0)


def refused_of(stored: str | None) -> list[str]:
	"""The starts (ISO) the patient turned down in this conversation."""
	try:
		return [str(x) for x in json.loads(stored)] if stored else []
	except (ValueError, TypeError):
		return []


def refused_starts(row: frappe._dict | None) -> tuple[datetime, ...]:
	return tuple(get_datetime(x) for x in refused_of(row.refused)) if row else ()


def wish_of(stored: str | None) -> talk.Wish:
	try:
		return talk.Wish.from_dict(json.loads(stored)) if stored else talk.Wish()
	except (ValueError, TypeError, KeyError):
		return talk.Wish()


def ask(
	*,
	patient: str | None,
	phone: str,
	lapse: str | None,
	kind: str,
	now: datetime,
	options: tuple[talk.Offered, ...] = (),
	wish: talk.Wish | None = None,
	new_round: bool = False,
	appointment: str | None = None,
	lead: str | None = None,
	refused: tuple[datetime, ...] = (),
) -> str:
	"""Record the question our answer asks (or the booking it made). Returns the conversation's name. A new-patient
	lead's conversation (lead, no patient yet) becomes the patient's once booking made one."""
	doc = _doc(patient, phone, lead)
	doc.lapse = lapse or doc.lapse
	doc.patient = patient or doc.patient
	doc.lead = lead or doc.lead
	doc.pending = LABELS[kind]
	doc.asked_on = now
	doc.last_message_on = now
	doc.status = "Booked" if kind == talk.BOOKED else "Open"
	if appointment:
		doc.appointment = appointment
	if wish is not None:
		doc.wish = json.dumps(wish.to_dict(), sort_keys=True)
	if new_round:
		doc.rounds = (doc.rounds or 0) + 1
	if refused:
		doc.refused = json.dumps(sorted({*refused_of(doc.refused), *(r.isoformat() for r in refused)}))
	if kind == talk.BOOKED:
		doc.rounds = 0
		doc.refused = None
	doc.set(
		"offered",
		[
			{
				"label": o.label,
				"start": o.start,
				"minutes": o.minutes,
				"practitioner": o.practitioner,
				"practitioner_name": (o.practitioner_name or "")[:140],
				"service_unit": o.service_unit,
			}
			for o in options
		],
	)
	doc.flags.ignore_permissions = True
	# Written by the app from records it just read: a lapse or appointment deleted since (a merge, a cleanup)
	# must not make the patient's next text fail.
	doc.flags.ignore_links = True
	doc.save() if not doc.is_new() else doc.insert()
	return doc.name


def to_person(patient: str | None, phone: str, now: datetime, lead: str | None = None) -> None:
	"""A person has the conversation now: nothing pending is answered automatically until we ask again."""
	frappe.qb.update(Conversation).set(Conversation.status, "With a person").set(
		Conversation.last_message_on, now
	).where(_whose(patient, lead) & (Conversation.phone == phone)).run()


def _whose(patient: str | None, lead: str | None):
	return Conversation.patient == patient if patient else Conversation.lead == (lead or "")


def _doc(patient: str | None, phone: str, lead: str | None = None):
	name = (patient and frappe.db.get_value(CONVERSATION, {"patient": patient, "phone": phone}, "name")) or (
		lead and frappe.db.get_value(CONVERSATION, {"lead": lead, "phone": phone}, "name")
	)
	if name:
		return frappe.get_doc(CONVERSATION, name, for_update=True)
	return frappe.get_doc(
		{"doctype": CONVERSATION, "patient": patient, "lead": lead, "phone": phone, "rounds": 0}
	)


def register_questions(asked: list[tuple[str, str, str | None, str]], now: datetime) -> int:
	"""The cadence texts that just left ask a question: (patient, number, lapse, kind) each. Set-based: one read,
	one insert of the new conversations, one update and one delete of old offers for the others. Each starts a
	fresh exchange (no rounds spent, no times offered). Returns conversations written."""
	latest: dict[tuple[str, str], tuple[str | None, str]] = {}
	for patient, phone, lapse, kind in asked:
		if patient and phone and kind in LABELS:
			latest[(patient, phone)] = (lapse, kind)
	if not latest:
		return 0
	patients = sorted({p for p, _ in latest})
	existing = {
		(row.patient, row.phone): row.name
		for row in frappe.qb.from_(Conversation)
		.select(Conversation.name, Conversation.patient, Conversation.phone)
		.where(Conversation.patient.isin(patients))
		.run(as_dict=True)
	}
	updates, new_rows = {}, []
	user = frappe.session.user
	for key, (lapse, kind) in latest.items():
		values = {
			"lapse": lapse,
			"pending": LABELS[kind],
			"asked_on": now,
			"last_message_on": now,
			"status": "Open",
			"rounds": 0,
			"wish": None,
			"appointment": None,
			"refused": None,
		}
		if key in existing:
			updates[existing[key]] = values
		else:
			name = frappe.generate_hash(length=10)
			patient_name = None
			new_rows.append((name, now, now, user, user, 0, key[0], key[1], *values.values(), patient_name))
	if new_rows:
		names = {row[6] for row in new_rows}
		titles = dict(
			frappe.qb.from_(DocType("Patient"))
			.select(DocType("Patient").name, DocType("Patient").patient_name)
			.where(DocType("Patient").name.isin(sorted(names)))
			.run()
		)
		new_rows = [(*row[:-1], titles.get(row[6])) for row in new_rows]
		bulk.insert(
			CONVERSATION,
			[*STANDARD_COLUMNS, "patient", "phone", *values.keys(), "patient_name"],
			new_rows,
			ignore_duplicates=True,
		)
	if updates:
		frappe.qb.from_(Offered).delete().where(
			(Offered.parenttype == CONVERSATION) & Offered.parent.isin(sorted(updates))
		).run()
		bulk.update_dicts(CONVERSATION, updates)
	return len(latest)


def booked_until(row: frappe._dict | None) -> str | None:
	"""The appointment a booked conversation is about (for the reply row and the person who reads it)."""
	if row and KINDS.get(row.pending) == talk.BOOKED and row.appointment:
		return row.appointment
	return None
