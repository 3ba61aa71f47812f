"""The dispatcher: claim due attempts in chunks, commit, send, record, commit; until none are due or time is up.

Entry point: winback_app.tasks.dispatch_due (cron, every five minutes) only queues run_dispatch() as a job of
its own: queue "default", timeout JOB_TIMEOUT, one at a time per site (job_id + deduplicate). Frappe would
otherwise run it inside the scheduler's job (queue "default", rq's 300 s timeout, killed at 360 s) with
nothing saying so. The run then spends at most TIME_BUDGET_SECONDS: the budget is checked before every provider
call, not only between chunks, so the run ends at most one provider call (capped at MAX_PROVIDER_TIMEOUT)
and one chunk write after it: 240 + 30 + a few seconds, well inside 420. Claims it did not get to go back to
Scheduled; no chunk is ever cut by the timeout. Several runs may still overlap (a manual run, another site
worker): claims never overlap.

A chunk holds about CHUNK_SECONDS of sending at the provider's pace (1 text/s: 20 attempts; no limit: 200), and
its results are committed together (one commit per chunk, not per row: a crash loses at most the chunk's
bookkeeping, and those rows stay Sending, are settled by their delivery reports or become Unknown, never resent).
"""

from __future__ import annotations

import time

import frappe
from frappe.utils import cint, now_datetime

from winback_app.engine.sending import Breaker, Caps, chunk_for_pace
from winback_app.infra.errors import log_error
from winback_app.segments import enabled_segment_specs, segment_spec
from winback_app.sending.channels.call_task import CallTaskChannel
from winback_app.sending.channels.email import EmailChannel
from winback_app.sending.channels.gateway import GatewaySmsChannel
from winback_app.sending.channels.outbox import OutboxChannel
from winback_app.sending.channels.twilio_sms import TwilioConfig, TwilioSmsChannel
from winback_app.sending.claim import claim
from winback_app.sending.send import JOB_STOPPED, Pacer, RunState, recover_stale, send_claimed
from winback_app.sending.states import configured_ends
from winback_app.settings import check_public_address, get_settings, link_base_url, send_window
from winback_app.staff import front_desk_users

TIME_BUDGET_SECONDS = 240  # no provider call starts later than this into a run
MAX_PROVIDER_TIMEOUT = 30  # seconds; Settings > Provider timeout is capped here so the sum below holds
JOB_QUEUE = "default"
JOB_TIMEOUT = 420  # > budget + one provider call + one chunk write; rq kills the worker 60 s after it
JOB_ID = "winback_dispatch"
BREAKER_ERRORS = 3  # provider errors in a row that stop a run
MAX_TEXTS_IN_FLIGHT = 16


def dispatch_due() -> None:
	"""Queue one dispatcher run (run_dispatch) unless one is already queued or running for this site."""
	frappe.enqueue(
		"winback_app.sending.run.run_dispatch",
		queue=JOB_QUEUE,
		timeout=JOB_TIMEOUT,
		job_id=JOB_ID,
		deduplicate=True,
	)


def run_dispatch() -> dict:
	"""The queued job: one run, then the managers' alert if failures piled up."""
	totals = dispatch()
	from winback_app.sending.alerts import alert_if_needed

	alert_if_needed(get_settings())
	return totals


def provider_timeout(settings) -> float:
	return float(min(cint(settings.request_timeout_seconds) or 10, MAX_PROVIDER_TIMEOUT))


def channels_for(settings, http_client=None) -> dict:
	mode = settings.sending_mode or "Outbox"
	if mode == "Twilio":
		sms = TwilioSmsChannel(twilio_config(settings), http_client=http_client)
	elif mode == "SMS Settings Gateway":
		sms = GatewaySmsChannel(timeout=provider_timeout(settings))
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
		"Call Task": CallTaskChannel(front_desk_users(settings)),
	}


def twilio_config(settings) -> TwilioConfig:
	return TwilioConfig(
		account_sid=settings.twilio_account_sid or "",
		auth_token=settings.get_password("twilio_auth_token", raise_exception=False) or "",
		messaging_service_sid=settings.twilio_messaging_service_sid or "",
		from_number=settings.twilio_from_number or "",
		status_callback=f"{link_base_url(settings)}/api/method/winback_app.api.sms.status",
		timeout=provider_timeout(settings),
	)


def all_segment_specs() -> dict:
	"""Campaigns by name, disabled ones too: attempts already planned finish even if a campaign is switched off."""
	specs = {s.name: s for s in enabled_segment_specs()}
	for name in frappe.get_all("Campaign Segment", filters={"enabled": 0}, pluck="name"):
		specs[name] = segment_spec(frappe.get_cached_doc("Campaign Segment", name))
	return specs


def dispatch(
	chunk: int | None = None,
	time_budget: float = TIME_BUDGET_SECONDS,
	channels: dict | None = None,
	clock=None,
) -> dict:
	"""One run. chunk: attempts per claim (default: from the pace); clock: aware-UTC now (tests)."""
	settings = get_settings()
	totals = {"claimed": 0, "skipped": 0, "postponed": 0, "recovered": 0}
	if cint(settings.pause_sending):
		return totals | {"paused": 1}
	check_public_address(settings)  # every link that would leave needs the https public address
	started = time.monotonic()
	run = None
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
		state_ends = configured_ends(settings)
		channels = channels or channels_for(settings)
		pace = cint(settings.messages_per_second)
		chunk = chunk or chunk_for_pace(pace, paced=channels["SMS"].name != "Outbox")
		run = RunState(
			deadline=started + time_budget,
			pacer=Pacer(pace),
			breaker=Breaker(BREAKER_ERRORS),
			senders=texts_in_flight(settings),
		)
		if clock is not None:
			run.clock = clock
		token = frappe.generate_hash(length=12)
		while time.monotonic() < run.deadline and not run.stop_reason:
			# Campaigns are read for every chunk (cached documents): an edit made during a run is used from
			# the next chunk on, and a chunk's claim and words always come from the same read.
			segments = all_segment_specs()
			result = claim(now_datetime(), chunk, token, window, caps, require_consent, segments, state_ends)
			frappe.db.commit()  # the claim is durable before any provider call
			totals["claimed"] += len(result.to_send)
			totals["skipped"] += result.skipped
			totals["postponed"] += result.postponed
			if not (result.to_send or result.skipped or result.postponed):
				break
			try:
				counts = send_claimed(result.to_send, channels, settings, run=run)
			except JOB_STOPPED:
				_commit_what_is_known()
				raise
			for outcome, n in counts.items():
				totals[outcome] = totals.get(outcome, 0) + n
			frappe.db.commit()  # one commit per chunk: results, Communications, timeline links
		if run.stop_reason:
			totals["stopped"] = run.stop_reason
	finally:
		if run is not None:
			run.close()
		frappe.db.rollback()
		frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
	return totals


def texts_in_flight(settings) -> int:
	"""Win-Back Settings > Texts in flight at once: 4 when unset, at most MAX_TEXTS_IN_FLIGHT."""
	value = settings.get("texts_in_flight")
	return max(1, min(MAX_TEXTS_IN_FLIGHT, cint(value) if value not in (None, "") else 4))


def _commit_what_is_known() -> None:
	"""The job's timeout fired mid-chunk: send_claimed wrote the known results and gave back the claims it never
	tried; keep them. If even that fails, the rows stay Sending and are settled later, never resent."""
	try:
		frappe.db.commit()
	except Exception as exc:
		log_error("Win-back: results of an interrupted run could not be committed", exc)
