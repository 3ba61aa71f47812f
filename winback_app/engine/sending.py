"""Send-time decisions for one claimed contact attempt: send, skip (with a reason) or postpone (until when).

The dispatcher gathers the facts as they are right now (the lapse, the patient, opt-outs, unsubscribes, how
many messages already went to this patient and number) and asks decide(). Planning already placed the
attempt in the window, but everything is checked again here: facts change between planning and sending.
This module never performs I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from winback_app.engine.window import SendWindow

SEND, SKIP, POSTPONE = "send", "skip", "postpone"
_OPT_OUT_INSTRUCTION = re.compile(r"\b(reply|text|send|respond)( with)?\s+[\"']?stop\b")
ACTIVE_LAPSE = ("Open", "In Cadence", "Replied")
MESSAGE_CHANNELS = ("SMS", "Email")


@dataclass(frozen=True)
class Caps:
	per_day: int = 1
	per_week: int = 3


@dataclass(frozen=True)
class SendFacts:
	channel: str  # "SMS" | "Email" | "Call Task"
	now: datetime  # aware
	time_zone: str | None
	lapse_status: str
	replied: bool = False
	snoozed_until: datetime | None = None  # aware
	skip_if_replied: bool = True
	do_not_contact: bool = False
	mobile: str | None = None
	email: str | None = None
	number_block: str | None = (
		None  # the opt-out record's reason ("Opted Out", "Wrong Number", "Invalid Number")
	)
	email_unsubscribed: bool = False
	sms_consent: str = "Unknown"
	require_consent: bool = False
	fall_back_to_email: bool = True
	# messages (SMS + email) already sent or in flight in the last 24 h / 7 days
	patient_day: int = 0
	patient_week: int = 0
	number_day: int = 0
	number_week: int = 0


@dataclass(frozen=True)
class Decision:
	action: str
	channel: str = ""
	reason: str = ""
	postpone_until: datetime | None = None


def decide(f: SendFacts, window: SendWindow, caps: Caps) -> Decision:
	if f.lapse_status not in ACTIVE_LAPSE:
		return Decision(SKIP, reason=f"Lapse is {f.lapse_status}")
	if f.do_not_contact:
		return Decision(SKIP, reason="Patient is marked do not contact")
	if f.replied and f.skip_if_replied:
		return Decision(SKIP, reason="Patient replied")
	if f.lapse_status == "Replied":
		# A reply waits for a person: the rest of the cadence holds until they resume or close it.
		return Decision(
			POSTPONE,
			reason="Waiting for a person to answer the patient",
			postpone_until=window.next_open(f.now + timedelta(days=1), f.time_zone),
		)
	if f.snoozed_until and f.snoozed_until > f.now:
		return Decision(
			POSTPONE,
			reason="Patient asked us to wait",
			postpone_until=window.next_open(f.snoozed_until, f.time_zone),
		)

	channel = f.channel
	if channel == "SMS":
		problem = sms_problem(f)
		if problem:
			if f.number_block == "Opted Out" or f.sms_consent == "Revoked":
				return Decision(SKIP, reason=problem)  # STOP ends everything: no email in its place
			if f.fall_back_to_email and f.email and not f.email_unsubscribed:
				channel = "Email"
			else:
				return Decision(SKIP, reason=problem)
	if channel == "Email":
		if not f.email:
			return Decision(SKIP, reason="No email address")
		if f.email_unsubscribed:
			return Decision(SKIP, reason="Unsubscribed from email")

	if channel in MESSAGE_CHANNELS:
		if not window.is_open(f.now, f.time_zone):
			return Decision(
				POSTPONE, channel, "Outside the send window", window.next_open(f.now, f.time_zone)
			)
		over = cap_problem(f, caps, channel)
		if over:
			tomorrow = window.next_open(f.now + timedelta(days=1), f.time_zone)
			return Decision(POSTPONE, channel, over, tomorrow)
	return Decision(SEND, channel)


def sms_problem(f: SendFacts) -> str | None:
	if not f.mobile:
		return "No valid mobile number"
	if f.number_block == "Opted Out":
		return "Number opted out of texts"
	if f.number_block:
		return f"Number flagged: {f.number_block}"
	if f.sms_consent == "Revoked":
		return "Text consent revoked"
	if f.require_consent and f.sms_consent != "Granted":
		return "No text consent on file"
	return None


def cap_problem(f: SendFacts, caps: Caps, channel: str) -> str | None:
	if caps.per_day and f.patient_day >= caps.per_day:
		return "Daily message cap reached for this patient"
	if caps.per_week and f.patient_week >= caps.per_week:
		return "Weekly message cap reached for this patient"
	if channel == "SMS":
		if caps.per_day and f.number_day >= caps.per_day:
			return "Daily message cap reached for this number"
		if caps.per_week and f.number_week >= caps.per_week:
			return "Weekly message cap reached for this number"
	return None


def ensure_first_sms_identifies(
	body: str, first_to_number: bool, practice_name: str, opt_out_text: str
) -> str:
	"""The first text to a number names the practice and says how to opt out, whatever the template says."""
	if not first_to_number:
		return body
	if practice_name and practice_name.lower() not in body.lower():
		body = f"{practice_name}: {body}"
	lowered = body.lower()
	# Only the opt-out sentence itself counts: "stop by any time" does not tell anyone how to opt out.
	if opt_out_text.lower() not in lowered and not _OPT_OUT_INSTRUCTION.search(lowered):
		body = f"{body} {opt_out_text}"
	return body
