"""Send claimed attempts through their channel and record what happened.

Right before each provider call the number's opt-out and the email's unsubscribe are read again (the dispatcher
runs at READ COMMITTED, so an opt-out committed by the webhook a moment ago is seen; a number's look is read for
the next few texts at once and used for at most 0.2 s, see sending.look), the send window is checked
again at that very moment (minutes can pass between claim and send), the run's time budget is checked (no provider
call starts after it: unsent claims go back to Scheduled), and a text's rendered words are checked once more
(clinical words, booking link, size). A template that breaks a bound with a patient's real values
(engine.templates.TemplateProblem) skips that attempt with the rule it broke, and the same touch's other attempts
in the chunk are skipped without rendering it again. Results, Communications and their timeline links are written
per chunk; the caller commits once per chunk. A delivery report that reached an attempt while its chunk was still
sending is kept (see winback_app.sending.delivery).

A provider in trouble stops the run (engine.sending.Breaker): one account-wide rate limit (429) or a few provider
errors in a row; whatever was claimed and not tried goes back to Scheduled, due a few minutes later. The job's own
timeout (rq's JobTimeoutException) is never taken for a provider error: what is known is written, what was never
tried is given back, and the exception goes on to rq.

Texts through a channel that may be called from several threads at once (Twilio: it never touches the database)
go out up to RunState.senders at a time (Win-Back Settings > Texts in flight at once): a provider call takes
100-300 ms at Twilio, so one at a time caps a worker at a few texts a second whatever the account allows. Every
check above still runs in the job's own thread, one text after another, right before the text is handed to a
sender thread; the pace is kept there too (Pacer); a number never has two texts in flight (the second waits for
the first, so "the first text to a number" stays true); results are recorded in the job's thread as they
come back. An attempt whose call is still in flight when the job is stopped stays Sending, as with one sender.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from rq.timeouts import BaseTimeoutException

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app.booking.links import booking_token
from winback_app.engine import booking_talk, templates
from winback_app.engine.sending import (
	MESSAGE_CHANNELS,
	REPORTED,
	Breaker,
	at_leave,
	ensure_first_sms_identifies,
	merged_status,
	sms_problem_at_send,
)
from winback_app.infra import bulk
from winback_app.infra.clock import now_utc, to_db
from winback_app.infra.communications import Message, new_name
from winback_app.infra.communications import write as write_communications
from winback_app.infra.errors import log_error
from winback_app.sending.channels.base import (
	FAILED,
	INVALID,
	OPTED_OUT,
	RATE_LIMITED,
	RETRY,
	SENT,
	UNKNOWN,
	OutboundMessage,
	SendResult,
)
from winback_app.sending.claim import Claimed
from winback_app.sending.look import NumberLook
from winback_app.sending.render import context, load_facts, opt_out_text, step_words

ATTEMPT = "Win-Back Contact Attempt"
Attempt = DocType(ATTEMPT)
Unsubscribe = DocType("Email Unsubscribe")
RETRY_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
BREAKER_PAUSE = timedelta(minutes=5)  # what a stopped run's rest waits before the next run may take it
# rq raises these in the job when its timeout is reached: they subclass Exception, so they must be let through
# before any `except Exception` (a timeout is not a provider error, and the job must stop).
JOB_STOPPED = (BaseTimeoutException,)


class Pacer:
	"""At most `per_second` provider calls per second from this worker."""

	def __init__(self, per_second: int):
		self.gap = 1.0 / per_second if per_second and per_second > 0 else 0.0
		self.next_at = 0.0

	def next_slot(self) -> float:
		"""The monotonic time the next call may start."""
		return max(time.monotonic(), self.next_at)

	def wait(self):
		if not self.gap:
			return
		now = time.monotonic()
		if now < self.next_at:
			time.sleep(self.next_at - now)
		self.next_at = max(now, self.next_at) + self.gap


@dataclass
class RunState:
	"""What one dispatcher run carries from chunk to chunk: its deadline, pace, breaker and clock."""

	deadline: float = float("inf")  # time.monotonic() after which no provider call starts
	pacer: Pacer | None = None
	breaker: Breaker = field(default_factory=Breaker)
	clock: Callable[[], datetime] = now_utc  # aware UTC "now" for the window check at the moment of leaving
	stop_reason: str | None = None
	senders: int = 1  # texts in flight at once through a channel that allows it (channel.concurrent)
	pool: ThreadPoolExecutor | None = None

	def sender_pool(self) -> ThreadPoolExecutor:
		if self.pool is None:
			self.pool = ThreadPoolExecutor(max_workers=self.senders, thread_name_prefix="winback-send")
		return self.pool

	def close(self, cancel: bool = False) -> None:
		"""The run is over (or stopped): the sender threads end once their calls return."""
		if self.pool is not None:
			self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
			self.pool = None


def blocked_now(c: Claimed, look: NumberLook | None = None) -> str | None:
	"""The last look before the provider call (a text's number through the chunk's look when given: sending.look)."""
	channel = c.decision.channel
	if channel == "SMS" and c.to:
		look = look or NumberLook([c.to])
		reason = look.reason(c.to)
		if reason:
			return reason
	if channel == "Email" and c.to:
		hit = (
			frappe.qb.from_(Unsubscribe)
			.select(Unsubscribe.name)
			.where(Unsubscribe.email == c.to)
			.where(
				(Unsubscribe.global_unsubscribe == 1)
				| (
					(Unsubscribe.reference_doctype == "Patient Lapse")
					& (Unsubscribe.reference_name == c.lapse["name"])
				)
			)
			.limit(1)
			.run()
		)
		if hit:
			return _("Unsubscribed from email")
	return None


def build_message(c: Claimed, settings, first_sms_numbers: set[str]) -> tuple[OutboundMessage, str]:
	"""The message and the booking link it must carry."""
	touch = c.attempt["touch_spec"]
	token = booking_token(c.lapse, settings)
	channel = c.decision.channel
	first = c.to not in first_sms_numbers
	# The step's words in the patient's language where the campaign has them (a minor's: for their parent, in the
	# parent's language), the variables in the same language.
	template, email_subject, language = step_words(
		touch, c.attempt["segment_spec"].rule_kind, channel, first, c.lapse, c.guardian
	)
	ctx = context(c.lapse, c.patient, settings, token, language, c.guardian)
	body = templates.render(template, ctx)
	subject = templates.render(email_subject, ctx) if email_subject else ""
	if channel == "Email" and not subject:  # an SMS touch sent by email (fallback) has no subject of its own
		subject = _("A message from {0}").format(settings.practice_name or _("your clinic"))
	if channel == "SMS":
		body = ensure_first_sms_identifies(body, first, settings.practice_name or "", opt_out_text(language))
	message = OutboundMessage(
		attempt=c.attempt["name"],
		channel=channel,
		to=c.to,
		body=body,
		subject=subject,
		lapse=c.lapse["name"],
		patient=c.attempt["patient"],
	)
	return message, ctx["booking_link"]


def message_problem(c: Claimed, message: OutboundMessage, booking_link: str, settings) -> str | None:
	"""The last look at the words: a text is only ever a text step's words, and still passes the text checks."""
	if message.channel != "SMS":
		return None
	if c.attempt["touch_spec"].channel != "SMS":
		return "The campaign step is no longer a text"
	return sms_problem_at_send(
		message.body,
		booking_link=booking_link,
		practice_name=settings.practice_name or "",
		allow_clinical=c.attempt["segment_spec"].allow_clinical_detail,
	)


def numbers_already_texted(numbers: list[str]) -> set[str]:
	if not numbers:
		return set()
	return set(
		frappe.qb.from_(Attempt)
		.select(Attempt.to_address)
		.distinct()
		.where(Attempt.to_address.isin(numbers))
		.where(Attempt.channel == "SMS")
		.where(Attempt.status.isin(("Sent", "Delivered", "Unknown")))
		.run(pluck=True)
	)


def send_claimed(
	claimed: list[Claimed], channels, settings, pacer: Pacer | None = None, run: RunState | None = None
) -> dict:
	"""Send each claimed attempt once. Returns counts per outcome ("Returned": given back unsent).

	Results are written together at the end of the chunk, in the chunk's transaction: if the worker dies first,
	the rows stay Sending and become Unknown (or are settled by their delivery reports), never resent.
	"""
	run = run or RunState()
	if pacer is not None:
		run.pacer = pacer
	chunk = _Chunk(claimed, channels, settings, run)
	try:
		chunk.send_all()
	except JOB_STOPPED:
		chunk.interrupted()
		run.close(cancel=True)
		raise
	chunk.write()
	return chunk.counts


class _Chunk:
	def __init__(self, claimed: list[Claimed], channels, settings, run: RunState):
		self.claimed, self.channels, self.settings, self.run = claimed, channels, settings, run
		load_facts([c.lapse for c in claimed])  # the words' facts for the whole chunk, in a few queries
		self.counts: dict[str, int] = {}
		self.updates: dict[str, dict] = {}
		self.communications: list[Message] = []
		self.texted = numbers_already_texted(
			sorted({c.to for c in claimed if c.decision.channel == "SMS" and c.to})
		)
		self.blocked_numbers = chunk_opt_outs(claimed)
		self.look = NumberLook(c.to for c in claimed if c.decision.channel == "SMS")
		self.position = 0  # the attempt being worked on
		self.in_flight = False  # its provider call (in this thread) has started and not returned
		# Texts handed to sender threads whose results are not recorded yet: {future: (claim, message)}
		self.flying: dict[Future, tuple[Claimed, OutboundMessage]] = {}
		# {(campaign, touch): why}: a touch whose template broke a bound is not rendered again in this chunk
		self.broken_touches: dict[tuple[str, str], str] = {}
		# (patient, number, lapse, question) of each text that left asking a question the patient may answer
		self.questions: list[tuple[str, str, str, str]] = []
		self.question_of: dict[str, str | None] = {}  # a body's question, worked out once per distinct text

	def count(self, outcome: str, n: int = 1) -> None:
		self.counts[outcome] = self.counts.get(outcome, 0) + n

	def send_all(self) -> None:
		for position, c in enumerate(self.claimed):
			self.position = position
			self.collect(block=False)
			if self.run.stop_reason:
				self.give_back(self.claimed[position:], self.run.stop_reason)
				break
			self.send_one(c)
		else:
			self.position = len(self.claimed)
		while self.flying:
			self.collect(block=True)

	def send_one(self, c: Claimed) -> None:
		name = c.attempt["name"]
		channel = self.channels[c.decision.channel]
		# Anything that really leaves gets the last look right before its provider call; the Outbox, which
		# sends nothing, relies on the look taken for the whole chunk just before this loop.
		leaves = channel.name != "Outbox"
		together = leaves and self.run.senders > 1 and bool(getattr(channel, "concurrent", False))
		if together:
			# A sender thread free, and this number's earlier text back, before the checks below are made.
			self.make_room(c.to)
			if self.run.stop_reason:  # a text that came back meanwhile stopped the run
				self.give_back([c], self.run.stop_reason)
				return
		reason = (
			blocked_now(c, self.look)
			if leaves
			else self.blocked_numbers.get(c.to)
			if c.decision.channel == "SMS"
			else None
		)
		if reason:
			self.updates[name] = {"status": "Skipped", "skip_reason": reason}
			self.count("Skipped")
			return
		valid_for = None
		if leaves and c.decision.channel in MESSAGE_CHANNELS and c.window is not None:
			leave = at_leave(c.window, c.time_zone, self.run.clock())
			if not leave.ok:
				self.updates[name] = released(
					"Postponed: the send window closed before it left", to_db(leave.until)
				)
				self.count("Postponed")
				return
			valid_for = leave.valid_for
		paced = bool(leaves and self.run.pacer and c.decision.channel == "SMS")
		if leaves and (self.run.pacer.next_slot() if paced else time.monotonic()) >= self.run.deadline:
			self.run.stop_reason = "The run's time budget ran out"
			self.give_back([c], self.run.stop_reason)
			return
		rendered = self.render(c)
		if rendered is None:
			return
		message, link = rendered
		problem = message_problem(c, message, link, self.settings)
		if problem:
			self.updates[name] = {"status": "Skipped", "skip_reason": problem[:140], "body": message.body}
			self.count("Skipped")
			return
		if valid_for and message.channel == "SMS":
			message = replace(message, valid_for=valid_for)
		if paced:
			self.run.pacer.wait()
		if together:
			self.flying[self.run.sender_pool().submit(channel.send, message)] = (c, message)
			return
		self.in_flight = True
		try:
			result = channel.send(message)
		except JOB_STOPPED:
			raise
		except Exception as exc:  # a channel bug must not kill the batch; it may have sent, so Unknown
			result = self.raised(channel, message, exc)
		self.in_flight = False
		self.after_send(c, message, result, leaves)

	def raised(self, channel, message: OutboundMessage, exc: Exception) -> SendResult:
		"""A channel that raised may have sent: Unknown (class and attempt in the Error Log, nothing else)."""
		log_error("Win-back: channel raised", exc, doctype=ATTEMPT, name=message.attempt)
		return SendResult(UNKNOWN, getattr(channel, "name", message.channel), error_code=type(exc).__name__)

	def make_room(self, number: str) -> None:
		"""Before a text is handed to a sender thread: a free thread, and no other text to its number in flight."""
		while any(m.to == number for _c, m in self.flying.values()):
			self.collect(block=True)
		while len(self.flying) >= self.run.senders:
			self.collect(block=True)

	def collect(self, block: bool) -> None:
		"""Record the texts that came back (block: wait for at least one), in this thread."""
		if not self.flying:
			return
		done, _waiting = wait_for(
			list(self.flying), timeout=None if block else 0, return_when=FIRST_COMPLETED
		)
		for future in done:
			c, message = self.flying.pop(future)
			try:
				result = future.result()
			except Exception as exc:
				result = self.raised(self.channels[c.decision.channel], message, exc)
			self.after_send(c, message, result, True)

	def after_send(self, c: Claimed, message: OutboundMessage, result: SendResult, leaves: bool) -> None:
		name = c.attempt["name"]
		if message.channel == "SMS" and result.outcome in (SENT, UNKNOWN):
			self.texted.add(message.to)
			self.note_question(c, message)
		stop = self.run.breaker.after(result.trouble) if leaves else None
		if result.trouble == RATE_LIMITED:
			# The account is being throttled, not this message refused: back with the rest, no try spent.
			self.give_back([c], stop or "The provider is rate-limiting the account")
		else:
			self.updates[name] = record(c, message, result, self.communications)
			self.count(result.outcome)
		if stop:
			self.run.stop_reason = stop

	def note_question(self, c: Claimed, message: OutboundMessage) -> None:
		"""A text that asks "reply 1, 2 or 3", "reply A" or "reply with a day": its answer will be read against it."""
		body = message.body or ""
		if body not in self.question_of:
			self.question_of[body] = booking_talk.question_in(body)
		kind = self.question_of[body]
		if kind:
			self.questions.append((c.attempt["patient"], message.to, c.lapse.get("name"), kind))

	def render(self, c: Claimed) -> tuple[OutboundMessage, str] | None:
		"""The message and its booking link; None when it cannot be rendered (the attempt's result is noted)."""
		name = c.attempt["name"]
		touch = (c.attempt["segment"], c.attempt["touch"])
		if touch in self.broken_touches:
			self.updates[name] = {"status": "Skipped", "skip_reason": self.broken_touches[touch]}
			self.count("Skipped")
			return None
		try:
			return build_message(c, self.settings, self.texted)
		except JOB_STOPPED:
			raise
		except templates.TemplateProblem as exc:
			# The manager's template broke a bound (loops, size, time) with real values: the message names the
			# rule, never a value. Staff read it on the attempt; an Error Log per attempt would only repeat it,
			# and rendering the same touch again for the rest of the chunk would cost the bound each time.
			self.broken_touches[touch] = str(exc)[:140]
			self.updates[name] = {"status": "Skipped", "skip_reason": self.broken_touches[touch]}
			self.count("Skipped")
		except Exception as exc:
			log_error("Win-back: message could not be rendered", exc, doctype=ATTEMPT, name=name)
			self.updates[name] = {"status": "Failed", "error_code": "render", "error_message": str(exc)[:500]}
			self.count("Failed")
		return None

	def give_back(self, claimed: list[Claimed], why: str) -> None:
		"""Claims never tried go back to Scheduled: due again at once after a time budget, a few minutes later
		when the provider is in trouble."""
		due = None
		if self.run.breaker.reason:
			due = now_datetime() + BREAKER_PAUSE
		for c in claimed:
			self.updates[c.attempt["name"]] = released(f"Returned unsent: {why}", due)
		if claimed:
			self.count("Returned", len(claimed))

	def interrupted(self) -> None:
		"""The job is being stopped (rq's timeout). The attempt whose provider call was cut stays Sending: it
		may have gone, so it becomes Unknown later unless its delivery report arrives first. Everything else is
		written or given back, best effort, before the exception goes on."""
		rest = self.claimed[self.position + (1 if self.in_flight else 0) :]
		try:
			# Texts that came back are recorded; those still in flight stay Sending (they may have gone).
			done = [f for f in self.flying if f.done()]
			for future in done:
				c, message = self.flying.pop(future)
				try:
					result = future.result()
				except Exception:
					result = SendResult(UNKNOWN, message.channel, error_code="raised")
				self.after_send(c, message, result, True)
			self.give_back([c for c in rest if c.attempt["name"] not in self.updates], "the job was stopped")
			self.write()
		except Exception as exc:
			log_error("Win-back: results of an interrupted chunk could not be written", exc)

	def write(self) -> None:
		write_communications(self.communications)
		if self.questions:
			from winback_app.replies.conversation import register_questions

			register_questions(self.questions, now_datetime())
		keep_reports(self.updates)
		bulk.update_dicts(ATTEMPT, self.updates)


def released(reason: str, due=None) -> dict:
	"""An attempt given back unsent: Scheduled again, its claim cleared."""
	values = {"status": "Scheduled", "claim_token": None, "claimed_at": None, "skip_reason": reason[:140]}
	if due is not None:
		values["due_at"] = due
	return values


def keep_reports(updates: dict[str, dict]) -> None:
	"""A delivery report that reached an attempt while its chunk was still sending wins over our own result.

	The report set the status (and the carrier's error code); we still write the body, provider, message id,
	send time and Communication. Only Twilio sends reports; the rows are locked until the chunk commits.
	"""
	names = [name for name, values in updates.items() if values.get("provider") == "Twilio"]
	if not names:
		return
	reported = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name, Attempt.status)
		.where(Attempt.name.isin(names))
		.where(Attempt.status.isin(REPORTED))
		.for_update()
		.run()
	)
	for name, status in reported:
		values = updates[name]
		if merged_status(values.get("status", ""), status) == status:
			for key in ("status", "error_code", "error_message", "due_at", "tries", "skip_reason"):
				values.pop(key, None)
			if not values.get("provider_id"):
				values.pop("provider_id", None)


def chunk_opt_outs(claimed: list[Claimed]) -> dict[str, str]:
	"""Every blocked number of the chunk, read once: {number: reason shown to staff}."""
	from winback_app.contacts.optouts import block_reasons

	return block_reasons(c.to for c in claimed if c.decision.channel == "SMS" and c.to)


def record(c: Claimed, message: OutboundMessage, result: SendResult, communications: list[Message]) -> dict:
	"""What to write on the attempt for this result (the caller writes the chunk's results together)."""
	now = now_datetime()
	common = {
		"provider": result.provider,
		"provider_id": result.provider_id or None,
		"error_code": result.error_code or None,
		"error_message": result.error_message or None,
		"body": message.body,
	}
	if result.outcome == SENT:
		comm = None
		if message.channel in ("SMS", "Email"):
			comm = new_name()
			communications.append(sent_communication(comm, c, message, result))
		todo = result.provider_id if message.channel == "Call Task" else None
		return {"status": "Sent", "sent_at": now, "communication": comm, "todo": todo, **common}
	if result.outcome == RETRY and c.attempt["tries"] < len(RETRY_BACKOFF):
		due = now + RETRY_BACKOFF[c.attempt["tries"]]
		return {
			"status": "Scheduled",
			"due_at": due,
			"tries": c.attempt["tries"] + 1,
			"skip_reason": "Retrying",
			**common,
		}
	if result.outcome == UNKNOWN:
		return {"status": "Unknown", **common}
	if result.outcome in (OPTED_OUT, INVALID):
		from winback_app.contacts.optouts import block_number

		reason = "Opted Out" if result.outcome == OPTED_OUT else "Invalid Number"
		block_number(
			message.to,
			reason,
			source="Carrier",
			patient=c.attempt["patient"],
			words=f"Twilio {result.error_code}",
		)
		seg = c.attempt["segment_spec"]
		if result.outcome == INVALID and seg.fall_back_to_email and c.patient.get("email"):
			# The same touch again by email: back to Scheduled; the next claim decides with the number blocked.
			return {
				"status": "Scheduled",
				"due_at": now,
				"skip_reason": "Number cannot get texts: trying email",
				**common,
			}
	return {"status": FAILED, **common}


def sent_communication(name: str, c: Claimed, message: OutboundMessage, result: SendResult) -> Message:
	"""Every sent SMS and email becomes a Communication on the patient's timeline, linked to the lapse."""
	outbox = result.provider == "Outbox"
	subject = message.subject if message.channel == "Email" else _("Text message")
	if outbox:
		subject = _("Outbox (not sent): {0}").format(subject)
	return Message(
		name=name,
		subject=subject,
		medium=message.channel,
		direction="Sent",
		content=message.body,
		phone_no=message.to if message.channel == "SMS" else None,
		recipients=message.to if message.channel == "Email" else None,
		reference_doctype="Patient Lapse",
		reference_name=message.lapse,
		delivery_status=None if outbox else "Sent",
		patient=c.attempt["patient"],
		patient_title=c.patient.get("patient_name"),
	)


def recover_stale(now: datetime, older_than: timedelta = timedelta(minutes=15)) -> int:
	"""Attempts left Sending by a worker that died: they may have gone out, so Unknown, for a person to check."""
	stale = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name)
		.where(Attempt.status == "Sending")
		.where(Attempt.claimed_at < now - older_than)
		.run(pluck=True)
	)
	if stale:
		(
			frappe.qb.update(Attempt)
			.set(Attempt.status, "Unknown")
			.set(
				Attempt.error_message,
				"The sending worker stopped before recording a result. It may have gone out: its delivery report "
				"settles it if one arrives; otherwise check before resending.",
			)
			.where(Attempt.name.isin(stale))
			.where(Attempt.status == "Sending")
		).run()
	return len(stale)
