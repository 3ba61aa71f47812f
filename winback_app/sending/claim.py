"""Claim due contact attempts atomically and decide, under lock, what happens to each.

One transaction per chunk: the due rows are taken with SELECT ... FOR UPDATE SKIP LOCKED (a second
dispatcher skips them instead of waiting), the chunk's patients and their shared (family) numbers are locked
so that two dispatchers cannot both spend the same patient's or family number's frequency cap (lock_numbers),
every attempt is decided by the engine (send / skip / postpone), and the ones to send are marked Sending.
The caller commits before any provider is called, so a crash after this point leaves Sending rows, never a
second send.

Each attempt is decided on its campaign step as it is now: a step whose channel a manager changed after the
attempt was planned goes out on the new channel with the new channel's words, never the old channel with the
new words (an email body by text). Each patient's window is the clinic's, ending earlier where the patient's
state says so (sending.states); the claimed attempt carries that window so the sender checks it again at
the moment the message leaves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce, Count

from winback_app.engine import lifecycle as lc
from winback_app.engine.sending import POSTPONE, SEND, SKIP, Caps, Decision, SendFacts, decide, window_for
from winback_app.engine.window import SendWindow
from winback_app.infra import bulk
from winback_app.infra.clock import to_db, to_utc
from winback_app.settings import texts_need_known_age

Attempt = DocType("Win-Back Contact Attempt")
Lapse = DocType("Patient Lapse")
Patient = DocType("Patient")
PatientPhone = DocType("Win-Back Patient Phone")
OptOut = DocType("Win-Back SMS Opt-Out")
Unsubscribe = DocType("Email Unsubscribe")

COUNTED = ("Sending", "Sent", "Delivered", "Unknown")
GUARDIAN_NOT_ON_RECORD = "The parent this minor is reached through is no longer on their record"
MAX_POSTPONES = 7


@dataclass
class Claimed:
	attempt: dict
	lapse: dict
	patient: dict
	decision: Decision
	to: str = ""
	window: SendWindow | None = None  # the window this message must leave in (the patient's state included)
	time_zone: str | None = None
	# The parent a minor is reached through (their Patient row): the words go to them.
	guardian: dict | None = None


@dataclass
class ClaimResult:
	to_send: list[Claimed] = field(default_factory=list)
	skipped: int = 0
	postponed: int = 0


def claim(
	now: datetime,
	batch: int,
	token: str,
	window: SendWindow,
	caps: Caps,
	require_consent: bool,
	segments: dict,
	state_ends: dict | None = None,
) -> ClaimResult:
	"""Claim up to `batch` due attempts. state_ends: {state code: latest end} (sending.states)."""
	due = take_due(now, batch)
	result = ClaimResult()
	if not due:
		return result
	facts = read_facts(due, now, state_ends)
	sending, skips, postpones = decide_each(due, facts, now, window, caps, require_consent, segments)
	write_claims(sending, token, now)
	write_skips(skips)
	write_postpones(postpones)
	if sending:
		from winback_app.booking.links import ensure_tokens
		from winback_app.settings import get_settings

		ensure_tokens(list({id(c.lapse): c.lapse for c in sending}.values()), get_settings())
	result.to_send, result.skipped, result.postponed = sending, len(skips), len(postpones)
	return result


@dataclass
class ChunkFacts:
	"""What the chunk's decisions need, read once under the chunk's locks."""

	patients: dict  # {patient: row}
	lapses: dict  # {lapse: row}
	mobiles: dict  # {patient: E.164 mobile}
	blocks: dict  # {number: opt-out reason}
	unsubscribed: set  # lower-cased emails
	patient_day: Counter
	patient_week: Counter
	number_day: Counter
	number_week: Counter
	ends: dict  # {patient: (latest end, state)}: a stricter state window
	# (child, parent) pairs still on the child's record as Father or Mother: a lapse reached through a parent who
	# is no longer there (a custody change, a correction) is not written to
	guardians_on_record: set = field(default_factory=set)


def take_due(now: datetime, batch: int) -> list:
	"""The due attempts, oldest first, locked; rows another dispatcher holds are skipped, not waited for."""
	return (
		frappe.qb.from_(Attempt)
		.select(
			Attempt.name,
			Attempt.lapse,
			Attempt.patient,
			Attempt.segment,
			Attempt.touch,
			Attempt.channel,
			Attempt.tries,
		)
		.where(Attempt.status == "Scheduled")
		.where(Attempt.due_at <= now)
		.orderby(Attempt.due_at)
		.orderby(Attempt.name)
		.limit(batch)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	)


def read_facts(due: list, now: datetime, state_ends: dict | None) -> ChunkFacts:
	"""Lock the chunk's patients and phone numbers, then read everything the decisions need.

	A minor's lapse reached through a parent (Patient Lapse.guardian) is decided on the parent's number, email,
	consent and caps of that number: the parent's row is read and locked with the patients'."""
	lapses = rows_by_name(Lapse, LAPSE_COLUMNS, sorted({a.lapse for a in due}))
	guardians = {(lapse.patient, lapse.guardian) for lapse in lapses.values() if lapse.get("guardian")}
	patient_ids = sorted({a.patient for a in due} | {g for _child, g in guardians})
	patients = rows_by_name(Patient, PATIENT_COLUMNS, patient_ids, lock=True)
	mobiles = lock_numbers(patient_ids)
	numbers = sorted(set(mobiles.values()))
	blocks = read_blocks(numbers)
	unsubscribed = read_unsubscribed(patients)
	day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
	patient_day, patient_week = _counts(Attempt.patient, patient_ids, day_ago, week_ago)
	number_day, number_week = _counts(Attempt.to_address, numbers, day_ago, week_ago, sms_only=True)
	if state_ends:
		from winback_app.sending.states import patient_ends

		ends = patient_ends(patients, mobiles, state_ends)
	else:
		ends = {}
	return ChunkFacts(
		patients,
		lapses,
		mobiles,
		blocks,
		unsubscribed,
		patient_day,
		patient_week,
		number_day,
		number_week,
		ends,
		guardians_on_record(guardians),
	)


def guardians_on_record(pairs: set) -> set:
	"""Which (child, parent) pairs are still on the child's record as Father or Mother: one query."""
	from winback_app.contacts.parents import parents_of

	return set(parents_of([child for child, _g in pairs])) & pairs


def lock_numbers(patient_ids: list[str]) -> dict[str, str]:
	"""The chunk's patients' mobiles, {patient: mobile}, with the shared (family) numbers locked.

	The caller holds the patients' locks already (rows_by_name(..., lock=True), in name order). A number that
	only one phone row carries belongs to one patient, so that patient's lock serializes its cap too; a number
	other records carry as well is locked on every row that carries it (in name order, after the patients: the
	same order in every dispatcher, so none deadlocks). Locking every number's rows cost a random read of each
	row (the rows are named by hash), the dispatcher's costliest statement when the table is not in memory; the
	count below reads only the phone index. A number that becomes shared while a chunk is being claimed is
	locked from the next claim on: at most one text over a family cap, and only when two dispatchers run at
	once while the number is being edited.
	"""
	mobiles = dict(
		frappe.qb.from_(PatientPhone)
		.select(PatientPhone.patient, PatientPhone.phone)
		.where(PatientPhone.patient.isin(patient_ids))
		.where(PatientPhone.source == "Mobile")
		.where(PatientPhone.phone != "")
		.run()
	)
	numbers = sorted(set(mobiles.values()))
	if not numbers:
		return mobiles
	shared = (
		frappe.qb.from_(PatientPhone)
		.select(PatientPhone.phone)
		.where(PatientPhone.phone.isin(numbers))
		.groupby(PatientPhone.phone)
		.having(Count("*") > 1)
		.run(pluck=True)
	)
	if shared:
		frappe.qb.from_(PatientPhone).select(PatientPhone.name).where(
			PatientPhone.phone.isin(sorted(shared))
		).orderby(PatientPhone.name).for_update().run()
	return mobiles


# What the decisions and the message need of each patient and lapse.
PATIENT_COLUMNS = (
	"name",
	"first_name",
	"patient_name",
	"email",
	"winback_do_not_contact",
	"winback_preferred_channel",
	"winback_sms_consent",
	"winback_time_zone",
	"customer",
	"dob",
	"language",
)
LAPSE_COLUMNS = (
	"name",
	"status",
	"replied_on",
	"snoozed_until",
	"time_zone",
	"practitioner",
	"department",
	"last_visit_date",
	"evidence_doctype",
	"evidence_name",
	"booking_token_encrypted",
	"segment",
	"patient",
	"guardian",
)


def rows_by_name(table, columns: tuple[str, ...], names: list[str], lock: bool = False) -> dict:
	"""{name: row} of these rows, one query; lock: FOR UPDATE, taken in name order (the read is the lock)."""
	query = frappe.qb.from_(table).select(*(table[c] for c in columns)).where(table.name.isin(names))
	if lock:
		query = query.orderby(table.name).for_update()
	return {row.name: row for row in query.run(as_dict=True)}


def read_blocks(numbers: list[str]) -> dict[str, str]:
	"""{number: reason} for the chunk's numbers that must not get texts."""
	return dict(
		frappe.qb.from_(OptOut)
		.select(OptOut.name, OptOut.reason)
		.where(OptOut.name.isin(numbers or [""]))
		.where(OptOut.active == 1)
		.run()
	)


def read_unsubscribed(patients: dict) -> set[str]:
	"""The chunk's email addresses unsubscribed from everything or from win-back mail (lower case)."""
	emails = sorted({(p.email or "").strip().lower() for p in patients.values() if p.email})
	return {
		(e or "").lower()
		for e in frappe.qb.from_(Unsubscribe)
		.select(Unsubscribe.email)
		.where(Unsubscribe.email.isin(emails or [""]))
		.where((Unsubscribe.global_unsubscribe == 1) | (Unsubscribe.reference_doctype == "Patient Lapse"))
		.run(pluck=True)
	}


def decide_each(
	due: list,
	facts: ChunkFacts,
	now: datetime,
	window: SendWindow,
	caps: Caps,
	require_consent: bool,
	segments,
) -> tuple[list[Claimed], list[tuple], list[tuple]]:
	"""The engine's decision for every due attempt, in order: each send spends its patient's and number's caps
	before the next attempt is decided. Returns (to send, skips, postpones)."""
	known_age_for_texts = texts_need_known_age()
	now_utc = to_utc(now)
	sending, skips, postpones = [], [], []
	for a in due:
		lapse = facts.lapses.get(a.lapse) or {"name": a.lapse, "status": lc.CLOSED}
		patient = facts.patients.get(a.patient) or {}
		seg = segments.get(a.segment)
		touch = seg.touch(a.touch) if seg else None
		if touch is None:
			skips.append((a.name, "The campaign step no longer exists"))
			continue
		guardian = None
		if lapse.get("guardian"):
			guardian = facts.patients.get(lapse["guardian"])
			if guardian is None or (a.patient, lapse["guardian"]) not in facts.guardians_on_record:
				# never the child's own number instead: the parent is who the practice may write to
				skips.append((a.name, GUARDIAN_NOT_ON_RECORD))
				continue
		f = facts_for(
			a, lapse, patient, touch, seg, facts, now_utc, require_consent, known_age_for_texts, guardian
		)
		decision = decide(f, window, caps)
		if decision.action == SEND:
			to = (
				f.mobile
				if decision.channel == "SMS"
				else (f.email if decision.channel == "Email" else (f.mobile or ""))
			)
			sending.append(
				Claimed(
					dict(a, touch_spec=touch, segment_spec=seg),
					lapse,
					patient,
					decision,
					to or "",
					window_for(window, decision.channel, f.latest_end),
					f.time_zone,
					guardian,
				)
			)
			spend_caps(facts, a.patient, f.mobile, decision.channel)
		elif decision.action == SKIP:
			skips.append((a.name, decision.reason))
		elif decision.action == POSTPONE:
			if a.tries >= MAX_POSTPONES and "cap" in decision.reason:
				skips.append((a.name, decision.reason))
			else:
				postpones.append((a.name, decision.reason, to_db(decision.postpone_until), a.tries))
	return sending, skips, postpones


def facts_for(
	a,
	lapse,
	patient,
	touch,
	seg,
	facts: ChunkFacts,
	now_utc,
	require_consent: bool,
	known_age_for_texts: bool,
	guardian: dict | None = None,
) -> SendFacts:
	"""The engine's view of one attempt: its step as it is now, its lapse, patient, number, email and caps.

	guardian: the parent a minor is reached through. Their number, email, consent, channel and time zone are the
	ones that count (the messages are theirs to read); either one marked do not contact stops it; a parent counts
	as an adult, so the no-birth-date rule does not hold their texts back. The child's caps still count."""
	contact = guardian if guardian is not None else patient
	contact_id = guardian["name"] if guardian is not None else a.patient
	mobile = facts.mobiles.get(contact_id)
	email = (contact.get("email") or "").strip().lower() or None
	latest_end, state = facts.ends.get(contact_id, (None, None))
	return SendFacts(
		channel=touch.channel,  # the step as it is now, not as it was when the attempt was planned
		now=now_utc,
		time_zone=contact.get("winback_time_zone") or lapse.get("time_zone"),
		lapse_status=lapse.get("status"),
		replied=bool(lapse.get("replied_on")),
		snoozed_until=to_utc(lapse["snoozed_until"]) if lapse.get("snoozed_until") else None,
		skip_if_replied=touch.skip_if_replied,
		do_not_contact=bool(patient.get("winback_do_not_contact") or contact.get("winback_do_not_contact")),
		mobile=mobile,
		email=email,
		number_block=facts.blocks.get(mobile) if mobile else None,
		email_unsubscribed=bool(email) and email in facts.unsubscribed,
		sms_consent=contact.get("winback_sms_consent") or "Unknown",
		require_consent=require_consent,
		age_unknown_no_texts=known_age_for_texts and not patient.get("dob") and guardian is None,
		fall_back_to_email=seg.fall_back_to_email,
		patient_day=facts.patient_day[a.patient],
		patient_week=facts.patient_week[a.patient],
		number_day=facts.number_day[mobile] if mobile else 0,
		number_week=facts.number_week[mobile] if mobile else 0,
		latest_end=latest_end,
		state=state,
		preferred_channel=contact.get("winback_preferred_channel") or None,
	)


def spend_caps(facts: ChunkFacts, patient: str, mobile: str | None, channel: str) -> None:
	"""A message claimed now counts against its patient's (and a text against its number's) caps at once."""
	if channel in ("SMS", "Email"):
		facts.patient_day[patient] += 1
		facts.patient_week[patient] += 1
		if channel == "SMS":
			facts.number_day[mobile] += 1
			facts.number_week[mobile] += 1


def write_claims(sending: list[Claimed], token: str, now: datetime) -> None:
	"""Sending, with the claim and the channel and address the decision chose, so an attempt that ends Unknown
	shows staff exactly where it may have gone. One statement for the whole chunk (the rows are this
	transaction's: take_due locked them)."""
	if not sending:
		return
	bulk.update_dicts(
		"Win-Back Contact Attempt",
		locked=True,
		updates={
			c.attempt["name"]: {
				"status": "Sending",
				"claim_token": token,
				"claimed_at": now,
				"channel": c.decision.channel,
				"to_address": c.to,
			}
			for c in sending
		},
	)


def write_skips(skips: list[tuple[str, str]]) -> None:
	"""Skipped with the reason: one UPDATE per reason."""
	by_reason: dict[str, list[str]] = {}
	for name, reason in skips:
		by_reason.setdefault(reason[:140], []).append(name)
	for reason, names in by_reason.items():
		frappe.qb.update(Attempt).set(Attempt.status, "Skipped").set(Attempt.skip_reason, reason).where(
			Attempt.name.isin(names)
		).run()


def write_postpones(postpones: list[tuple]) -> None:
	"""Due again later, with the reason and one more try counted (rows take_due locked)."""
	bulk.update_dicts(
		"Win-Back Contact Attempt",
		locked=True,
		updates={
			name: {"due_at": until, "skip_reason": f"Postponed: {reason}"[:140], "tries": tries + 1}
			for name, reason, until, tries in postpones
		},
	)


def _counts(column, keys, day_ago, week_ago, sms_only=False) -> tuple[Counter, Counter]:
	day, week = Counter(), Counter()
	if not keys:
		return day, week
	when = Coalesce(Attempt.sent_at, Attempt.claimed_at)
	query = (
		frappe.qb.from_(Attempt)
		.select(column, when)
		.where(column.isin(keys))
		.where(Attempt.status.isin(COUNTED))
		.where(when >= week_ago)
	)
	query = (
		query.where(Attempt.channel == "SMS")
		if sms_only
		else query.where(Attempt.channel.isin(("SMS", "Email")))
	)
	for key, at in query.run():
		week[key] += 1
		if at >= day_ago:
			day[key] += 1
	return day, week
