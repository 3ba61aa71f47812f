"""Send-time decisions for one claimed contact attempt: send, skip (with a reason) or postpone (until when).

The dispatcher gathers the facts as they are right now (the lapse, the patient, opt-outs, unsubscribes, how
many messages already went to this patient and number) and asks decide(). Planning already placed the
attempt in the window, but everything is checked again here: facts change between planning and sending.
This module never performs I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from winback_app.engine import lifecycle, templates
from winback_app.engine.window import SendWindow

SEND, SKIP, POSTPONE = "send", "skip", "postpone"
_OPT_OUT_INSTRUCTION = re.compile(r"\b(reply|text|send|respond)( with)?\s+[\"']?stop\b")
MESSAGE_CHANNELS = ("SMS", "Email")

# How far an attempt has got. A delivery report only ever moves an attempt forward (a late "sent" never
# undoes "delivered"); Skipped and Cancelled attempts never went, so no report applies to them.
DELIVERY_RANK = {"Scheduled": 0, "Sending": 1, "Unknown": 1, "Sent": 2, "Delivered": 3, "Failed": 3}
# Statuses only a delivery report sets on an attempt that is still Sending: the dispatcher's own result for
# that attempt, written at the end of its chunk, must not undo them.
REPORTED = ("Sent", "Delivered", "Failed")

# A rendered text longer than this is not sent (GSM-7: 459 characters; UCS-2: 201). Templates are checked on
# save with sample values; a long name or practice name can still make the real text much longer.
MAX_SMS_SEGMENTS = 3
# A text that could reach Twilio's queue with less than this left in the window waits for the next opening.
MIN_SECONDS_LEFT = 60
TWILIO_MAX_VALIDITY = 36000  # Twilio accepts a validity period of 1 to 36,000 seconds
# Chunks hold about this many seconds of sending at the configured pace, so a chunk's results are written
# (and its claims released) often when the provider is slow, and 200 at a time when it is fast.
CHUNK_SECONDS = 20
MAX_CHUNK = 200


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
	age_unknown_no_texts: bool = False  # no birth date, and settings keep such patients to email
	fall_back_to_email: bool = True
	# messages (SMS + email) already sent or in flight in the last 24 h / 7 days
	patient_day: int = 0
	patient_week: int = 0
	number_day: int = 0
	number_week: int = 0
	# A stricter end of the texting day where the patient lives (engine.states), and which state it is.
	latest_end: time | None = None
	state: str | None = None
	# Patient > Preferred channel ("SMS", "Email", "Phone" or None). The dispatcher's chunk read supplies it.
	preferred_channel: str | None = None


@dataclass(frozen=True)
class Decision:
	action: str
	channel: str = ""
	reason: str = ""
	postpone_until: datetime | None = None


def decide(f: SendFacts, window: SendWindow, caps: Caps) -> Decision:
	if f.lapse_status not in lifecycle.ACTIVE:
		return Decision(SKIP, reason=f"Lapse is {f.lapse_status}")
	if f.do_not_contact:
		return Decision(SKIP, reason="Patient is marked do not contact")
	if f.replied and f.skip_if_replied:
		return Decision(SKIP, reason="Patient replied")
	if f.lapse_status == lifecycle.REPLIED:
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
	if channel == "SMS" and prefers_email(f):
		# The patient asked for email: a text step goes as an email with the same words (as a fallback would).
		# The other way round an email step stays an email: its words are not a text's (a link, a size).
		channel = "Email"
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
		if f.require_consent and f.sms_consent != "Granted":
			# The practice chose "only patients who granted consent": that holds for email too.
			return Decision(SKIP, reason="No consent on file")
		if f.email_unsubscribed:
			return Decision(SKIP, reason="Unsubscribed from email")

	if channel in MESSAGE_CHANNELS:
		clinic = window
		window = window_for(window, channel, f.latest_end)
		if window.never_open:
			where = f.state or "the patient's state"
			return Decision(SKIP, reason=f"No texting hours left in {where}")
		if not window.is_open(f.now, f.time_zone):
			reason = "Outside the send window"
			if window is not clinic and clinic.is_open(f.now, f.time_zone):
				reason = f"Outside the send window: texts end at {f.latest_end:%H:%M} in {f.state}"
			return Decision(POSTPONE, channel, reason, window.next_open(f.now, f.time_zone))
		over = cap_problem(f, caps, channel)
		if over:
			tomorrow = window.next_open(f.now + timedelta(days=1), f.time_zone)
			return Decision(POSTPONE, channel, over, tomorrow)
	return Decision(SEND, channel)


def prefers_email(f: SendFacts) -> bool:
	"""The patient's preferred channel is email and an email can reach them."""
	return f.preferred_channel == "Email" and bool(f.email) and not f.email_unsubscribed


def window_for(window: SendWindow, channel: str, latest_end: time | None) -> SendWindow:
	"""The window a message on this channel must leave in: state texting limits apply to texts only."""
	return window.ending_by(latest_end) if channel == "SMS" else window


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
	if f.age_unknown_no_texts:
		return "Age unknown (no birth date): no texts"
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


@dataclass(frozen=True)
class Leave:
	"""May a message leave now? If so, for how long may the provider hold it (seconds); if not, until when."""

	ok: bool
	valid_for: int | None = None
	until: datetime | None = None


def at_leave(window: SendWindow, tz: str | None, now: datetime) -> Leave:
	"""The window checked again at the moment a message leaves (minutes can pass between claim and send).

	A message that leaves gets a validity period of the seconds left in the window, so a text that waits in
	the provider's queue past closing time is dropped by the provider instead of arriving after hours.
	"""
	left = window.seconds_left(now, tz)
	if left >= MIN_SECONDS_LEFT:
		return Leave(True, min(left, TWILIO_MAX_VALIDITY))
	after = window.closes_at(now, tz) if left else now
	return Leave(False, until=window.next_open(after, tz))


def sms_problem_at_send(
	body: str, *, booking_link: str, practice_name: str = "", allow_clinical: bool = False
) -> str | None:
	"""The rendered text checked once more before it leaves: clinical words, the booking link, its size.

	The practice's own name and the link are not searched for clinical words (a clinic may be called
	"Crown Dental"); everything else is, including values filled in from records.
	"""
	if booking_link and booking_link not in body:
		return "The text has no booking link"
	if not allow_clinical:
		scanned = body.replace(booking_link, " ") if booking_link else body
		if practice_name:
			scanned = _literal(practice_name).sub(" ", scanned)
		found = sorted({m.group(0).lower() for m in _CLINICAL.finditer(scanned)})
		if found:
			return "Clinical words in the text: " + ", ".join(found)
	if len(body) <= 100 or (body.isascii() and len(body) <= 201):
		return (
			None  # at most 3 segments whatever the encoding: 2 septets or 2 UCS-2 units a character at worst
		)
	size = templates.sms_size(body)
	if size.segments > MAX_SMS_SEGMENTS:
		return f"The text is {size.segments} SMS segments long (at most {MAX_SMS_SEGMENTS})"
	return None


_CLINICAL = re.compile("|".join(re.escape(t) for t in templates.CLINICAL_TERMS), re.IGNORECASE)


@lru_cache(maxsize=64)
def _literal(text: str) -> re.Pattern:
	"""A case-insensitive pattern for a fixed text (the practice name), compiled once per name."""
	return re.compile(re.escape(text), re.IGNORECASE)


def merged_status(ours: str, reported: str) -> str:
	"""The status to keep when a delivery report reached an attempt before the dispatcher wrote its result."""
	if reported in REPORTED and DELIVERY_RANK.get(reported, 0) >= DELIVERY_RANK.get(ours, 0):
		return reported
	return ours


def chunk_for_pace(per_second: int, paced: bool) -> int:
	"""How many attempts to claim at once: CHUNK_SECONDS of sending at the provider's pace, 1 to MAX_CHUNK."""
	if not paced or not per_second or per_second <= 0:
		return MAX_CHUNK
	return max(1, min(MAX_CHUNK, per_second * CHUNK_SECONDS))


# Why a channel's result should stop the whole run (channels.base sets these on a SendResult).
RATE_LIMITED = "rate-limited"
PROVIDER_ERROR = "provider-error"


class Breaker:
	"""Stops a run when the provider says the whole account must slow down (one 429), or after max_errors
	provider errors (5xx, timeouts, refused connections) in a row: an outage should cost a few attempts, not
	every attempt's retries."""

	def __init__(self, max_errors: int = 3):
		self.max_errors = max_errors
		self.errors = 0
		self.reason: str | None = None

	def after(self, trouble: str) -> str | None:
		"""Record one result's trouble ("" when it went fine); returns why to stop, once tripped."""
		if trouble == RATE_LIMITED:
			self.reason = "The provider is rate-limiting the account"
		elif trouble == PROVIDER_ERROR:
			self.errors += 1
			if self.errors >= self.max_errors:
				self.reason = f"{self.errors} provider errors in a row"
		else:
			self.errors = 0
		return self.reason
