"""New-patient leads: who is a lead, when each of their texts may leave, what it says. Never performs I/O.

A lead is someone the clinic has not seen yet who reached out or was put on file: a request from the app's form
or any ERPNext Lead, a missed call, a new patient whose first appointment is not confirmed, a patient the front
desk registered who never booked. The Frappe side (winback_app/leads/) reads the host's records and writes the
Win-Back Lead and its texts; everything it decides comes from here.

The rules, in one place:
- Someone who wrote or called first (the request form, a missed call) is answered at once, day or night, while
  their own message is fresh (ANSWER_AT_ONCE_FOR). Everyone else's first text waits for the clinic's send window.
- Follow-ups (FOLLOW_UPS after the first text) go inside the send window; a reply, a booking or a STOP cancels
  the ones still planned. A lead with nothing back REST_AFTER the last one rests (status Resting).
- A text needs a number that may be texted (not on the opt-out list; consent when the clinic requires it, and
  always for the request form, whose consent box is that consent); otherwise email, otherwise a call task for the
  front desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from winback_app.engine.window import SendWindow
from winback_app.engine.wording import normalize

# Where a lead came from (Win-Back Lead.source): the funnel report groups by it.
REQUEST_FORM = "Request Form"
LEAD = "Lead"
MISSED_CALL = "Missed Call"
UNCONFIRMED = "Unconfirmed Appointment"
NEW_PATIENT = "New Patient"
SOURCES = (REQUEST_FORM, LEAD, MISSED_CALL, UNCONFIRMED, NEW_PATIENT)

# A lead's status (Win-Back Lead.status). Only leads/status.py writes it.
NEW = "New"  # nothing sent yet
ANSWERED = "Answered"  # our first text left
TALKING = "Talking"  # they wrote back
BOOKED = "Booked"  # an appointment exists
CAME = "Came"  # the first visit happened
RESTING = "Resting"  # no answer after the follow-ups
CLOSED = "Closed"  # opted out, wrong number, or closed by staff
STATUSES = (NEW, ANSWERED, TALKING, BOOKED, CAME, RESTING, CLOSED)
OPEN = (NEW, ANSWERED, TALKING)  # still being worked: texts may go, replies are theirs

# Texts (Win-Back Lead Text.step)
FIRST = "First"
FOLLOW_UP_1 = "Follow-up 1"
FOLLOW_UP_2 = "Follow-up 2"
CONFIRM = "Confirm"
STEPS = (FIRST, FOLLOW_UP_1, FOLLOW_UP_2, CONFIRM)

ANSWER_AT_ONCE_FOR = timedelta(hours=1)
FOLLOW_UPS = ((FOLLOW_UP_1, timedelta(days=1)), (FOLLOW_UP_2, timedelta(days=3)))
REST_AFTER = timedelta(days=3)
CONFIRM_BEFORE = timedelta(hours=48)  # a first appointment not confirmed this close gets "Reply C to confirm"
CONFIRM_AT_LEAST = timedelta(hours=2)  # ... unless the request could only leave closer to it than this
NEW_PATIENT_DAYS = 7  # staff-registered patients younger than this (the nightly campaign takes older ones)

# ERPNext Call Log statuses of an incoming call nobody answered.
MISSED_STATUSES = ("No Answer", "Busy", "Failed")

SMS, EMAIL, CALL_TASK = "SMS", "Email", "Call Task"

_CONFIRM_WORDS = frozenset({"c", "confirm", "confirmed", "c confirm", "confirm c", "si c", "yes c", "c yes"})


@dataclass(frozen=True)
class Reach:
	"""What the lead gave us and what the clinic's rules say about it."""

	mobile: str | None = None  # E.164
	email: str | None = None
	number_block: str | None = None  # the opt-out record's reason, when the number is on the list
	consent: str = "Unknown"  # Unknown | Granted | Revoked
	require_consent: bool = (
		False  # Win-Back Settings > "Only patients who granted consent" (or none chosen yet)
	)
	wrote_first: bool = False  # they asked us to get back to them (the request form, a call)


def channel_for(r: Reach) -> str:
	"""Text when the number may be texted, else email, else a call task for the front desk.

	Where consent is required and not on file, email is an answer only to someone who asked us to get back to
	them (the request form); the clinic's consent rule holds for email too otherwise, as for campaigns."""
	consented = not r.require_consent or r.consent == "Granted"
	if r.mobile and not r.number_block and r.consent != "Revoked" and consented:
		return SMS
	if r.email and (consented or r.wrote_first):
		return EMAIL
	return CALL_TASK


def consent_required(source: str, clinic_requires: bool) -> bool:
	"""Whether a text needs consent on file: when the clinic says so, and always for the request form, which asks
	for it explicitly (an unticked box is a no, whatever the clinic's policy)."""
	return clinic_requires or source == REQUEST_FORM


def is_missed_call(call_type: str | None, status: str | None) -> bool:
	return call_type == "Incoming" and status in MISSED_STATUSES


def first_due(
	now: datetime, received: datetime | None, wrote_first: bool, window: SendWindow, tz: str | None
) -> datetime:
	"""When the first text may leave (aware UTC): at once for someone whose own message is fresh, else at the
	window's next opening (now, when it is open)."""
	if wrote_first and received is not None and timedelta(0) <= now - received <= ANSWER_AT_ONCE_FOR:
		return now
	if wrote_first and received is not None and received > now:  # clocks a little apart: still fresh
		return now
	return window.next_open(now, tz)


def follow_ups_due(first: datetime, window: SendWindow, tz: str | None) -> list[tuple[str, datetime]]:
	"""Each follow-up's step and due time, inside the window, counted from the first text's due time."""
	return [(step, window.next_open(first + after, tz)) for step, after in FOLLOW_UPS]


def may_leave_now(
	step: str, wrote_first: bool, received: datetime | None, now: datetime, window: SendWindow, tz: str | None
) -> datetime | None:
	"""Checked again when a text is about to leave: None when it may go now, else when it may (aware UTC).

	Only the first answer to a fresh message of their own may leave outside the window."""
	if step == FIRST and wrote_first and received is not None and now - received <= ANSWER_AT_ONCE_FOR:
		return None
	if window.is_open(now, tz):
		return None
	return window.next_open(now, tz)


def resting(last_text_due: datetime | None, now: datetime) -> bool:
	"""Nothing back REST_AFTER the last planned text left: the lead rests."""
	return last_text_due is not None and now - last_text_due >= REST_AFTER


def is_confirmation(body: str | None) -> bool:
	"""A reply that confirms the appointment we asked about: "C", "c.", "Confirm", "C yes"."""
	_text, flat = normalize(body)
	return flat in _CONFIRM_WORDS


def confirm_due(now: datetime, starts: datetime, window: SendWindow, tz: str | None) -> datetime | None:
	"""When "Reply C to confirm" may leave for an appointment starting at `starts` (both aware), or None when the
	window opens too late to be of use."""
	due = window.next_open(now, tz)
	return due if starts - due >= CONFIRM_AT_LEAST else None


# The words. English; the Frappe side translates them (context "Win-Back SMS") and fills the values.
TEXTS = {
	(REQUEST_FORM, FIRST): (
		"Hi {first_name}, thanks for your request to {practice}! Which day and time suit you best? Reply with a "
		"day, e.g. Friday morning, and we'll send you times."
	),
	(LEAD, FIRST): (
		"Hi {first_name}, this is {practice}. We'd love to see you for a first visit. Which day suits you? Reply "
		"with a day, e.g. Friday morning, and we'll send you times."
	),
	(MISSED_CALL, FIRST): (
		"Sorry we missed your call! This is {practice}. How can we help? If you'd like an appointment, reply "
		"with a day, e.g. Friday morning, and we'll send you times."
	),
	(NEW_PATIENT, FIRST): (
		"Hi {first_name}, welcome to {practice}! Which day suits you for your first visit? Reply with a day, "
		"e.g. Friday morning, and we'll send you times."
	),
	(UNCONFIRMED, CONFIRM): (
		"Hi {first_name}, {practice} here: we look forward to seeing you on {when}. Reply C to confirm, or tell "
		"us if you need another time."
	),
	FOLLOW_UP_1: (
		"Hi {first_name}, {practice} again. Still looking for a time? Reply with a day that suits you and we'll "
		"send you times."
	),
	FOLLOW_UP_2: (
		"Hi {first_name}, one last note from {practice}: whenever you're ready, reply with a day or call us at "
		"{phone}."
	),
	"confirmed": "Thank you, {first_name}! You're confirmed for {when}. See you then. {practice}",
	"email_subject": "Your appointment request at {practice}",
	"call_task": "New patient to call back ({source}): {name}",
}


def words_key(source: str, step: str) -> str | tuple[str, str]:
	"""The TEXTS key of a lead's text at this step."""
	if step in (FOLLOW_UP_1, FOLLOW_UP_2):
		return step
	if step == CONFIRM:
		return (UNCONFIRMED, CONFIRM)
	return (source if (source, FIRST) in TEXTS else LEAD, FIRST)


@dataclass(frozen=True)
class FunnelRow:
	source: str
	leads: int = 0
	answered: int = 0
	booked: int = 0
	came: int = 0
	median_minutes_to_answer: float | None = None


def funnel(rows: list[tuple[str, str, datetime | None, datetime | None, bool, bool]]) -> list[FunnelRow]:
	"""Per source: (source, status, received, answered_on, booked, came) rows -> leads, answered, booked, came and
	the median time from their message (or our record of them) to our first text."""
	by_source: dict[str, list] = {}
	for row in rows:
		by_source.setdefault(row[0] or LEAD, []).append(row)
	out = []
	for source in sorted(by_source, key=lambda s: (SOURCES.index(s) if s in SOURCES else 99, s)):
		group = by_source[source]
		minutes = sorted(
			max(0.0, (answered - received).total_seconds() / 60)
			for _s, _st, received, answered, _b, _c in group
			if received and answered
		)
		out.append(
			FunnelRow(
				source=source,
				leads=len(group),
				answered=sum(1 for r in group if r[3]),
				booked=sum(1 for r in group if r[4]),
				came=sum(1 for r in group if r[5]),
				median_minutes_to_answer=_median(minutes),
			)
		)
	return out


def _median(values: list[float]) -> float | None:
	if not values:
		return None
	mid = len(values) // 2
	return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
