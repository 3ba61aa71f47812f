"""Lead texts leave: claim the due ones, take the last look, send through the app's channels, record, exactly once.

The same discipline as the dispatcher (sending/): due rows are claimed with SKIP LOCKED and marked Sending, and
that claim is committed before any provider call; results are written and committed after. A worker that dies
in between leaves rows Sending, which become Unknown (never resent) after STALE_AFTER. Texts go through the
configured SMS channel (sending/run.py channels_for: the Outbox, Twilio or the host's SMS gateway); email through
frappe.sendmail and call tasks as ToDos for the front desk, both referencing the Win-Back Lead.

The last look before each provider call: the lead is still open (a reply, a booking or a STOP cancels what is
planned; a planned row that slipped through is skipped here), the number is not on the opt-out list, the send
window is open unless it is the first answer to their own fresh message (engine/leads.may_leave_now), and the
number's daily cap (every text the app sent it counts) is not spent by a follow-up. Run from the document
events' job (one lead at once) and from the minute job (everything due).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import cint, get_datetime, now_datetime

from winback_app.contacts.optouts import block_number, block_reasons
from winback_app.engine import leads as rules
from winback_app.engine.answers import SMS_CONTEXT
from winback_app.engine.sending import ensure_first_sms_identifies
from winback_app.engine.states import latest_end, number_state
from winback_app.infra import bulk
from winback_app.infra.clock import to_db, to_utc
from winback_app.infra.communications import Message, new_name
from winback_app.infra.communications import write as write_communications
from winback_app.infra.errors import log_error
from winback_app.leads import status
from winback_app.sending.channels.base import (
	INVALID,
	OPTED_OUT,
	RETRY,
	SENT,
	UNKNOWN,
	OutboundMessage,
	SendResult,
)
from winback_app.sending.render import OPT_OUT_TEXT
from winback_app.sending.states import configured_ends
from winback_app.settings import clinic_time_zone, get_settings, send_window

WLead = DocType("Win-Back Lead")
WText = DocType("Win-Back Lead Text")
Attempt = DocType("Win-Back Contact Attempt")
STALE_AFTER = timedelta(minutes=15)
RETRY_AFTER = timedelta(minutes=5)
CHUNK = 200
MISSED_CALL_KEY = "missed-call:"  # leads/intake.py missed_call_key
LEAD_FIELDS = (
	"name",
	"lead",
	"status",
	"source",
	"first_name",
	"phone",
	"email",
	"language",
	"patient",
	"appointment",
	"wrote_first",
	"received_on",
)


def send_due(lead: str | None = None, now: datetime | None = None, chunk: int = CHUNK) -> dict:
	"""Send every due text (or only this lead's), chunk by chunk. Commits: the claim before the provider calls,
	the results after. Returns counts per outcome."""
	settings = get_settings()
	totals: dict[str, int] = {}
	if cint(settings.pause_sending):
		return {"paused": 1}
	# READ COMMITTED, as the dispatcher: the claim's locking read takes no gap locks, so it never deadlocks with
	# the Leads being inserted meanwhile (each writes its texts into the same index), and the last look before
	# each provider call sees an opt-out committed a moment ago.
	frappe.db.commit()
	frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	try:
		recover_stale(now_datetime())
		frappe.db.commit()
		if not anything_due(now):
			return totals
		# Built before anything is claimed: a configuration the channel refuses (Twilio without the https public
		# address) stops the job here, and the texts stay Scheduled instead of being left Sending.
		channels = lead_channels(settings)
		while True:
			claimed = claim(now or now_datetime(), chunk, lead)
			frappe.db.commit()  # the claim is durable before any provider call
			if not claimed:
				break
			for outcome, n in send_claimed(claimed, channels, settings, now).items():
				totals[outcome] = totals.get(outcome, 0) + n
			frappe.db.commit()  # the chunk's results, Communications and the leads' status
			if len(claimed) < chunk:
				break
	finally:
		frappe.db.rollback()
		frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
	return totals


def anything_due(now: datetime | None = None) -> bool:
	"""Is any lead text waiting to leave now? (One read of the (status, due_at) index: a late job's way out.)"""
	return bool(
		frappe.qb.from_(WText)
		.select(WText.name)
		.where(WText.status == "Scheduled")
		.where(WText.due_at <= (now or now_datetime()))
		.limit(1)
		.run()
	)


def claim(now: datetime, chunk: int, lead: str | None = None) -> list[frappe._dict]:
	"""Due Scheduled texts, oldest first, locked and marked Sending; rows another worker holds are skipped."""
	query = (
		frappe.qb.from_(WText)
		.select(
			WText.name,
			WText.lead_record,
			WText.step,
			WText.channel,
			WText.to_address,
			WText.due_at,
			WText.dedupe_key,
		)
		.where(WText.status == "Scheduled")
		.where(WText.due_at <= now)
		.orderby(WText.due_at)
		.orderby(WText.name)
		.limit(chunk)
		.for_update(skip_locked=True)
	)
	if lead:
		query = query.where(WText.lead_record == lead)
	rows = query.run(as_dict=True)
	if rows:
		frappe.qb.update(WText).set(WText.status, "Sending").set(WText.claimed_at, now_datetime()).where(
			WText.name.isin([r.name for r in rows])
		).run()
	return rows


def lead_channels(settings) -> dict:
	"""SMS through the configured channel (the same one every win-back text uses); email and call tasks below."""
	from winback_app.sending.run import channels_for

	return {"SMS": channels_for(settings)["SMS"]}


def send_claimed(claimed: list, channels: dict, settings, now: datetime | None = None) -> dict:
	counts: dict[str, int] = {}
	leads = rows_by_name([r.lead_record for r in claimed])
	blocked = block_reasons(r.to_address for r in claimed if r.channel == rules.SMS)
	blocked.update(unsubscribed([r for r in claimed if r.channel == rules.EMAIL]))
	blocked.update(do_not_contact(leads))
	texted_today = texts_today([r.to_address for r in claimed if r.channel == rules.SMS])
	clinic_window, tz = send_window(), clinic_time_zone()
	ends = configured_ends(settings)  # stricter texting hours by US state (the number's area code)
	updates: dict[str, dict] = {}
	messages: list[Message] = []
	answered: list[str] = []
	asked: list[tuple] = []  # (lead, number, words) of each text that left
	texted = texted_before([r.to_address for r in claimed if r.channel == rules.SMS])
	for row in claimed:
		lead = leads.get(row.lead_record)
		moment = now or now_datetime()
		reason = why_not(row, lead, blocked)
		if reason:
			updates[row.name] = {"status": "Skipped", "skip_reason": reason}
			counts["Skipped"] = counts.get("Skipped", 0) + 1
			continue
		# A missed call on a lead we already had is answered as fresh as the call itself (planned at once).
		heard = row.due_at if answers_fresh_contact(row) else lead.received_on
		received = to_utc(get_datetime(heard)) if heard else None
		window = clinic_window
		if row.channel == rules.SMS:
			end, state = latest_end({number_state(row.to_address)}, ends)
			window = clinic_window.ending_by(end)
			if window.never_open:
				updates[row.name] = {"status": "Skipped", "skip_reason": f"No texting hours left in {state}"}
				counts["Skipped"] = counts.get("Skipped", 0) + 1
				continue
		wait = rules.may_leave_now(row.step, bool(lead.wrote_first), received, to_utc(moment), window, tz)
		if wait is not None:
			updates[row.name] = {
				"status": "Scheduled",
				"due_at": to_db(wait),
				"skip_reason": "Waiting for the send window",
			}
			counts["Postponed"] = counts.get("Postponed", 0) + 1
			continue
		day_cap = cint(settings.max_messages_per_day)
		if (
			row.step in (rules.FOLLOW_UP_1, rules.FOLLOW_UP_2)
			and day_cap
			and texted_today.get(row.to_address, 0) >= day_cap
		):
			tomorrow = window.next_open(to_utc(moment) + timedelta(days=1), tz)
			updates[row.name] = {
				"status": "Scheduled",
				"due_at": to_db(tomorrow),
				"skip_reason": "Daily cap for this number",
			}
			counts["Postponed"] = counts.get("Postponed", 0) + 1
			continue
		body, subject = words(row, lead, settings)
		if row.channel == rules.SMS:
			body = ensure_first_sms_identifies(
				body, row.to_address not in texted, settings.practice_name or "", _(OPT_OUT_TEXT)
			)
		result = send_one(row, lead, body, subject, channels, settings)
		updates[row.name] = record(row, lead, body, result, messages)
		counts[result.outcome] = counts.get(result.outcome, 0) + 1
		if result.outcome in (SENT, UNKNOWN) and row.channel == rules.SMS:
			texted_today[row.to_address] = texted_today.get(row.to_address, 0) + 1
			texted.add(row.to_address)
		if result.outcome == SENT:
			answered.append(lead.name)
			if row.channel == rules.SMS:
				asked.append((lead, row.to_address, body))
	write_communications(messages)
	keep_reports(updates)
	bulk.update_dicts("Win-Back Lead Text", updates)
	status.answered(sorted(set(answered)), now_datetime())
	register_questions(asked, now or now_datetime())
	return counts


def keep_reports(updates: dict[str, dict]) -> None:
	"""A delivery report that reached a text while its chunk was still sending (leads/delivery.py) is kept: our
	own "Sent" must not undo its "Delivered" or "Failed"."""
	names = [name for name, values in updates.items() if values.get("provider") == "Twilio"]
	if not names:
		return
	for name in (
		frappe.qb.from_(WText)
		.select(WText.name)
		.where(WText.name.isin(names))
		.where(WText.status.isin(("Delivered", "Failed")))
		.run(pluck=True)
	):
		updates[name].pop("status", None)


def register_questions(asked: list[tuple], now: datetime) -> None:
	"""A text that asks "reply with a day" starts the book-by-text conversation with the lead (keyed by the
	number and the lead until booking makes them a patient): their answer is read against it."""
	from winback_app.engine import booking_talk
	from winback_app.replies import conversation

	failed: list[str] = []
	for lead, number, body in asked:
		kind = booking_talk.question_in(body)
		if not kind:
			continue
		# A question that cannot be recorded costs the automatic reading of the answer (a person reads it),
		# never the chunk's results, which are written already.
		frappe.db.savepoint("winback_lead_question")
		try:
			conversation.ask(
				patient=lead.patient, lead=lead.name, phone=number, lapse=None, kind=kind, now=now
			)
		except Exception as exc:
			frappe.db.rollback(save_point="winback_lead_question")
			failed.append(lead.name)
			error = exc
	if failed:  # one Error Log for the chunk, naming the leads
		log_error(
			"Win-back: leads' questions could not be recorded", error, doctype="Win-Back Lead", records=failed
		)


def why_not(row, lead, blocked: dict[str, str]) -> str | None:
	if lead is None:
		return "The lead was deleted"
	if lead.status not in rules.OPEN:
		return f"The lead is {lead.status}"
	if row.channel == rules.SMS and row.to_address in blocked:
		return blocked[row.to_address]
	if row.channel == rules.EMAIL and row.to_address in blocked:
		return blocked[row.to_address]
	if lead.name in blocked:  # the ERPNext Lead is marked Do Not Contact or unsubscribed
		return blocked[lead.name]
	if row.step == rules.CONFIRM:
		appt = frappe.db.get_value(
			"Patient Appointment", lead.appointment, ["status", "appointment_datetime"], as_dict=True
		)
		if not appt or appt.status not in ("Scheduled", "Open"):
			return "The appointment is no longer waiting for a confirmation"
		if appt.appointment_datetime and get_datetime(appt.appointment_datetime) <= now_datetime():
			return "The appointment has started"
	return None


def words(row, lead, settings) -> tuple[str, str]:
	"""The text in the lead's language (frappe's translations, context "Win-Back SMS"), filled in."""
	lang = lead.language or None
	key = rules.words_key(lead.source, row.step)
	if is_missed_call_text(row):
		key = (rules.MISSED_CALL, rules.FIRST)
	values = {
		"first_name": lead.first_name or _("there", lang=lang),
		"practice": settings.practice_name or _("your clinic", lang=lang),
		"phone": settings.practice_phone or "",
		"when": appointment_when(lead.appointment) if row.step == rules.CONFIRM else "",
	}
	return fill(rules.TEXTS[key], lang, values), fill(rules.TEXTS["email_subject"], lang, values)


def fill(english: str, lang: str | None, values: dict) -> str:
	"""The site's translation of `english`, filled; the shipped English when a translation does not fill."""
	try:
		return _(english, lang=lang, context=SMS_CONTEXT).format(**values)
	except (KeyError, IndexError, ValueError):
		return english.format(**values)


def is_missed_call_text(row) -> bool:
	return (row.dedupe_key or "").startswith(MISSED_CALL_KEY)


def answers_fresh_contact(row) -> bool:
	"""A text planned at once for a call or a request that came after the lead's own first one."""
	return is_missed_call_text(row) or ":again:" in (row.dedupe_key or "")


def appointment_when(appointment: str | None) -> str:
	from frappe.utils import format_date, format_time

	row = frappe.db.get_value(
		"Patient Appointment", appointment, ["appointment_date", "appointment_time"], as_dict=True
	)
	if not row:
		return ""
	start = get_datetime(f"{row.appointment_date} {row.appointment_time or '00:00:00'}")
	return f"{format_date(start.date(), 'EEEE d MMMM')} {_('at')} {format_time(start.time(), 'h:mm a')}"


def send_one(row, lead, body: str, subject: str, channels: dict, settings) -> SendResult:
	try:
		if row.channel == rules.SMS:
			return channels["SMS"].send(
				OutboundMessage(
					attempt="", channel="SMS", to=row.to_address, body=body, patient=lead.patient or ""
				)
			)
		if row.channel == rules.EMAIL:
			return send_email(row, lead, body, subject, settings)
		return call_task(row, lead, body)
	except Exception as exc:  # a channel bug must not kill the chunk; it may have sent, so Unknown
		log_error("Win-back: a lead's text raised", exc, doctype="Win-Back Lead Text", name=row.name)
		return SendResult(UNKNOWN, row.channel, error_code=type(exc).__name__)


def send_email(row, lead, body: str, subject: str, settings) -> SendResult:
	if (settings.sending_mode or "Outbox") == "Outbox":
		return SendResult(SENT, "Outbox")
	from winback_app.sending.channels.email import EmailChannel

	mail = EmailChannel(settings.practice_name or "", settings.practice_address or "")
	frappe.sendmail(
		recipients=[row.to_address],
		subject=subject,
		message=mail.html(body),
		reference_doctype="Win-Back Lead",
		reference_name=lead.name,
		unsubscribe_message=_("Stop these emails"),
		delayed=True,
	)
	return SendResult(SENT, "Email")


def call_task(row, lead, body: str) -> SendResult:
	"""No way to write to them: the front desk calls (a ToDo on the Win-Back Lead)."""
	from frappe.desk.form.assign_to import add

	from winback_app.staff import front_desk_users

	add(
		{
			"assign_to": front_desk_users(),
			"doctype": "Win-Back Lead",
			"name": lead.name,
			# No name, number or words: frappe e-mails a ToDo's description to its assignees. The Win-Back Lead it
			# links to holds them, behind the desk's permissions (the text is on the lead text row).
			"description": _("A new patient to call back ({0}): open the lead for the number.").format(
				_(lead.source)
			),
			"date": frappe.utils.today(),
			"priority": "High",
		},
		ignore_permissions=True,
	)
	todo = frappe.db.get_value(
		"ToDo", {"reference_type": "Win-Back Lead", "reference_name": lead.name, "status": "Open"}, "name"
	)
	return SendResult(SENT, "Call Task", provider_id=todo or "")


def record(row, lead, body: str, result: SendResult, messages: list[Message]) -> dict:
	common = {
		"provider": result.provider,
		"provider_id": result.provider_id or None,
		"error_code": result.error_code or None,
		"body": body,
	}
	if result.outcome == SENT:
		comm = None
		if row.channel in (rules.SMS, rules.EMAIL):
			comm = new_name()
			outbox = result.provider == "Outbox"
			subject = _("Text message") if row.channel == rules.SMS else _("Email")
			messages.append(
				Message(
					name=comm,
					subject=_("Outbox (not sent): {0}").format(subject) if outbox else subject,
					medium=row.channel,
					direction="Sent",
					content=body,
					phone_no=row.to_address if row.channel == rules.SMS else None,
					recipients=row.to_address if row.channel == rules.EMAIL else None,
					reference_doctype="Win-Back Lead",
					reference_name=lead.name,
					delivery_status=None if outbox else "Sent",
					patient=lead.patient or None,
				)
			)
		todo = result.provider_id if row.channel == rules.CALL_TASK else None
		return {"status": "Sent", "sent_at": now_datetime(), "communication": comm, "todo": todo, **common}
	if result.outcome == RETRY:
		return {
			"status": "Scheduled",
			"due_at": now_datetime() + RETRY_AFTER,
			"skip_reason": "Retrying",
			**common,
		}
	if result.outcome == UNKNOWN:
		return {"status": "Unknown", **common}
	if result.outcome in (OPTED_OUT, INVALID):
		block_number(
			row.to_address,
			"Opted Out" if result.outcome == OPTED_OUT else "Invalid Number",
			source="Carrier",
			patient=lead.patient or None,
			words=f"Twilio {result.error_code}",
		)
		status.close([lead.name], "The number cannot get texts")
	return {"status": "Failed", **common}


def rows_by_name(names: list[str]) -> dict[str, frappe._dict]:
	if not names:
		return {}
	rows = (
		frappe.qb.from_(WLead)
		.select(*(getattr(WLead, f) for f in LEAD_FIELDS))
		.where(WLead.name.isin(sorted(set(names))))
		.run(as_dict=True)
	)
	return {r.name: r for r in rows}


def unsubscribed(rows: list) -> dict[str, str]:
	"""Addresses that unsubscribed from all mail, or from this lead's: {address: reason}."""
	addresses = sorted({r.to_address for r in rows if r.to_address})
	if not addresses:
		return {}
	Unsubscribe = DocType("Email Unsubscribe")
	leads = sorted({r.lead_record for r in rows})
	hits = (
		frappe.qb.from_(Unsubscribe)
		.select(Unsubscribe.email)
		.where(Unsubscribe.email.isin(addresses))
		.where(
			(Unsubscribe.global_unsubscribe == 1)
			| ((Unsubscribe.reference_doctype == "Win-Back Lead") & Unsubscribe.reference_name.isin(leads))
		)
		.run(pluck=True)
	)
	return {email: _("Unsubscribed from email") for email in hits}


def do_not_contact(leads: dict[str, frappe._dict]) -> dict[str, str]:
	"""Leads whose ERPNext Lead the clinic marked Do Not Contact (or unsubscribed) since: {lead: reason}."""
	names = {lead.lead: lead.name for lead in leads.values() if lead.lead}
	if not names:
		return {}
	Lead = DocType("Lead")
	rows = (
		frappe.qb.from_(Lead)
		.select(Lead.name)
		.where(Lead.name.isin(sorted(names)))
		.where((Lead.status == "Do Not Contact") | (Lead.unsubscribed == 1))
		.run(pluck=True)
	)
	return {names[name]: _("The Lead is marked Do Not Contact") for name in rows}


def texts_today(numbers: list[str]) -> dict[str, int]:
	"""Texts the app sent each number in the last 24 hours: lead texts and win-back attempts alike."""
	numbers = sorted({n for n in numbers if n})
	if not numbers:
		return {}
	since = now_datetime() - timedelta(days=1)
	counts: dict[str, int] = {}
	for table, when, statuses in (
		(WText, WText.sent_at, ("Sent", "Delivered", "Unknown")),
		(Attempt, Attempt.sent_at, ("Sent", "Delivered", "Unknown")),
	):
		for number, n in (
			frappe.qb.from_(table)
			.select(table.to_address, Count("*"))
			.where(table.to_address.isin(numbers))
			.where(table.channel == "SMS")
			.where(table.status.isin(statuses))
			.where(when >= since)
			.groupby(table.to_address)
			.run()
		):
			counts[number] = counts.get(number, 0) + n
	return counts


def texted_before(numbers: list[str]) -> set[str]:
	"""Numbers the app has texted before (so the practice name and opt-out line need not be repeated)."""
	numbers = sorted({n for n in numbers if n})
	if not numbers:
		return set()
	seen = set(
		frappe.qb.from_(WText)
		.select(WText.to_address)
		.distinct()
		.where(WText.to_address.isin(numbers))
		.where(WText.channel == "SMS")
		.where(WText.status.isin(("Sent", "Delivered", "Unknown")))
		.run(pluck=True)
	)
	seen |= set(
		frappe.qb.from_(Attempt)
		.select(Attempt.to_address)
		.distinct()
		.where(Attempt.to_address.isin(numbers))
		.where(Attempt.channel == "SMS")
		.where(Attempt.status.isin(("Sent", "Delivered", "Unknown")))
		.run(pluck=True)
	)
	return seen


def recover_stale(now: datetime) -> int:
	"""Texts left Sending by a worker that died: they may have gone, so Unknown, for a person to check."""
	stale = (
		frappe.qb.from_(WText)
		.select(WText.name)
		.where(WText.status == "Sending")
		.where(WText.claimed_at < now - STALE_AFTER)
		.run(pluck=True)
	)
	if stale:
		frappe.qb.update(WText).set(WText.status, "Unknown").set(
			WText.skip_reason, "The worker stopped before recording a result: check before resending"
		).where(WText.name.isin(stale)).where(WText.status == "Sending").run()
	return len(stale)
