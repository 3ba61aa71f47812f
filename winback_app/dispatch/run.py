"""The dispatcher: claim due attempts in chunks, commit, send, record, commit; until none are due.

Entry point winback_app.tasks.dispatch_due (every five minutes). Several workers may run it at once: claims
never overlap. A chunk's results are committed together (one commit per chunk, not per row: a crash loses at
most the chunk's bookkeeping, and those rows stay Sending and become Unknown, never resent).
"""

from __future__ import annotations

import time

import frappe
from frappe.utils import cint, now_datetime

from winback_app.channels.call_task import CallTaskChannel, front_desk_users
from winback_app.channels.email import EmailChannel
from winback_app.channels.gateway import GatewaySmsChannel
from winback_app.channels.outbox import OutboxChannel
from winback_app.channels.twilio_sms import TwilioConfig, TwilioSmsChannel
from winback_app.dispatch.claim import claim
from winback_app.dispatch.render import booking_base_url
from winback_app.dispatch.send import Pacer, recover_stale, send_claimed
from winback_app.engine.sending import Caps
from winback_app.segments import enabled_segment_specs, segment_spec
from winback_app.settings import get_settings, send_window

CHUNK = 200
TIME_BUDGET_SECONDS = 240  # leave room before the next five-minute run


def channels_for(settings, http_client=None) -> dict:
	mode = settings.sending_mode or "Outbox"
	if mode == "Twilio":
		sms = TwilioSmsChannel(twilio_config(settings), http_client=http_client)
	elif mode == "SMS Settings Gateway":
		sms = GatewaySmsChannel()
	else:
		sms = OutboxChannel()
	email = (
		OutboxChannel()
		if mode == "Outbox"
		else EmailChannel(settings.practice_name or "", settings.practice_address or "")
	)
	return {
		"SMS": sms,
		"Email": email,
		"Call Task": CallTaskChannel(front_desk_users(settings.front_desk_user)),
	}


def twilio_config(settings) -> TwilioConfig:
	return TwilioConfig(
		account_sid=settings.twilio_account_sid or "",
		auth_token=settings.get_password("twilio_auth_token", raise_exception=False) or "",
		messaging_service_sid=settings.twilio_messaging_service_sid or "",
		from_number=settings.twilio_from_number or "",
		status_callback=f"{booking_base_url(settings)}/api/method/winback_app.api.sms.status",
		timeout=float(settings.request_timeout_seconds or 10),
	)


def all_segment_specs() -> dict:
	"""Campaigns by name, disabled ones too: attempts already planned finish even if a campaign is switched off."""
	specs = {s.name: s for s in enabled_segment_specs()}
	for name in frappe.get_all("Campaign Segment", filters={"enabled": 0}, pluck="name"):
		specs[name] = segment_spec(frappe.get_cached_doc("Campaign Segment", name))
	return specs


def dispatch(
	chunk: int = CHUNK, time_budget: float = TIME_BUDGET_SECONDS, channels: dict | None = None
) -> dict:
	settings = get_settings()
	totals = {"claimed": 0, "skipped": 0, "postponed": 0, "recovered": 0}
	if cint(settings.pause_sending):
		return totals | {"paused": 1}
	# READ COMMITTED: each statement sees what other sessions committed, so an opt-out recorded by the
	# webhook while this worker sends is seen by its last look before the provider call.
	frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	try:
		frappe.db.commit()  # start clean at the new isolation level
		totals["recovered"] = recover_stale(now_datetime())
		frappe.db.commit()
		window = send_window()
		caps = Caps(cint(settings.max_messages_per_day), cint(settings.max_messages_per_week))
		require_consent = settings.sms_consent_policy == "Only patients who granted consent"
		segments = all_segment_specs()
		channels = channels or channels_for(settings)
		pacer = Pacer(cint(settings.messages_per_second))
		started = time.monotonic()
		token = frappe.generate_hash(length=12)
		while time.monotonic() - started < time_budget:
			result = claim(now_datetime(), chunk, token, window, caps, require_consent, segments)
			frappe.db.commit()  # the claim is durable before any provider call
			totals["claimed"] += len(result.to_send)
			totals["skipped"] += result.skipped
			totals["postponed"] += result.postponed
			if not (result.to_send or result.skipped or result.postponed):
				break
			for outcome, n in send_claimed(result.to_send, channels, settings, pacer).items():
				totals[outcome] = totals.get(outcome, 0) + n
			frappe.db.commit()  # one commit per chunk: results, Communications, timeline links
	finally:
		frappe.db.rollback()
		frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
	return totals
