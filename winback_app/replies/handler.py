"""Inbound texts: record each once, then act on it. The webhook's two steps (api/sms.py inbound).

The webhook calls record_inbound() after the Twilio signature was checked, commits, then calls act_on().
Recording is what must never be lost: the reply row (keyed by Twilio's MessageSid, so a replayed webhook hits
the unique key and changes nothing), the conversation's Communications and the number's opt-out, opt-in or
wrong-number flag (effects.on_number). Acting is what can be redone: the lapse's pause, snooze or close
(effects.apply_to_lapse) and a person's alert and ToDo (routing.route_to_person). If acting fails, the reply is
handed to a person (needs_person) and the safety-net job (tasks.assign_waiting_replies) gives it its ToDo; a
STOP is already committed.

Understanding (engine.replies.understand) reads triage before intent, the practice's enabled answers, dates in
the patient's own calendar and the text's language; engine.reply_plan decides; the answer goes out in the
patient's language (the host Patient's `language` when it is set to one we have other than the default English,
else the text's) where a translation exists.

What the patient typed is stored inert (engine/untrusted: HTML-escaped, formula-guarded), and is never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint, get_datetime, now_datetime

from winback_app.compat import RETRYABLE
from winback_app.contacts.optouts import is_blocked
from winback_app.engine import booking_talk, replies, reply_plan, untrusted
from winback_app.engine import lifecycle as lc
from winback_app.engine.answers import reply_language
from winback_app.engine.language import decides as language_decides
from winback_app.engine.nurture import snooze_end
from winback_app.engine.phone import normalize, reply_title
from winback_app.engine.window import zone
from winback_app.infra import bulk
from winback_app.infra.clock import to_utc
from winback_app.infra.communications import Message, new_name
from winback_app.infra.communications import write as write_communications
from winback_app.infra.errors import log_error
from winback_app.infra.naming import STANDARD_COLUMNS
from winback_app.leads import talk as lead_talk
from winback_app.replies import answers, by_text, conversation, effects, faq_answers, routing
from winback_app.settings import clinic_time_zone, get_settings, phone_region

Lapse = DocType("Patient Lapse")
Patient = DocType("Patient")
Appointment = DocType("Patient Appointment")
UPCOMING = ("Scheduled", "Open", "Confirmed")
Reply = DocType("Win-Back SMS Reply")
PatientPhone = DocType("Win-Back Patient Phone")
# What the webhook writes on a reply row besides its name (the MessageSid).
REPLY_FIELDS = (
	"from_number",
	"to_number",
	"received_on",
	"body",
	"num_media",
	"patient",
	"patient_name",
	"lapse",
	"candidates",
	"intent",
	"category",
	"urgent",
	"matched",
	"choice",
	"needs_person",
	"suggested_answer",
	"language",
	"communication",
	"answer",
	"conversation",
	"appointment",
	"title",
)
MAX_BODY = 5000  # Twilio concatenates up to 1,600 characters; anything longer is kept but cut here
DATA_LENGTH = 140  # a Data column
CHOICES_VALID_FOR = timedelta(days=7)  # a 1/2/3 answers the part-of-day offer for this long


@dataclass
class Recorded:
	"""A text that is on record; what act_on() still has to do about it."""

	reply: frappe._dict  # the row as written (inert text)
	text: str  # what the patient typed, as typed: for the live alert only, never stored or logged
	plan: reply_plan.Plan
	lapse: frappe._dict | None
	answer: str | None
	time_zone: str | None = None  # the patient's, for a snooze's dates


@dataclass
class Sender:
	"""Who sent a text: the number (E.164, or the inert raw id) and the patients on it."""

	number: str
	people: dict[str, frappe._dict]  # {patient: {patient_name, language, time_zone, lapse}}
	conversation: frappe._dict | None = None  # the booking conversation with the one patient on this number
	pending: booking_talk.Pending | None = None  # the question our last text asked them, still open
	booked: str | None = None  # the appointment this text booked
	# A new-patient lead on this number (leads/talk.py): no patient yet, or a patient with no open lapse.
	lead: frappe._dict | None = None

	@property
	def patient(self) -> str | None:
		"""The one patient on the number; None when there are none or several (never guess)."""
		return next(iter(self.people)) if len(self.people) == 1 else None

	@property
	def lapse(self) -> frappe._dict | None:
		return self.people[self.patient].lapse if self.patient else None

	@property
	def texted_by(self) -> str | None:
		"""The parent's name when the one patient is a minor reached through the parent who texted."""
		return self.people[self.patient].get("texted_by") if self.patient else None

	@property
	def language(self) -> str | None:
		"""The one patient's language on the host's Patient record (None: read the text's)."""
		return self.people[self.patient].language if self.patient else None

	@property
	def time_zone(self) -> str:
		"""The one patient's time zone, else their lapse's, else the clinic's."""
		person = self.people[self.patient] if self.patient else None
		lapse = self.lapse
		return (person and person.time_zone) or (lapse and lapse.time_zone) or clinic_time_zone()


def handle_inbound(form: dict) -> str | None:
	"""Record and act in one transaction (the demo, scripts). Returns the automatic answer, or None."""
	recorded = record_inbound(form)
	if recorded is None:
		return None
	act_on(recorded)
	return recorded.answer


def record_inbound(form: dict) -> Recorded | None:
	"""Write what must survive: the reply, the conversation and any opt-out. None for a replayed webhook."""
	sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
	if not sid:
		frappe.throw(_("A text without a message id cannot be recorded."), frappe.ValidationError)
	body = (form.get("Body") or "")[:MAX_BODY]
	sender = identify(form.get("From") or "")
	understood, plan = understand(body, sender)
	language = reply_language(sender.language, understood.language)
	if sender.pending is not None and not language_decides(body):
		# "1" after times offered in Spanish is answered in Spanish: a reply that names no language continues the
		# conversation in the language it was going on in.
		language = conversation_language(sender) or language
	# The answer is worked out before the reply row is written, so the row is written once, whole. The only
	# write it may make (a first booking link for a lapse that never had one) is undone below on a replay.
	frappe.db.savepoint("winback_inbound")
	# A new-patient lead's reply is noted, and a "C" confirms the first appointment we asked about (leads/talk.py).
	confirmed = lead_talk.before_answer(body, sender, now_datetime(), language)
	answer, plan = confirmed or answer_or_person(plan, sender, understood, language, sid)
	reply = reply_row(sid, form, body, sender, understood, plan, answer, language)
	if not record_reply(reply):
		frappe.db.rollback(save_point="winback_inbound")
		return None  # Twilio retried a webhook we already recorded: nothing more to do
	# The patient's text and our answer are on the timeline before anything refers to them (an opt-out
	# records which message asked for it). Communications take plain text: write() stores it escaped.
	messages = [
		conversation_message(reply, "Received", body, sender.lapse, reply.communication, sender.texted_by)
	]
	if answer:
		messages.append(conversation_message(reply, "Sent", answer, sender.lapse))
	write_communications(messages)
	effects.on_number(
		plan, sender.number, patient=sender.patient, words=body, communication=reply.communication
	)
	return Recorded(
		reply=reply, text=body, plan=plan, lapse=sender.lapse, answer=answer, time_zone=sender.time_zone
	)


def conversation_language(sender: Sender) -> str | None:
	"""The language we answered this number's last text in (one indexed query), None when there is none."""
	last = (
		frappe.qb.from_(Reply)
		.select(Reply.language)
		.where(Reply.from_number == sender.number)
		.orderby(Reply.received_on, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return last[0] if last and last[0] else None


def identify(raw_sender: str) -> Sender:
	"""The sender's number and the patients on it (none for an id that is not a number we could text)."""
	number = normalize(raw_sender, phone_region()) or untrusted.as_text(raw_sender[:40], 40)
	sender = Sender(number, who_texted(number) if number.startswith("+") else {})
	if number.startswith("+") and (not sender.people or (sender.patient and not sender.lapse)):
		sender.lead = lead_talk.lead_on(number, sender.patient)
	return sender


def understand(body: str, sender: Sender) -> tuple[replies.Understanding, reply_plan.Plan]:
	"""What the text means (engine.replies: triage first, the practice's answers, dates in the patient's
	calendar, the question our last text asked) and what to do about it (engine.reply_plan).

	The pending question (replies/conversation.py) is read only for the one patient on a number that is not
	opted out: a family number or an opted-out number never converses automatically."""
	lapse = sender.lapse
	now = now_datetime()
	opted_out = is_blocked(sender.number) == "Opted Out"
	if sender.patient and not opted_out:
		sender.conversation = conversation.find(sender.patient, sender.number)
		sender.pending = conversation.pending(sender.conversation, now, lapse.name if lapse else None)
		if (
			sender.pending is None
			and lapse
			and lapse.choices_offered_on
			and get_datetime(lapse.choices_offered_on) > now - CHOICES_VALID_FOR
		):
			# Offered before conversations were kept: the link's "reply 1, 2 or 3".
			sender.pending = booking_talk.Pending(booking_talk.PARTS)
		if sender.pending is None and lapse is None and has_upcoming_appointment(sender.patient, now):
			# Booked (on the page, at the desk) with no win-back open: the text is about that appointment, as
			# after a booking by text ("thanks, see you then" needs nobody; "I can't make it" reaches a person).
			sender.pending = booking_talk.Pending(booking_talk.BOOKED)
	elif sender.lead and not opted_out:
		sender.conversation = conversation.find(None, sender.number, sender.lead.name)
		sender.pending = conversation.pending(sender.conversation, now, None)
	understood = replies.understand(
		body,
		opted_out=opted_out,
		faq=practice_answers(),
		now=to_utc(now),
		tz=sender.time_zone,
		pending=sender.pending,
	)
	plan = reply_plan.plan(
		understood,
		# A lead converses as the one person on the number, with the lead in place of a lapse.
		matched_patients=len(sender.people) or (1 if sender.lead else 0),
		has_lapse=bool(lapse or sender.lead),
		number_opted_out=opted_out,
		has_hours=bool((get_settings().get("practice_hours") or "").strip()),
		pending=sender.pending,
		with_person=bool(sender.conversation and sender.conversation.status == "With a person"),
	)
	return understood, plan


def has_upcoming_appointment(patient: str, now) -> bool:
	"""The patient has an appointment from today on that is still on (one indexed query)."""
	return bool(
		frappe.qb.from_(Appointment)
		.select(Appointment.name)
		.where(Appointment.patient == patient)
		.where(Appointment.appointment_date >= now.date())
		.where(Appointment.status.isin(UPCOMING))
		.limit(1)
		.run()
	)


def practice_answers():
	"""The enabled answers to common questions; none when they cannot be read (the text then reaches a person:
	a failure here must never cost the record of a text, least of all a STOP)."""
	try:
		return faq_answers.enabled_index()
	except Exception as exc:
		log_error("Win-back: the practice's answers could not be read", exc, doctype="Win-Back Answer")
		return None


def answer_or_person(
	plan: reply_plan.Plan, sender: Sender, understood: replies.Understanding, language: str, sid: str
) -> tuple[str | None, reply_plan.Plan]:
	"""The automatic answer; when it cannot be worked out, no answer and a person instead.

	A booking conversation's step (offer times, book the one picked) happens here, inside the text's record:
	a replayed webhook rolls it back with the rest, and the answer Twilio gets is the one recorded."""
	try:
		now = now_datetime()
		if plan.book or plan.offer is not None:
			outcome = by_text.step(plan, sender, language, now, sender.pending)
			sender.booked = outcome.appointment
			plan = outcome.plan
			text = outcome.answer
		else:
			pause_ends = None
			if plan.answer == reply_plan.ANSWER_SNOOZED_UNTIL:
				today = to_utc(now).astimezone(zone(sender.time_zone)).date()
				pause_ends = snooze_end(plan.snooze_until, today, None)
			text = answers.answer_text(
				plan.answer, sender.lapse, understood, language=language, pause_ends=pause_ends
			)
			if plan.offers_choices and sender.patient:
				conversation.ask(
					patient=sender.patient,
					phone=sender.number,
					lapse=sender.lapse.name if sender.lapse else None,
					kind=booking_talk.PARTS,
					now=now,
				)
		if plan.needs_person and sender.conversation:
			conversation.to_person(
				sender.patient, sender.number, now, sender.lead.name if sender.lead else None
			)
		return text, plan
	except RETRYABLE:
		raise  # the database ended the transaction: the webhook records the text again from the start
	except Exception as exc:
		# No answer (a settings problem, say) must not cost the record of the text, least of all a STOP.
		frappe.db.rollback(save_point="winback_inbound")
		log_error("Win-back: automatic answer to a text failed", exc, doctype="Win-Back SMS Reply", name=sid)
		return None, replace(plan, answer=None, book=None, offer=None, needs_person=True)


def reply_row(
	sid: str,
	form: dict,
	body: str,
	sender: Sender,
	understood: replies.Understanding,
	plan: reply_plan.Plan,
	answer: str | None,
	language: str,
) -> frappe._dict:
	"""The reply as it is stored: every text the patient or Twilio chose made inert."""
	patient, lapse = sender.patient, sender.lapse
	return frappe._dict(
		name=sid,
		from_number=sender.number,
		to_number=untrusted.as_text((form.get("To") or "")[:40], 40),
		received_on=now_datetime(),
		body=untrusted.as_text(body),
		num_media=cint(form.get("NumMedia")),
		patient=patient,
		patient_name=untrusted.formula_guard(sender.people[patient].patient_name) if patient else None,
		lapse=lapse.name if lapse else None,
		candidates="\n".join(sender.people) if len(sender.people) > 1 else None,
		intent=understood.intent.kind,
		category=plan.category,
		urgent=int(plan.urgent),
		matched=untrusted.as_text(understood.matched or understood.intent.matched, DATA_LENGTH),
		# The number picked: a part of the day (1/2/3) or one of the times offered, as staff read the reply.
		choice=int(plan.book.label) if plan.book and plan.book.label.isdigit() else understood.choice or 0,
		needs_person=int(plan.needs_person),
		suggested_answer=plan.suggested_answer if plan.needs_person else None,
		language=language,
		communication=new_name(),
		answer=answer,
		conversation=_conversation_name(sender),
		appointment=sender.booked or conversation.booked_until(sender.conversation),
		title=reply_title(plan.category, sender.number),
	)


def _conversation_name(sender: Sender) -> str | None:
	if sender.conversation:
		return sender.conversation.name
	if sender.patient and (sender.booked or sender.pending):
		return frappe.db.get_value(
			"Win-Back Conversation", {"patient": sender.patient, "phone": sender.number}, "name"
		)
	return None


def act_on(recorded: Recorded) -> None:
	"""The lapse's pause, snooze or close, and a person's alert and ToDo when the text needs one."""
	if recorded.lapse:
		effects.apply_to_lapse(recorded.lapse.name, recorded.plan, time_zone=recorded.time_zone)
	if recorded.plan.needs_person:
		routing.route_to_person(recorded.reply, recorded.text, recorded.plan)


def hand_to_person(reply: str) -> None:
	"""Acting on this recorded text failed: a person takes it (the safety-net job gives them the ToDo)."""
	frappe.qb.update(Reply).set(Reply.needs_person, 1).where(Reply.name == reply).run()


def record_reply(reply: frappe._dict) -> bool:
	"""Insert the reply row, named by its MessageSid. False when that message was recorded already."""
	now, user = reply.received_on, frappe.session.user
	fields = [f for f in REPLY_FIELDS if reply.get(f) is not None]
	try:
		bulk.insert(
			"Win-Back SMS Reply",
			[*STANDARD_COLUMNS, "message_sid", *fields],
			[(reply.name, now, now, user, user, 0, reply.name, *(reply[f] for f in fields))],
		)
	except Exception as exc:
		if frappe.db.is_primary_key_violation(exc) or frappe.db.is_unique_key_violation(exc):
			return False
		raise
	return True


# What a reply needs of a lapse, selected with the patients on a number.
LAPSE_COLUMNS = (
	Lapse.name.as_("lapse"),
	Lapse.choices_offered_on,
	Lapse.booking_token_encrypted,
	Lapse.detected_on,
	Lapse.time_zone.as_("lapse_time_zone"),
)


def keep_newest_lapse(person: frappe._dict, row, **extra) -> None:
	"""The person's lapse is the newest active one among the rows read for them."""
	if person.lapse is None or row.detected_on > person.lapse.detected_on:
		person.lapse = frappe._dict(
			name=row.lapse,
			choices_offered_on=row.choices_offered_on,
			booking_token_encrypted=row.booking_token_encrypted,
			detected_on=row.detected_on,
			time_zone=row.lapse_time_zone,
			**extra,
		)


def who_texted(e164: str) -> dict[str, frappe._dict]:
	"""The patients on this number, each with their name and newest active lapse (or None): one query."""
	rows = (
		frappe.qb.from_(PatientPhone)
		.join(Patient)
		.on(Patient.name == PatientPhone.patient)
		.left_join(Lapse)
		.on((Lapse.patient == PatientPhone.patient) & Lapse.status.isin(lc.ACTIVE))
		.select(
			PatientPhone.patient,
			Patient.patient_name,
			Patient.language,
			Patient.winback_time_zone,
			*LAPSE_COLUMNS,
		)
		.where(PatientPhone.phone == e164)
		.orderby(PatientPhone.patient)
		.run(as_dict=True)
	)
	people: dict[str, frappe._dict] = {}
	for row in rows:
		person = people.setdefault(
			row.patient,
			frappe._dict(
				patient_name=row.patient_name,
				language=row.language,
				time_zone=row.winback_time_zone,
				lapse=None,
			),
		)
		if row.lapse:
			keep_newest_lapse(person, row)
	if people:
		people = with_children_reached(people)
	return people


def with_children_reached(people: dict[str, frappe._dict]) -> dict[str, frappe._dict]:
	"""A parent's text about the minor reached through them (Patient Lapse.guardian) is the child's: the child's
	active lapse joins the people on the number, speaking the parent's language and time (a child whose win-back
	ended in an appointment still ahead joins without a lapse: the text is about that appointment). The parent, when they
	have no win-back of their own, steps aside, so a parent with one child in a win-back answers for that child
	(the reply, a "not now", a STOP's lapse, a booking by text are the child's). Two children, or a parent with a
	win-back of their own, make several people on the number: a person decides, as for any family number."""
	rows = (
		frappe.qb.from_(Lapse)
		.join(Patient)
		.on(Patient.name == Lapse.patient)
		.select(
			Lapse.guardian,
			Lapse.patient,
			Lapse.status,
			Patient.patient_name,
			*LAPSE_COLUMNS,
		)
		.left_join(Appointment)
		.on(Appointment.name == Lapse.booked_appointment)
		.where(Lapse.guardian.isin(sorted(people)))
		.where(
			Lapse.status.isin(lc.ACTIVE)
			# booked by text or on the page and still ahead: the parent's "thanks" or "can't make it" is about it
			| (
				(Lapse.status == lc.BOOKED)
				& (Appointment.appointment_date >= now_datetime().date())
				& Appointment.status.isin(UPCOMING)
			)
		)
		.orderby(Lapse.patient)
		.run(as_dict=True)
	)
	if not rows:
		return people
	parents = {row.guardian for row in rows}
	for row in rows:
		parent = people[row.guardian]
		child = people.setdefault(
			row.patient,
			frappe._dict(patient_name=row.patient_name, language=None, time_zone=None, lapse=None),
		)
		child.language = parent.language
		child.time_zone = parent.time_zone
		child.texted_by = parent.patient_name
		if row.status in lc.ACTIVE:
			keep_newest_lapse(child, row, guardian=row.guardian)
	return {
		patient: person
		for patient, person in people.items()
		if not (patient in parents and person.lapse is None)
	}


def conversation_message(
	reply, direction: str, text: str, lapse, name: str = "", texted_by: str | None = None
) -> Message:
	"""The patient's text or our answer, as a Communication on the patient's timeline and the lapse.
	texted_by: who wrote a received text when it was not the patient (a parent answering for a child)."""
	return Message(
		name=name,
		subject=(_("Text message from parent") if texted_by else _("Text message from patient"))
		if direction == "Received"
		else _("Automatic answer"),
		medium="SMS",
		direction=direction,
		content=text or _("(no text: {0} attachment(s))").format(reply.num_media),
		phone_no=reply.from_number,
		reference_doctype="Patient Lapse" if lapse else "Win-Back SMS Reply",
		reference_name=lapse.name if lapse else reply.name,
		seen=0 if direction == "Received" else 1,
		patient=reply.patient,
		patient_title=reply.patient_name,
		sender_name=(texted_by or reply.patient_name or reply.from_number)
		if direction == "Received"
		else None,
		# A text about an appointment booked by text is on that appointment's timeline too.
		also_on=(("Patient Appointment", reply.appointment),) if reply.get("appointment") else (),
	)
