"""Inbound texts: record once, understand, act within the request, and put a person on it when needed.

The webhook (api/sms.py) calls record_inbound() after the Twilio signature was checked, commits, then calls
act_on(). Recording is what must never be lost: the reply row (keyed by Twilio's MessageSid, so a replayed
webhook hits the unique key and changes nothing), the conversation's Communications and the number's opt-out,
opt-in or wrong-number flag. Acting is what can be redone: the lapse's pause, snooze or close and the person's
alert and ToDo. If acting fails, the reply is handed to a person (needs_person), and the safety-net job
(tasks.assign_waiting_replies) gives it its ToDo; a STOP is already committed.

What the patient typed is stored inert (engine/untrusted: HTML-escaped, formula-guarded), and is never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_days, cint, get_datetime, now_datetime

from winback_app import bulk
from winback_app.communications import Message, new_name
from winback_app.communications import write as write_communications
from winback_app.engine import inbox, replies, untrusted
from winback_app.engine import lifecycle as lc
from winback_app.engine.phone import normalize
from winback_app.errors import log_error
from winback_app.lapses import lifecycle
from winback_app.naming import STANDARD_COLUMNS
from winback_app.optouts import allow_number, block_number, is_blocked
from winback_app.settings import get_settings, phone_region

Lapse = DocType("Patient Lapse")
Patient = DocType("Patient")
Reply = DocType("Win-Back SMS Reply")
ToDo = DocType("ToDo")
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
	"matched",
	"choice",
	"needs_person",
	"communication",
	"answer",
)
MAX_BODY = 5000  # Twilio concatenates up to 1,600 characters; anything longer is kept but cut here
DATA_LENGTH = 140  # a Data column


@dataclass
class Recorded:
	"""A text that is on record; what act_on() still has to do about it."""

	reply: frappe._dict  # the row as written (inert text)
	text: str  # what the patient typed, as typed: for the live alert only, never stored or logged
	plan: inbox.Plan
	lapse: frappe._dict | None
	answer: str | None


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
	raw_sender = form.get("From") or ""
	sender = normalize(raw_sender, phone_region()) or untrusted.as_text(raw_sender[:40], 40)
	people = who_texted(sender) if sender.startswith("+") else {}
	patients = list(people)
	patient = patients[0] if len(patients) == 1 else None
	lapse = people[patient].lapse if patient else None

	offered = (
		3
		if lapse
		and lapse.choices_offered_on
		and get_datetime(lapse.choices_offered_on) > now_datetime() - timedelta(days=7)
		else 0
	)
	opted_out = is_blocked(sender) == "Opted Out"
	intent = replies.classify(body, offered_choices=offered, opted_out=opted_out)
	plan = inbox.plan(
		intent, matched_patients=len(patients), has_lapse=bool(lapse), number_opted_out=opted_out
	)
	# The answer is worked out before the reply row is written, so the row is written once, whole. The only
	# write it may make (a first booking link for a lapse that never had one) is undone below on a replay.
	frappe.db.savepoint("winback_inbound")
	try:
		answer = answer_text(plan.answer, lapse, intent)
	except Exception as exc:
		# No answer (a settings problem, say) must not cost the record of the text, least of all a STOP.
		frappe.db.rollback(save_point="winback_inbound")
		log_error("Win-back: automatic answer to a text failed", exc, doctype="Win-Back SMS Reply", name=sid)
		answer = None
		plan = _with_person(plan)
	reply = frappe._dict(
		name=sid,
		from_number=sender,
		to_number=untrusted.as_text((form.get("To") or "")[:40], 40),
		received_on=now_datetime(),
		body=untrusted.as_text(body),
		num_media=cint(form.get("NumMedia")),
		patient=patient,
		patient_name=untrusted.formula_guard(people[patient].patient_name) if patient else None,
		lapse=lapse.name if lapse else None,
		candidates="\n".join(patients) if len(patients) > 1 else None,
		intent=intent.kind,
		matched=untrusted.as_text(intent.matched, DATA_LENGTH),
		choice=intent.choice or 0,
		needs_person=int(plan.needs_person),
		communication=new_name(),
		answer=answer,
	)
	if not record_reply(reply):
		frappe.db.rollback(save_point="winback_inbound")
		return None  # Twilio retried a webhook we already recorded: nothing more to do
	# The patient's text and our answer are on the timeline before anything refers to them (an opt-out
	# records which message asked for it). Communications take plain text: write() stores it escaped.
	messages = [conversation_message(reply, "Received", body, lapse, reply.communication)]
	if answer:
		messages.append(conversation_message(reply, "Sent", answer, lapse))
	write_communications(messages)

	if plan.opt_out:
		block_number(
			sender,
			"Opted Out",
			source="Reply",
			patient=patient,
			words=body,
			communication=reply.communication,
		)
	if plan.opt_in:
		allow_number(sender, source="Reply")
	if plan.flag_wrong_number:
		block_number(
			sender,
			"Wrong Number",
			source="Reply",
			patient=patient,
			words=body,
			communication=reply.communication,
		)
	return Recorded(reply=reply, text=body, plan=plan, lapse=lapse, answer=answer)


def act_on(recorded: Recorded) -> None:
	"""The lapse's pause, snooze or close, and a person's alert and ToDo when the text needs one."""
	if recorded.lapse:
		apply_to_lapse(recorded.lapse.name, recorded.plan)
	if recorded.plan.needs_person:
		route_to_person(recorded.reply, recorded.text)


def hand_to_person(reply: str) -> None:
	"""Acting on this recorded text failed: a person takes it (the safety-net job gives them the ToDo)."""
	frappe.qb.update(Reply).set(Reply.needs_person, 1).where(Reply.name == reply).run()


def _with_person(plan: inbox.Plan) -> inbox.Plan:
	return replace(plan, answer=None, needs_person=True)


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


def who_texted(e164: str) -> dict[str, frappe._dict]:
	"""The patients on this number, each with their name and newest open lapse (or None): one query."""
	rows = (
		frappe.qb.from_(PatientPhone)
		.join(Patient)
		.on(Patient.name == PatientPhone.patient)
		.left_join(Lapse)
		.on((Lapse.patient == PatientPhone.patient) & Lapse.status.isin(lc.ACTIVE))
		.select(
			PatientPhone.patient,
			Patient.patient_name,
			Lapse.name.as_("lapse"),
			Lapse.choices_offered_on,
			Lapse.booking_token_encrypted,
			Lapse.detected_on,
		)
		.where(PatientPhone.phone == e164)
		.orderby(PatientPhone.patient)
		.run(as_dict=True)
	)
	people: dict[str, frappe._dict] = {}
	for row in rows:
		person = people.setdefault(row.patient, frappe._dict(patient_name=row.patient_name, lapse=None))
		if row.lapse and (person.lapse is None or row.detected_on > person.lapse.detected_on):
			person.lapse = frappe._dict(
				name=row.lapse,
				choices_offered_on=row.choices_offered_on,
				booking_token_encrypted=row.booking_token_encrypted,
				detected_on=row.detected_on,
			)
	return people


def apply_to_lapse(lapse: str, plan: inbox.Plan) -> None:
	"""The reply's mark on its lapse: when it came, a snooze, a reason for leaving; the status through the
	lifecycle (Replied when a person must answer, Closed when the patient is leaving)."""
	settings = get_settings()
	now = now_datetime()
	values: dict = {"replied_on": now}
	if plan.snooze:
		values["snoozed_until"] = add_days(now, cint(settings.snooze_days) or 30)
	if plan.leave_reason:
		values["leave_reason"] = plan.leave_reason
	if plan.answer == inbox.ANSWER_BOOKING_LINK:
		values["choices_offered_on"] = now
	if plan.close:
		reason = _("Patient replied: {0}").format(plan.leave_reason or _("wrong number"))
		lifecycle.close([lapse], reason, values=values, cancel_reason="Patient replied")
	elif plan.pause:
		lifecycle.reply([lapse], values)
	else:
		frappe.db.set_value("Patient Lapse", lapse, values)  # no change of status: a snooze, say


def answer_text(key: str | None, lapse, intent: replies.Intent) -> str | None:
	if not key:
		return None
	settings = get_settings()
	practice = settings.practice_name or _("your clinic")
	link = booking_link(lapse) if lapse else ""
	parts = {1: _("morning"), 2: _("afternoon"), 3: _("evening")}
	texts = {
		inbox.ANSWER_OPTED_OUT: _(
			"{0}: you're unsubscribed and won't get more texts from us. Reply START to resume."
		).format(practice),
		inbox.ANSWER_RESUBSCRIBED: _("{0}: you'll get our texts again. Reply STOP to opt out.").format(
			practice
		),
		inbox.ANSWER_HELP: _("{0}: questions? Call us at {1}. Reply STOP to opt out.").format(
			practice, settings.practice_phone or ""
		),
		inbox.ANSWER_BOOKING_LINK: _(
			"Wonderful! Pick a time here: {0} Or reply 1 for a morning, 2 afternoon or 3 evening."
		).format(link),
		inbox.ANSWER_SLOTS: slots_text(link, parts.get(intent.choice, ""), intent.choice),
		inbox.ANSWER_SNOOZED: _("No problem, we'll check in later. Reply STOP to opt out."),
		inbox.ANSWER_WRONG_NUMBER: _("Sorry for the mix-up. We've removed this number from our list."),
		inbox.ANSWER_THANKS: _("Thanks! Someone from {0} will text you back shortly.").format(practice),
	}
	return texts[key].strip()


def slots_text(link: str, part_label: str, choice: int | None) -> str:
	"""The first free times in the part of the day the patient chose, and the link to book one."""
	from frappe.utils import format_time

	from winback_app.booking.service import BookingProblem, lapse_for_token, offer
	from winback_app.engine.slots import choice_parts

	times = []
	try:
		part = choice_parts()[(choice or 1) - 1]
		for slot in offer(lapse_for_token(link.rsplit("/", 1)[-1]), part)[:3]:
			times.append(f"{slot.start.strftime('%a %d %b')} {format_time(slot.start.time(), 'h:mm a')}")
	except (BookingProblem, IndexError):
		times = []
	if not times:
		return _("No {0} times are free online just now. See all times here: {1}").format(part_label, link)
	return _("Free {0} times: {1}. Book here: {2}").format(part_label, ", ".join(times), link)


def booking_link(lapse) -> str:
	from winback_app.dispatch.render import booking_base_url, booking_token

	settings = get_settings()
	return f"{booking_base_url(settings)}/book/{booking_token(lapse, settings)}"


def conversation_message(reply, direction: str, text: str, lapse, name: str = "") -> Message:
	"""The patient's text or our answer, as a Communication on the patient's timeline and the lapse."""
	return Message(
		name=name,
		subject=_("Text message from patient") if direction == "Received" else _("Automatic answer"),
		medium="SMS",
		direction=direction,
		content=text or _("(no text: {0} attachment(s))").format(reply.num_media),
		phone_no=reply.from_number,
		reference_doctype="Patient Lapse" if lapse else "Win-Back SMS Reply",
		reference_name=lapse.name if lapse else reply.name,
		seen=0 if direction == "Received" else 1,
		patient=reply.patient,
		patient_title=reply.patient_name,
	)


def route_to_person(reply, text: str) -> None:
	"""A live alert to the front desk now, and their ToDo through the host's assignment right after commit.

	The alert carries the first words as typed, which the desk escapes; the ToDo quotes the stored (escaped)
	body. The assignment (ToDo, sharing, Notification Log, e-mail) is the slow part of a reply (~20 ms of ORM work):
	a short job queued when this request commits does it, so Twilio gets its answer at once and the front
	desk has the ToDo a moment later. The job assigns every reply still waiting, so a burst of replies costs
	one job start, not one per text; the every-five-minutes task runs it too, so a lost job loses nothing.
	"""
	from winback_app.channels.call_task import front_desk_users

	users = front_desk_users(get_settings().front_desk_user)
	who = reply.patient_name or reply.patient or reply.from_number
	frappe.enqueue(
		"winback_app.inbox.assign_all_waiting_replies",
		queue="short",
		enqueue_after_commit=True,
		# one such job queued at a time: a burst of texts adds nothing while one waits to start
		job_id="winback_assign_waiting_replies",
		deduplicate=True,
		now=bool(frappe.flags.in_test),  # as the host's own notifications do: tests see the ToDo at once
	)
	for user in users:
		frappe.publish_realtime(
			"winback_reply",
			# as typed: the desk's alert escapes it (winback_desk.js); the stored body is already HTML
			{"reply": reply.name, "from": who, "preview": (text or "")[:120]},
			user=user,
			after_commit=True,
		)


def assign_all_waiting_replies() -> int:
	"""The queued job: passes until no reply is left waiting, committing after each pass (at most 500 replies).

	It looks again after every pass, so a text recorded while this job runs (whose own queueing was skipped
	because this job was still queued or running) is picked up here; the five-minute task is the last resort.
	"""
	from winback_app.isolation import read_committed

	total = 0
	with read_committed():  # no gap locks: texts arriving meanwhile insert their reply rows unhindered
		for _pass in range(20):  # bounded: 10,000 replies per run; the five-minute task takes any rest
			assigned = assign_waiting_replies()
			if not assigned:
				break
			total += assigned
			if not frappe.flags.in_test:
				frappe.db.commit()  # the front desk sees this pass's ToDos while the next one runs
	return total


def assign_waiting_replies(limit: int = 500) -> int:
	"""Give every reply that needs a person, is not handled and has no ToDo yet, its ToDo. Returns how many.

	Rows are taken with SKIP LOCKED, so two of these jobs running at once never assign the same reply twice.
	"""
	from frappe.desk.form.assign_to import add

	from winback_app.channels.call_task import front_desk_users

	waiting = (
		frappe.qb.from_(Reply)
		.select(Reply.name, Reply.patient_name, Reply.patient, Reply.from_number, Reply.body)
		.where(Reply.needs_person == 1)
		.where(Reply.handled == 0)
		.where(
			ExistsCriterion(
				frappe.qb.from_(ToDo)
				.select(ToDo.name)
				.where(ToDo.reference_type == "Win-Back SMS Reply")
				.where(ToDo.reference_name == Reply.name)
			).negate()
		)
		.orderby(Reply.received_on)
		.limit(limit)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	)
	if not waiting:
		return 0
	users = front_desk_users(get_settings().front_desk_user)
	for reply in waiting:
		who = reply.patient_name or reply.patient or reply.from_number
		add(
			{
				"assign_to": users,
				"doctype": "Win-Back SMS Reply",
				"name": reply.name,
				"description": _("Text from {0} needs an answer: {1}").format(who, (reply.body or "")[:200]),
				"date": frappe.utils.today(),
				"priority": "High",
			},
			ignore_permissions=True,
		)
	return len(waiting)
