"""Book by text: offer concrete times, and book the one the patient picks, through the booking page's own service.

The engine (engine/booking_talk.py, engine/reply_plan.py) decides from the patient's words and the pending
question whether to offer times for a wish ("Thursday afternoon", "A", "none of those") or to book an option
that was offered. This module does the I/O: the free times come from booking.service.offer() (the page's slot
engine, for the practitioners the lapse allows), the booking goes through booking.service.book_for_lapse() (the
page's locks, re-check, Patient Appointment, Booked transition and front-desk alert), and the question our answer
asks is recorded in the conversation (replies/conversation.py). A time taken between the offer and the reply
gets new options, never a double booking.

Only an option that was offered and is still pending can be booked (the plan only names such an option); the
service re-checks it against the current free times under the practitioner's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import frappe
from frappe.query_builder import DocType

from winback_app.booking import service
from winback_app.engine import booking_talk as talk
from winback_app.engine import reply_plan
from winback_app.engine.untrusted import display_first_name
from winback_app.leads import talk as lead_talk
from winback_app.replies import conversation
from winback_app.settings import get_settings


@dataclass
class Outcome:
	"""What the conversation step produced: the answer (None: no text), the plan as it ended, the appointment."""

	answer: str | None
	plan: reply_plan.Plan
	appointment: str | None = None


def step(
	plan: reply_plan.Plan, sender, language: str, now: datetime, pending: talk.Pending | None = None
) -> Outcome:
	"""Book the option the plan names, or offer times for its wish. A BookingProblem the patient cannot fix
	(the clinic's settings refuse online bookings, the lapse is no longer open) hands the text to a person."""
	lapse, lead = sender.lapse, getattr(sender, "lead", None)
	try:
		# A new-patient lead (leads/talk.py) has no lapse: the times are any practitioner's, the booking its own.
		booking_lapse = (
			lead_talk.booking_subject(lead)
			if lead and not lapse
			else service.lapse_by_name(lapse.name if lapse else None)
		)
	except service.BookingProblem:
		return _to_person(plan, language)
	if plan.book:
		return _book(plan, sender, booking_lapse, language, now, pending)
	# "None of those" turns the times down for the rest of the conversation, not only the last offer's.
	refused = tuple(x for x in plan.offer_exclude if isinstance(x, datetime))
	exclude = (*plan.offer_exclude, *conversation.refused_starts(sender.conversation)) if refused else ()
	return _offer(
		plan,
		sender,
		booking_lapse,
		plan.offer or talk.Wish(),
		exclude,
		plan.offer_count,
		language,
		now,
		refused=refused,
	)


def _book(plan, sender, booking_lapse, language: str, now: datetime, pending: talk.Pending | None) -> Outcome:
	option = plan.book
	lead = getattr(sender, "lead", None) if not booking_lapse.name else None
	try:
		appointment = (
			lead_talk.book(lead, option)
			if lead
			else service.book_for_lapse(
				booking_lapse, option.practitioner, option.start, option.service_unit, by_text=True
			)
		)
	except service.BookingProblem as problem:
		if problem.kind != "taken":
			return _to_person(plan, language)
		# Someone took it between the offer and this reply (the page, the desk, another text): new times of the
		# same kind, never this one again.
		wish = plan.if_taken or talk.Wish()
		offered = tuple(o.start for o in pending.options) if pending else (option.start,)
		again = replace(plan, book=None, offer=wish)
		return _offer(
			again, sender, booking_lapse, wish, offered, 1 if wish.earliest else 3, language, now, taken=True
		)
	conversation.ask(
		patient=sender.patient or (lead.patient if lead else None),
		lead=lead.name if lead else None,
		phone=sender.number,
		lapse=booking_lapse.name,
		kind=talk.BOOKED,
		now=now,
		options=(option,),
		appointment=appointment,
	)
	return Outcome(confirmation(option, appointment, sender, language), plan, appointment)


def _offer(
	plan,
	sender,
	booking_lapse,
	wish: talk.Wish,
	exclude,
	count: int,
	language: str,
	now: datetime,
	*,
	taken: bool = False,
	refused: tuple[datetime, ...] = (),
) -> Outcome:
	settings = get_settings()
	free = service.offer(booking_lapse)
	chosen, exact = talk.choose_options(free, wish, exclude=exclude, n=count)
	if not chosen:
		text = talk.no_times_text(language, phone=settings.practice_phone or "", link=_link(sender, settings))
		return Outcome(text, replace(plan, needs_person=True, waits_on_patient=False))
	options = talk.offers(chosen, practitioner_names({slot.practitioner for slot in chosen}))
	practice = settings.practice_name or ""
	# The text may show fewer times than chosen (two SMS segments at most): what it shows is what is on offer.
	message = talk.options_message(
		options,
		language,
		exact=exact,
		wish=wish,
		practice=practice,
		taken=taken,
		for_name=_child_name(sender),
	)
	options = tuple(message.shown)
	kind = talk.CONFIRM if len(options) == 1 else talk.OPTIONS
	text = message.text
	lead = getattr(sender, "lead", None)
	conversation.ask(
		patient=sender.patient,
		lead=lead.name if lead else None,
		phone=sender.number,
		lapse=booking_lapse.name,
		kind=kind,
		now=now,
		options=options,
		wish=wish,
		new_round=True,
		refused=refused,
	)
	return Outcome(text, plan)


def confirmation(option: talk.Offered, appointment: str, sender, language: str) -> str | None:
	"""The booked text: day, date, time, practitioner, the practice's address and phone, and a link to add it to
	a calendar. None when the clinic's own confirmation SMS (Healthcare Settings) is on: one confirmation, not two.
	"""
	if frappe.db.get_single_value("Healthcare Settings", "send_appointment_confirmation"):
		return None
	settings = get_settings()
	return talk.booked_text(
		option,
		language,
		practice=settings.practice_name or "",
		address=" ".join((settings.practice_address or "").split()),
		phone=settings.practice_phone or "",
		calendar_link=_calendar_link(sender, appointment, settings),
		for_name=_child_name(sender),
	)


def _child_name(sender) -> str:
	"""The child's first name when a parent is booking for them (replies.handler.with_children_reached)."""
	if not sender.texted_by:
		return ""
	full = (sender.people[sender.patient].patient_name or "").split()
	return display_first_name(full[0]) if full else ""


def _calendar_link(sender, appointment: str, settings) -> str | None:
	"""The booking page's confirmation for this appointment (it offers the calendar file): the lapse's link."""
	from winback_app.booking.links import booking_token, booking_url

	if not sender.lapse:
		return None
	token = booking_token(dict(sender.lapse), settings)
	return f"{booking_url(token, settings)}?done={appointment}"


def _link(sender, settings) -> str:
	from winback_app.booking.links import booking_token, booking_url

	return booking_url(booking_token(dict(sender.lapse), settings), settings) if sender.lapse else ""


def practitioner_names(practitioners: set[str]) -> dict[str, str]:
	if not practitioners:
		return {}
	Practitioner = DocType("Healthcare Practitioner")
	return dict(
		frappe.qb.from_(Practitioner)
		.select(Practitioner.name, Practitioner.practitioner_name)
		.where(Practitioner.name.isin(sorted(practitioners)))
		.run()
	)


def _to_person(plan: reply_plan.Plan, language: str) -> Outcome:
	from winback_app.engine import answers as answer_keys
	from winback_app.replies.answers import words

	settings = get_settings()
	person = replace(plan, book=None, offer=None, needs_person=True, waits_on_patient=False, answer=None)
	return Outcome(words(answer_keys.THANKS, language, practice=settings.practice_name or ""), person)
