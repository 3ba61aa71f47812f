"""What to do with an inbound text, given what it means and who sent it. Plain data in and out; no I/O.

engine.replies.understand() says what the words mean (a category, triage flags, a date, an FAQ match, a
language); plan() decides the effects: opt out or back in, the automatic answer (an engine.answers key, or the
practice's own FAQ answer), whether the lapse waits (for a person, or for the patient to book), snoozes or
closes, whether a person must look now, and how urgently.

The order is the safety contract:
1. STOP first: the number is opted out with one confirmation; a STOP that also names a clinical sign still
   reaches a person (urgent when it is urgent).
2. Anything triaged (urgent, clinical, a complaint, a bill, a death, another sensitive matter) reaches a
   person; the cadence waits; the answer says a person will reply (urgent: call us now, or 911), never a link.
3. Then HELP, START, a wrong number, an FAQ answer (no identity needed: anybody may ask the opening hours).
4. Ambiguity ends with a person: an unknown sender or a family number, and a "yes", a choice or a "not now"
   from a known patient with no open lapse (answering the host's own reminder, say): there is no link to give.
5. A booking waits on the patient (released by lapses/waiting.py if nothing is booked); a "not now" pauses
   the lapse until the date named or the campaign's days, then the cadence resumes with a nurture touch
   (engine/nurture.py): neither is a reply that ends the cadence for a person to pick up.
6. Booking by text (engine.booking_talk), for the one patient on a number that is not opted out, with an open
   lapse: an offered time picked under a live OPTIONS/CONFIRM question is booked (`book`, always one of
   pending.options; if it was taken meanwhile the Frappe side offers `if_taken` instead); a wish, "none of
   those" or "yes" under a pending question gets concrete times (`offer`, one CONFIRM time when the wish is
   "earliest"), at most MAX_ROUNDS times, then a person; a booking reply that cannot be read, a pick that is
   not on offer, and "can't make it" after booking reach a person; "thanks" after booking needs nothing.
   Without a pending question, a booking text that names a day or time ("Thursday afternoon works", "next
   available") gets concrete times; a plain "yes" keeps the link and "reply 1, 2 or 3" (its answer asks the
   PARTS question, so the next "1" offers morning times).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from winback_app.engine import answers
from winback_app.engine import booking_talk as bt
from winback_app.engine import replies as r

# Automatic answers: engine.answers keys, turned into words in the patient's language by the Frappe side.
ANSWER_OPTED_OUT = answers.OPTED_OUT
ANSWER_RESUBSCRIBED = answers.RESUBSCRIBED
ANSWER_HELP = answers.HELP
ANSWER_HELP_WITH_HOURS = answers.HELP_WITH_HOURS
ANSWER_BOOKING_LINK = answers.BOOKING_LINK
ANSWER_SLOTS = answers.SLOTS
ANSWER_SNOOZED = answers.SNOOZED
ANSWER_SNOOZED_UNTIL = answers.SNOOZED_UNTIL
ANSWER_WRONG_NUMBER = answers.WRONG_NUMBER
ANSWER_THANKS = answers.THANKS  # we got it, a person will reply
ANSWER_URGENT = answers.URGENT  # call us now; in an emergency, 911
ANSWER_URGENT_CRISIS = answers.URGENT_CRISIS  # ... and the 988 crisis line
ANSWER_CLINICAL_RECEIVED = answers.CLINICAL_RECEIVED  # a member of our team will contact you
ANSWER_FAQ = "faq"  # the practice's own answer (a Win-Back Answer), as the manager wrote it
ANSWERS = frozenset({*answers.TEXTS, ANSWER_FAQ})

# Leaving for good: the cadence closes. Other reasons (cost, fear) are a conversation a person should have.
CLOSING_REASONS = (r.MOVED, r.SWITCHED)


@dataclass(frozen=True)
class Plan:
	category: str = r.OTHER_CATEGORY  # engine.replies.CATEGORIES: the reply's category, routed by it
	opt_out: bool = False
	opt_in: bool = False
	flag_wrong_number: bool = False
	answer: str | None = None  # a key of ANSWERS
	pause: bool = False  # the lapse waits (Replied): for a person, or for the patient to book
	waits_on_patient: bool = False  # the link or free times went out: nobody needs to act yet
	offers_choices: bool = False  # the link went out: a 1, 2 or 3 in the next days picks a part of the day
	snooze: bool = False  # "not now": paused until snooze_until (None: the campaign's days), then nurture
	snooze_until: date | None = None
	close: bool = False
	leave_reason: str | None = None
	needs_person: bool = False
	urgent: bool = False  # alert at once, marked urgent
	suggested_answer: str | None = None  # a near FAQ match, shown to the person
	# The reply stops the touches marked "skip if replied" (the lapse's replied_on). A "not now" and an FAQ
	# answer do not: the cadence goes on (after the pause, for a "not now").
	counts_as_reply: bool = True
	# Booking by text. book: book this option (one of pending.options); the booking service re-checks it, and
	# when it was taken meanwhile, times for if_taken are offered instead. offer: compute and send options for
	# this wish (offer_count of them: 1, a CONFIRM, when the wish is "earliest"), leaving out offer_exclude
	# (the starts already offered, for "none of those"). answer is None for both: the Frappe side writes the
	# options, the confirmation, or "nothing free" (engine.booking_talk's texts).
	book: bt.Offered | None = None
	if_taken: bt.Wish | None = None
	offer: bt.Wish | None = None
	offer_exclude: tuple = ()
	offer_count: int = 3
	appointment_change: bool = (
		False  # "can't make it" about the appointment booked by text: link it for a person
	)


def plan(
	u: r.Understanding,
	*,
	matched_patients: int,
	has_lapse: bool,
	number_opted_out: bool,
	has_hours: bool = False,
	pending: bt.Pending | None = None,
	with_person: bool = False,
) -> Plan:
	"""The effects of one understood text (see the module docstring for the order).

	matched_patients: patients on the sender's number; has_lapse: the one patient has an open lapse;
	number_opted_out: the number said STOP before; has_hours: the practice's opening hours are set (HELP
	names them); pending: the question our last text asked (the one given to understand()); with_person: a
	person has taken this patient's conversation over (a text went to them since our last question), so no
	booking reply is answered automatically until we ask again."""
	category = u.category
	alone = matched_patients == 1
	reading = u.reading
	changes = (
		pending is not None
		and pending.kind == bt.BOOKED
		and reading is not None
		and reading.kind == bt.CHANGE
	)
	person = {
		"needs_person": True,
		"urgent": u.urgent,
		"suggested_answer": u.faq_id if u.faq_id and category != r.FAQ else None,
	}
	if category == r.OPT_OUT:
		# One confirmation only: a repeat STOP from a number already opted out gets silence.
		return Plan(
			category,
			opt_out=True,
			answer=None if number_opted_out else ANSWER_OPTED_OUT,
			needs_person=u.to_person,
			urgent=u.urgent,
			appointment_change=changes,
		)
	if category == r.OPT_IN:
		return Plan(category, opt_in=True, answer=ANSWER_RESUBSCRIBED if number_opted_out else None)
	if u.triage:
		# Nothing clinical is ever answered automatically beyond "a person will reply" (urgent: call now, 911);
		# an opted-out number gets no text at all, but a person still reads it.
		if number_opted_out:
			return Plan(category, **person)
		if u.urgent:
			key = ANSWER_URGENT_CRISIS if u.crisis else ANSWER_URGENT
		else:
			key = ANSWER_CLINICAL_RECEIVED
		return Plan(category, answer=key, pause=has_lapse and alone, **person)
	if number_opted_out:
		# The number said STOP: we answer nothing but HELP, and a person still sees what they wrote.
		if category == r.HELP_CATEGORY:
			return Plan(category, answer=_help(has_hours))
		return Plan(category, **person)
	if category == r.HELP_CATEGORY:
		return Plan(category, answer=_help(has_hours))
	if category == r.WRONG_NUMBER_CATEGORY:
		return Plan(category, flag_wrong_number=True, answer=ANSWER_WRONG_NUMBER, close=has_lapse and alone)
	if category == r.FAQ:
		return Plan(category, answer=ANSWER_FAQ, counts_as_reply=False)
	if not alone:
		# Unknown sender or a family number: never guess whose lapse this is.
		return Plan(category, answer=ANSWER_THANKS, **person)
	if category == r.BOOKING and reading is not None and reading.kind == bt.ACK:
		# "Thanks, see you then" after booking: nothing to answer, nobody needs to act.
		return Plan(category, counts_as_reply=False)
	if changes:
		# "Can't make it" after booking by text: a person, with the appointment; the app never cancels.
		return Plan(category, answer=ANSWER_THANKS, appointment_change=True, pause=has_lapse, **person)
	if category in (r.BOOKING, r.NOT_NOW) and not has_lapse:
		# A known patient with no open lapse: no link to give and nothing to pause. A person answers.
		return Plan(category, answer=ANSWER_THANKS, **person)
	if category == r.BOOKING and with_person:
		# A person has the conversation (the rounds ran out, or a clinical text reached them): the patient's
		# next booking words are for them too, never a time booked behind their back.
		return Plan(category, answer=ANSWER_THANKS, pause=True, **person)
	if category == r.BOOKING and (pending is not None or _names_a_wish(reading)):
		return _by_text(u, pending, person)
	if category == r.BOOKING:
		if u.choice:
			return Plan(category, answer=ANSWER_SLOTS, pause=True, waits_on_patient=True)
		return Plan(
			category, answer=ANSWER_BOOKING_LINK, pause=True, waits_on_patient=True, offers_choices=True
		)
	if category == r.NOT_NOW:
		return Plan(
			category,
			answer=ANSWER_SNOOZED_UNTIL if u.snooze_until else ANSWER_SNOOZED,
			snooze=True,
			snooze_until=u.snooze_until,
			counts_as_reply=False,
		)
	if category == r.LEAVING_CATEGORY:
		closing = u.leave_reason in CLOSING_REASONS
		return Plan(
			category,
			answer=ANSWER_THANKS,
			leave_reason=u.leave_reason,
			close=closing and has_lapse,
			pause=not closing and has_lapse,
			needs_person=not closing,
		)
	# A question, a "call me", a thank-you, sarcasm, anything unclear: a person, with a near answer suggested.
	return Plan(category, answer=ANSWER_THANKS, pause=has_lapse, **person)


def _by_text(u: r.Understanding, pending: bt.Pending | None, person: dict) -> Plan:
	"""A booking reply of the one patient, with an open lapse, in a booking conversation (see rule 6)."""
	category = u.category
	reading = u.reading
	to_person = Plan(category, answer=ANSWER_THANKS, pause=True, **person)
	if reading is None or reading.kind not in (bt.PICK, bt.WANT, bt.OTHER_TIMES) or u.to_person:
		return to_person
	if reading.kind == bt.PICK:
		option = _offered(reading.option, pending)
		if option is None:
			return to_person
		return Plan(category, book=option, if_taken=pending.wish)
	if pending is not None and (pending.kind == bt.BOOKED or pending.rounds >= bt.MAX_ROUNDS):
		return to_person
	wish = reading.wish
	exclude: tuple = ()
	if reading.kind == bt.OTHER_TIMES and pending is not None:
		if not wish.has_days_or_times():
			wish = replace(pending.wish, earliest=wish.earliest or pending.wish.earliest)
		exclude = tuple(o.start for o in pending.options)
	if pending is None and wish.is_empty():
		# A plain "yes" with no question pending: the link, and "reply 1, 2 or 3" (the PARTS question).
		return Plan(
			category, answer=ANSWER_BOOKING_LINK, pause=True, waits_on_patient=True, offers_choices=True
		)
	return Plan(
		category,
		offer=wish,
		offer_exclude=exclude,
		offer_count=1 if wish.earliest else 3,
		pause=True,
		waits_on_patient=True,
	)


def _offered(option: bt.Offered | None, pending: bt.Pending | None) -> bt.Offered | None:
	"""The pending option a pick names: only under a live OPTIONS or CONFIRM question, only one it holds."""
	if option is None or pending is None or pending.expired or pending.kind not in (bt.OPTIONS, bt.CONFIRM):
		return None
	return next((offered for offered in pending.options if offered == option), None)


def _names_a_wish(reading: bt.Reading | None) -> bool:
	return reading is not None and reading.kind == bt.WANT and not reading.wish.is_empty()


def _help(has_hours: bool) -> str:
	return ANSWER_HELP_WITH_HOURS if has_hours else ANSWER_HELP
