"""What to do with an inbound text, given what it means and who sent it. Plain data in and out; no I/O.

The classifier (replies.py) says what the words mean; this decides the effects: opt out or back in, the
automatic answer (if any), whether the cadence pauses, snoozes or closes, and whether a person must look now.
Ambiguity always ends with a person: several patients on one number, an unknown sender, a question.
"""

from __future__ import annotations

from dataclasses import dataclass

from winback_app.engine import replies as r

# Automatic answers, by key; the Frappe side turns them into translated text with the practice's details.
ANSWER_OPTED_OUT = "opted_out"
ANSWER_RESUBSCRIBED = "resubscribed"
ANSWER_HELP = "help"
ANSWER_BOOKING_LINK = "booking_link"
ANSWER_SLOTS = "slots"
ANSWER_SNOOZED = "snoozed"
ANSWER_WRONG_NUMBER = "wrong_number"
ANSWER_THANKS = "thanks"  # we got it, a person will reply

# Leaving for good: the cadence closes. Other reasons (cost, fear) are a conversation a person should have.
CLOSING_REASONS = (r.MOVED, r.SWITCHED)


@dataclass(frozen=True)
class Plan:
	opt_out: bool = False
	opt_in: bool = False
	flag_wrong_number: bool = False
	answer: str | None = None
	pause: bool = False  # the cadence waits for a person
	snooze: bool = False
	close: bool = False
	leave_reason: str | None = None
	needs_person: bool = False


def plan(intent: r.Intent, *, matched_patients: int, has_lapse: bool, number_opted_out: bool) -> Plan:
	kind = intent.kind
	if kind == r.STOP:
		# One confirmation only: a repeat STOP from a number already opted out gets silence.
		return Plan(opt_out=True, answer=None if number_opted_out else ANSWER_OPTED_OUT)
	if kind == r.START:
		return Plan(opt_in=True, answer=ANSWER_RESUBSCRIBED if number_opted_out else None)
	if number_opted_out:
		# The number said STOP: we answer nothing (only START/HELP), but a person still sees what they wrote.
		return Plan(answer=ANSWER_HELP if kind == r.HELP else None, needs_person=kind not in (r.HELP,))
	if kind == r.HELP:
		return Plan(answer=ANSWER_HELP)
	if kind == r.WRONG_NUMBER:
		return Plan(
			flag_wrong_number=True, answer=ANSWER_WRONG_NUMBER, close=has_lapse and matched_patients == 1
		)
	if matched_patients != 1:
		# Unknown sender or a family number: never guess whose lapse this is.
		return Plan(answer=ANSWER_THANKS, needs_person=True)
	if kind == r.BOOK:
		return Plan(answer=ANSWER_BOOKING_LINK, pause=has_lapse, needs_person=False)
	if kind == r.CHOICE:
		return Plan(answer=ANSWER_SLOTS, pause=has_lapse)
	if kind == r.LATER:
		return Plan(answer=ANSWER_SNOOZED, snooze=has_lapse)
	if kind == r.LEAVING:
		closing = intent.leave_reason in CLOSING_REASONS
		return Plan(
			answer=ANSWER_THANKS,
			leave_reason=intent.leave_reason,
			close=closing and has_lapse,
			pause=not closing and has_lapse,
			needs_person=not closing,
		)
	return Plan(answer=ANSWER_THANKS, pause=has_lapse, needs_person=True)
