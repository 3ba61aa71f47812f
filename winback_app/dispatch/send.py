"""Send claimed attempts through their channel and record what happened.

Right before each provider call the number's opt-out and the email's unsubscribe are read again (the
dispatcher runs at READ COMMITTED, so an opt-out committed by the webhook a moment ago is seen). Results,
Communications and their timeline links are written per chunk; the caller commits once per chunk.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app import bulk
from winback_app.channels.base import (
	FAILED,
	INVALID,
	OPTED_OUT,
	RETRY,
	SENT,
	UNKNOWN,
	OutboundMessage,
	SendResult,
)
from winback_app.communications import Message, new_name
from winback_app.communications import write as write_communications
from winback_app.dispatch.claim import Claimed
from winback_app.dispatch.render import OPT_OUT_TEXT, booking_token, context
from winback_app.engine import templates
from winback_app.engine.sending import ensure_first_sms_identifies

Attempt = DocType("Win-Back Contact Attempt")
OptOut = DocType("Win-Back SMS Opt-Out")
Unsubscribe = DocType("Email Unsubscribe")
RETRY_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))


class Pacer:
	"""At most `per_second` provider calls per second from this worker."""

	def __init__(self, per_second: int):
		self.gap = 1.0 / per_second if per_second and per_second > 0 else 0.0
		self.next_at = 0.0

	def wait(self):
		if not self.gap:
			return
		now = time.monotonic()
		if now < self.next_at:
			time.sleep(self.next_at - now)
		self.next_at = max(now, self.next_at) + self.gap


def blocked_now(c: Claimed) -> str | None:
	"""The last look before the provider call."""
	channel = c.decision.channel
	if channel == "SMS" and c.to:
		reason = (
			frappe.qb.from_(OptOut)
			.select(OptOut.reason)
			.where(OptOut.name == c.to)
			.where(OptOut.active == 1)
			.run(pluck=True)
		)
		if reason:
			return (
				_("Number opted out of texts")
				if reason[0] == "Opted Out"
				else _("Number flagged: {0}").format(reason[0])
			)
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


def build_message(c: Claimed, settings, first_sms_numbers: set[str]) -> OutboundMessage:
	touch = c.attempt["touch_spec"]
	token = booking_token(c.lapse, settings)
	ctx = context(c.lapse, c.patient, settings, token)
	body = templates.render(touch.template, ctx)
	subject = templates.render(touch.email_subject, ctx) if touch.email_subject else ""
	channel = c.decision.channel
	if channel == "Email" and not subject:  # an SMS touch sent by email (fallback) has no subject of its own
		subject = _("A message from {0}").format(settings.practice_name or _("your clinic"))
	if channel == "SMS":
		first = c.to not in first_sms_numbers
		body = ensure_first_sms_identifies(body, first, settings.practice_name or "", _(OPT_OUT_TEXT))
		first_sms_numbers.add(c.to)
	return OutboundMessage(
		attempt=c.attempt["name"],
		channel=channel,
		to=c.to,
		body=body,
		subject=subject,
		lapse=c.lapse["name"],
		patient=c.attempt["patient"],
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


def send_claimed(claimed: list[Claimed], channels, settings, pacer: Pacer | None = None) -> dict:
	"""Send each claimed attempt once. Returns counts per outcome.

	Results are written together at the end of the chunk (bulk.update_dicts), in the chunk's transaction:
	if the worker dies first, the rows stay Sending and become Unknown, exactly as with per-row writes.
	"""
	counts: dict[str, int] = {}
	updates: dict[str, dict] = {}
	texted = numbers_already_texted(sorted({c.to for c in claimed if c.decision.channel == "SMS" and c.to}))
	blocked_numbers = chunk_opt_outs(claimed)
	communications: list[Message] = []
	for c in claimed:
		name = c.attempt["name"]
		# Anything that really leaves gets the last look right before its provider call; the Outbox, which
		# sends nothing, relies on the look taken for the whole chunk just before this loop.
		leaves = channels[c.decision.channel].name != "Outbox"
		reason = (
			blocked_now(c) if leaves else blocked_numbers.get(c.to) if c.decision.channel == "SMS" else None
		)
		if reason:
			updates[name] = {"status": "Skipped", "skip_reason": reason}
			counts["Skipped"] = counts.get("Skipped", 0) + 1
			continue
		try:
			message = build_message(c, settings, texted)
		except Exception as exc:
			frappe.log_error(
				title="Win-back: message could not be rendered",
				reference_doctype="Win-Back Contact Attempt",
				reference_name=name,
			)
			updates[name] = {"status": "Failed", "error_code": "render", "error_message": str(exc)[:500]}
			counts["Failed"] = counts.get("Failed", 0) + 1
			continue
		channel = channels[message.channel]
		if pacer and message.channel == "SMS" and channel.name != "Outbox":
			pacer.wait()
		try:
			result = channel.send(message)
		except Exception as exc:  # a channel bug must not kill the batch; it may have sent, so Unknown
			frappe.log_error(
				title="Win-back: channel raised",
				reference_doctype="Win-Back Contact Attempt",
				reference_name=name,
			)
			result = SendResult(
				UNKNOWN,
				getattr(channel, "name", message.channel),
				error_code=type(exc).__name__,
				error_message=str(exc)[:500],
			)
		updates[name] = record(c, message, result, communications)
		counts[result.outcome] = counts.get(result.outcome, 0) + 1
	write_communications(communications)
	bulk.update_dicts("Win-Back Contact Attempt", updates)
	return counts


def chunk_opt_outs(claimed: list[Claimed]) -> dict[str, str]:
	"""Every blocked number of the chunk, read once: {number: reason shown to staff}."""
	numbers = sorted({c.to for c in claimed if c.decision.channel == "SMS" and c.to})
	if not numbers:
		return {}
	rows = (
		frappe.qb.from_(OptOut)
		.select(OptOut.name, OptOut.reason)
		.where(OptOut.name.isin(numbers))
		.where(OptOut.active == 1)
		.run()
	)
	return {
		n: _("Number opted out of texts") if r == "Opted Out" else _("Number flagged: {0}").format(r)
		for n, r in rows
	}


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
		from winback_app.optouts import block_number

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
				"The sending worker stopped before recording a result. Check before resending.",
			)
			.where(Attempt.name.isin(stale))
			.where(Attempt.status == "Sending")
		).run()
	return len(stale)
