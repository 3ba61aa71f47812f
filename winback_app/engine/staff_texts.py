"""May a person at the clinic text this patient now? The rules of "Reply by text". Never performs I/O.

A staff text obeys what the cadence obeys: do not contact, revoked consent, the opt-out list, the clinic's send
window and the frequency caps (per number: everything the app texted to it counts, cadence, automatic answers
and staff texts alike). One exception, on purpose: an answer to a text the patient sent in the last hour is a
conversation the patient started. It may go at once, outside the clinic's window and above the caps, but
never outside the hard limits (8:00-21:00 where the patient is): a patient who texts at 22:00 is answered in
the morning. Do not contact, revoked consent and opt-outs are never overridden, not even then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from winback_app.engine.window import ALL_DAYS, HARD_END, HARD_START, SendWindow, zone

CONVERSATION = timedelta(hours=1)
HARD_LIMITS = SendWindow(HARD_START, HARD_END, ALL_DAYS)


@dataclass(frozen=True)
class StaffTextFacts:
	now: datetime  # aware
	time_zone: str | None
	do_not_contact: bool = False
	sms_consent: str = "Unknown"
	require_consent: bool = False
	number_block: str | None = None  # the opt-out record's reason, when the number is on the list
	last_received: datetime | None = None  # aware: the latest text from this number
	number_day: int = 0  # texts the app sent to this number in the last 24 hours / 7 days
	number_week: int = 0


@dataclass(frozen=True)
class StaffTextDecision:
	allowed: bool
	reason: str = ""
	conversation: bool = False
	next_open: datetime | None = None  # aware, UTC: when a refused text could go
	number_blocked: bool = False  # refused because the number is on the opt-out list


def in_conversation(f: StaffTextFacts) -> bool:
	return f.last_received is not None and timedelta(0) <= f.now - f.last_received <= CONVERSATION


def decide(f: StaffTextFacts, window: SendWindow, per_day: int, per_week: int) -> StaffTextDecision:
	if f.do_not_contact:
		return StaffTextDecision(False, "The patient is marked do not contact.")
	if f.number_block == "Opted Out":
		return StaffTextDecision(False, "This number opted out of texts (STOP).", number_blocked=True)
	if f.number_block:
		return StaffTextDecision(
			False, f"This number cannot get texts ({f.number_block}).", number_blocked=True
		)
	if f.sms_consent == "Revoked":
		return StaffTextDecision(False, "The patient revoked text consent.")
	if in_conversation(f):
		if HARD_LIMITS.is_open(f.now, f.time_zone):
			return StaffTextDecision(True, conversation=True)
		return _closed(
			f, HARD_LIMITS, "No texts before 8:00 or after 21:00 where the patient is, even as a reply."
		)
	if f.require_consent and f.sms_consent != "Granted":
		return StaffTextDecision(
			False, "No text consent on file, and the patient has not texted in the last hour."
		)
	if not window.is_open(f.now, f.time_zone):
		return _closed(f, window, "Outside the send window where the patient is.")
	if per_day and f.number_day >= per_day:
		return StaffTextDecision(
			False, f"This number already got {f.number_day} text(s) today (cap: {per_day})."
		)
	if per_week and f.number_week >= per_week:
		return StaffTextDecision(
			False, f"This number already got {f.number_week} texts this week (cap: {per_week})."
		)
	return StaffTextDecision(True)


def _closed(f: StaffTextFacts, window: SendWindow, reason: str) -> StaffTextDecision:
	try:
		opens = window.next_open(f.now, f.time_zone)
	except ValueError:
		opens = None
	if opens is not None:
		local = opens.astimezone(zone(f.time_zone))
		reason = f"{reason} Texts can go from {local:%a %H:%M} ({local.tzname()})."
	return StaffTextDecision(False, reason, next_open=opens)
