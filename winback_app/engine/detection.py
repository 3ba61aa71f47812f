"""Who lapsed, into which campaign, and why not the others: segment arbitration over plain facts.

The reader hands over one PatientFacts per patient and, per campaign, the candidates its rule found (the
event the rule looks at: last visit, order date, procedure date, registration...). This module applies the
exact day windows, the exclusions and the priority order, and decides holdout membership. It never performs
I/O, so every rule and reason is unit tested without a site.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from winback_app.engine.segments import SegmentSpec

# Exclusion reasons, stored and counted as they are written here.
FUTURE_APPOINTMENT = "Has a future appointment"
OPEN_LAPSE = "Already in an open win-back"
DO_NOT_CONTACT = "Marked do not contact"
NO_CHANNEL = "No valid mobile number or email"
OPTED_OUT = "Opted out of texts and email"
NO_CONSENT = "No consent on file (the practice messages only patients who granted it)"
COOLDOWN = "Left this campaign recently (re-entry cooldown)"
DISABLED = "Patient record is disabled"
MINOR = "Younger than the minimum age"
MINOR_NO_GUARDIAN = "Younger than the minimum age, and no parent on record who may be contacted"
MINOR_SELF_REGISTERED = (
	"Younger than the minimum age, registered through the public web form: not reached through a parent"
)
AGE_UNKNOWN = "Age unknown (no birth date)"
AGE_UNKNOWN_NO_EMAIL = "Age unknown (no birth date): no texts, and no email"
SELF_REGISTERED = "Registered through the public web form, no text consent"
ALREADY_VISITED = "Already visited (a walk-in): not a new patient"
HIGHER_PRIORITY = "Joins a higher-priority campaign"
MAX_CYCLES = "Left this campaign unanswered as often as allowed"
RESTING = "Resting after a cadence nobody answered"
RESTING_ELSEWHERE = "Resting after another campaign's cadence nobody answered"

# Win-Back Settings > "Patients with no birth date": who of them we contact, and how.
UNKNOWN_AGE_EMAIL_ONLY = "Email only"
UNKNOWN_AGE_NOT_CONTACTED = "Not contacted"
UNKNOWN_AGE_TEXTS_AND_EMAIL = "Texts and email"
UNKNOWN_AGE_POLICIES = (UNKNOWN_AGE_EMAIL_ONLY, UNKNOWN_AGE_NOT_CONTACTED, UNKNOWN_AGE_TEXTS_AND_EMAIL)
# The host's Patient Relation rows (on the child's record: "this patient is my Father") that make a parent.
GUARDIAN_RELATIONS = ("Father", "Mother")
# Campaigns for patients the clinic has never seen: only they can be made of web-form registrations alone.
NEVER_BOOKED_RULE = "New Patient Never Booked"


@dataclass(frozen=True)
class PatientFacts:
	patient: str
	patient_name: str = ""
	disabled: bool = False
	dob: date | None = None
	mobile: str | None = None  # E.164, already normalized; None when missing or unreadable
	email: str | None = None
	do_not_contact: bool = False
	sms_consent: str = "Unknown"  # Unknown / Granted / Revoked
	time_zone: str | None = None
	has_future_appointment: bool = False
	open_lapse: bool = False
	sms_blocked: bool = False  # the number is on the opt-out list
	email_blocked: bool = False  # globally unsubscribed
	# Created by a guest or a website user (the host's public registration web form), not by staff: the name,
	# number and email are whatever a stranger typed.
	self_registered: bool = False
	# The parents on the patient's record (Patient Relation Father/Mother, in the record's order), each with
	# their own facts: read only for minors, and only when the practice reaches minors through a parent.
	guardians: tuple[PatientFacts, ...] = ()


@dataclass(frozen=True)
class Candidate:
	"""What a campaign's rule found for one patient: the dated event and the record that proves it."""

	patient: str
	event_date: date
	evidence_doctype: str = ""
	evidence_name: str = ""
	practitioner: str | None = None
	department: str | None = None
	company: str | None = None
	last_visit: date | None = None


@dataclass(frozen=True)
class Policy:
	minimum_age: int = 18
	require_sms_consent: bool = False
	# A patient with no birth date may be a child. With a minimum age set, such a patient gets email only by
	# default (a text reaches a phone that may be a child's and cannot be unsent); see UNKNOWN_AGE_POLICIES.
	unknown_age: str = UNKNOWN_AGE_EMAIL_ONLY
	# Win-Back Settings > "Reach minors through a parent or guardian": a patient under the minimum age is written to
	# through a parent on their record (their number, their email, their consent) instead of being left out.
	reach_minors_through_guardian: bool = False

	def age_unknown_blocks_texts(self, dob: date | None) -> bool:
		return not dob and bool(self.minimum_age) and self.unknown_age != UNKNOWN_AGE_TEXTS_AND_EMAIL


@dataclass(frozen=True)
class Entry:
	patient: str
	segment: str
	candidate: Candidate
	holdout: bool
	reason: str
	guardian: str | None = None  # the parent (Patient) a minor is reached through: their number and email


@dataclass(frozen=True)
class Exclusion:
	patient: str
	segment: str
	reason: str


@dataclass
class Detection:
	entries: list[Entry] = field(default_factory=list)
	exclusions: list[Exclusion] = field(default_factory=list)

	def reason_counts(self, segment: str | None = None) -> dict[str, int]:
		counts: dict[str, int] = {}
		for ex in self.exclusions:
			if segment is None or ex.segment == segment:
				counts[ex.reason] = counts.get(ex.reason, 0) + 1
		return counts


def in_window(segment: SegmentSpec, event_date: date, today: date) -> bool:
	"""From (days) inclusive, Until (days) exclusive, so adjacent campaigns (180-270, 270-540) never overlap."""
	days = (today - event_date).days
	if days < 0:
		return False
	if segment.min_days is not None and days < segment.min_days:
		return False
	return segment.max_days is None or days < segment.max_days


def age_on(dob: date | None, today: date) -> int | None:
	if not dob:
		return None
	return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def can_text(p: PatientFacts, policy: Policy) -> bool:
	if not p.mobile or p.sms_blocked or p.sms_consent == "Revoked":
		return False
	if policy.age_unknown_blocks_texts(p.dob):
		return False
	return not policy.require_sms_consent or p.sms_consent == "Granted"


def can_email(p: PatientFacts, policy: Policy | None = None) -> bool:
	"""Email follows the practice's consent choice: "only patients who granted consent" holds for email too."""
	if policy is not None and policy.require_sms_consent and p.sms_consent != "Granted":
		return False
	return bool(p.email) and not p.email_blocked


def is_minor(p: PatientFacts, policy: Policy, today: date) -> bool:
	age = age_on(p.dob, today)
	return bool(policy.minimum_age) and age is not None and age < policy.minimum_age


def guardian_to_reach(p: PatientFacts, policy: Policy, today: date) -> PatientFacts | None:
	"""The parent a minor is reached through, or None (an adult, the setting off, or no parent who may be).

	The first parent on the child's record who is not a minor by their own record, is not marked do not contact
	or disabled, and can be texted or emailed under the practice's consent choice. A parent with no birth date
	counts as an adult (staff recorded them as the child's parent), so the no-birth-date rule does not hold
	their texts back. The child's own do-not-contact still holds (checked before this).

	A child whose record a stranger could have typed (the host's public registration form) is never reached
	through a parent: its name would go, in the practice's words, to whichever patient it names as a parent. A
	parent whose record came from that form counts only once their text consent is on file (as for the
	never-booked campaign): the number on it is whatever was typed."""
	if not policy.reach_minors_through_guardian or not is_minor(p, policy, today) or p.self_registered:
		return None
	as_adult = replace(policy, unknown_age=UNKNOWN_AGE_TEXTS_AND_EMAIL)
	for guardian in p.guardians:
		if is_minor(guardian, policy, today) or guardian.do_not_contact or guardian.disabled:
			continue
		if guardian.self_registered and guardian.sms_consent != "Granted":
			continue  # a record anyone could have typed (its number too): only once consent is on file
		if guardian.patient == p.patient:
			continue
		if can_text(guardian, as_adult) or can_email(guardian, policy):
			return guardian
	return None


def patient_exclusion(p: PatientFacts, policy: Policy, today: date) -> str | None:
	"""The first reason this patient cannot join any campaign today, or None."""
	if p.has_future_appointment:
		return FUTURE_APPOINTMENT
	if p.open_lapse:
		return OPEN_LAPSE
	if p.do_not_contact:
		return DO_NOT_CONTACT
	if p.disabled:
		return DISABLED
	age = age_on(p.dob, today)
	if policy.minimum_age and age is not None and age < policy.minimum_age:
		if not policy.reach_minors_through_guardian:
			return MINOR
		if p.self_registered:
			return MINOR_SELF_REGISTERED
		return None if guardian_to_reach(p, policy, today) else MINOR_NO_GUARDIAN
	if policy.minimum_age and age is None and policy.unknown_age == UNKNOWN_AGE_NOT_CONTACTED:
		return AGE_UNKNOWN
	if not can_text(p, policy) and not can_email(p, policy):
		number_usable = p.mobile and not p.sms_blocked and p.sms_consent != "Revoked"
		if policy.require_sms_consent and p.sms_consent != "Granted" and (number_usable or can_email(p)):
			return NO_CONSENT
		if number_usable and policy.age_unknown_blocks_texts(p.dob):
			return AGE_UNKNOWN_NO_EMAIL  # the number itself could be texted: the missing birth date stops it
		if (p.mobile and p.sms_blocked) or (p.email and p.email_blocked):
			return OPTED_OUT
		return NO_CHANNEL
	return None


def segment_exclusion(
	p: PatientFacts, segment: SegmentSpec, candidate: Candidate | None = None
) -> str | None:
	"""A reason this patient cannot join this one campaign (whatever the others say), or None.

	A patient with a visit on record (a walk-in seen without an appointment) is not a new patient: the
	never-booked campaign would welcome them to a "first visit" they already had.

	Anyone can fill in the host's public registration form: a never-booked campaign made of those records would
	let a stranger make the clinic text any number. Such patients join it only once text consent is on file.
	"""
	if segment.rule_kind == NEVER_BOOKED_RULE and candidate is not None and candidate.last_visit:
		return ALREADY_VISITED
	if segment.rule_kind == NEVER_BOOKED_RULE and p.self_registered and p.sms_consent != "Granted":
		return SELF_REGISTERED
	return None


def is_holdout(patient: str, segment: str, cycle: str, percent: float) -> bool:
	"""Deterministic: the same patient, campaign and cycle always land on the same side."""
	if percent <= 0:
		return False
	digest = hashlib.sha256(f"{patient}|{segment}|{cycle}".encode()).hexdigest()
	return int(digest[:8], 16) % 10_000 < round(percent * 100)


def describe(segment: SegmentSpec, c: Candidate, today: date) -> str:
	days = (today - c.event_date).days
	what = {
		"Unfinished Treatment": "Treatment ordered",
		"Unfinished Therapy Plan": "Therapy plan unfinished; last visit",
		"Med Spa Maintenance": "Last maintenance procedure",
		"New Patient Never Booked": "Registered, never booked,",
		"Lapsed Membership": "Membership ended",
		"Missed Appointment": "Missed appointment",
	}.get(segment.rule_kind, "Last visit")
	if c.evidence_doctype == "Therapy Plan":  # a med spa series paused mid-way reads like an unfinished plan
		what = "Therapy plan unfinished; last visit"
	evidence = f" ({c.evidence_doctype} {c.evidence_name})" if c.evidence_name else ""
	window = (
		f"{segment.min_days or 0}-{segment.max_days}" if segment.max_days else f"{segment.min_days or 0}+"
	)
	return f"{what} on {c.event_date.isoformat()}{evidence}, {days} days ago; {segment.name} takes {window} days."


@dataclass(frozen=True)
class Restraint:
	"""How often one patient may be asked again (re-entry with restraint).

	max_cycles: a patient who left this many cadences of the same campaign unanswered (Exhausted) is not asked by it
	again (a patient who came back each time is recalled as often as they lapse; holdouts do not count: nobody
	wrote to them). after_exhausted_days: a cadence that ended unanswered (Exhausted) keeps the patient out of that campaign
	this long, longer than its ordinary re-entry cooldown. chain_days: and out of every other nightly campaign
	this long, so an unanswered patient does not move 9-18 months -> annual -> 9-18 months, a new cadence every
	few months for years. 0 switches a rule off. Event campaigns (a missed appointment) are never held back."""

	max_cycles: int = 3
	after_exhausted_days: int = 365
	chain_days: int = 120


@dataclass(frozen=True)
class PastLapse:
	"""One finished episode, as the restraint rules need it."""

	patient: str
	segment: str
	status: str
	ended: date  # closed on (or joined on, when it never closed)
	holdout: bool = False


def restrained(
	history: Iterable[PastLapse], segments: Iterable[str], today: date, rules: Restraint = Restraint()
) -> dict[tuple[str, str], str]:
	"""{(patient, campaign): why the patient may not join it today} under the restraint rules.

	segments: the nightly campaigns being decided (an event campaign is never passed, so never held back)."""
	names = list(segments)
	cycles: dict[tuple[str, str], int] = {}
	out: dict[tuple[str, str], str] = {}
	for past in history:
		key = (past.patient, past.segment)
		if past.status != "Exhausted":
			continue
		if not past.holdout:
			cycles[key] = cycles.get(key, 0) + 1
		days = (today - past.ended).days
		if rules.after_exhausted_days and days < rules.after_exhausted_days:
			out.setdefault(key, RESTING)
		if rules.chain_days and days < rules.chain_days:
			for other in names:
				if other != past.segment:
					out.setdefault((past.patient, other), RESTING_ELSEWHERE)
	if rules.max_cycles:
		for key, n in cycles.items():
			if n >= rules.max_cycles:
				out[key] = MAX_CYCLES
	return {key: why for key, why in out.items() if key[1] in names}


def arbitrate(
	segments: Iterable[SegmentSpec],
	candidates: dict[str, dict[str, Candidate]],
	patients: dict[str, PatientFacts],
	cooldowns: set[tuple[str, str]] | dict[tuple[str, str], str],
	today: date,
	cycle: str,
	policy: Policy = Policy(),
) -> Detection:
	"""Place every candidate patient in at most one campaign: the first by priority whose rule matches.

	Every (patient, campaign) pair whose rule matched but which did not become an entry is returned as an
	Exclusion with its reason, so the manager's preview can count and sample them. cooldowns: the pairs held back
	by the re-entry cooldown, or {pair: reason} (the cooldown and the restraint rules, see restrained()).
	"""
	ordered = sorted(segments, key=lambda s: (s.priority, s.name))
	result = Detection()
	patient_ids = sorted({p for by_patient in candidates.values() for p in by_patient})
	for pid in patient_ids:
		facts = patients.get(pid)
		if facts is None:  # a candidate whose Patient record is gone: nothing to contact
			continue
		blocked = patient_exclusion(facts, policy, today)
		guardian = None if blocked else guardian_to_reach(facts, policy, today)
		winner: str | None = None
		for seg in ordered:
			cand = candidates.get(seg.name, {}).get(pid)
			if cand is None or not in_window(seg, cand.event_date, today):
				continue
			if blocked:
				result.exclusions.append(Exclusion(pid, seg.name, blocked))
			elif reason := segment_exclusion(facts, seg, cand):
				result.exclusions.append(Exclusion(pid, seg.name, reason))
			elif winner:
				result.exclusions.append(Exclusion(pid, seg.name, f"{HIGHER_PRIORITY}: {winner}"))
			elif (pid, seg.name) in cooldowns:
				why = cooldowns.get((pid, seg.name)) if isinstance(cooldowns, dict) else None
				result.exclusions.append(Exclusion(pid, seg.name, why or COOLDOWN))
			else:
				winner = seg.name
				holdout = is_holdout(pid, seg.name, cycle, seg.holdout_percent)
				result.entries.append(
					Entry(
						pid,
						seg.name,
						cand,
						holdout,
						describe(seg, cand, today),
						guardian.patient if guardian else None,
					)
				)
	return result
