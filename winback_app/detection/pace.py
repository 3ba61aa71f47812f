"""Paced to the schedule, the Frappe side: each paced campaign's quota for the day (its free slots read once per
campaign, set-based), and the patients it takes kept from key range to key range.

Detection decides patients range by range (run.decide_ranges). A paced campaign cannot write its entries as each
range is decided: who joins is the longest lapsed across every range. Pacer keeps, per paced campaign, only the
entries engine.pacing.pick chose so far (never more than the quota, plus their holdouts) with those patients'
facts, so memory stays bounded by the quotas, not by the backlog; after the last range they are written. The
others wait: no lapse is written for them, and they are eligible again the next night.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import getdate, now_datetime

from winback_app.engine.detection import Entry, PatientFacts
from winback_app.engine.pacing import daily_quota, expected_pace, pick
from winback_app.engine.segments import SegmentSpec


def free_slots_for(seg: SegmentSpec, today: date, cache: dict | None = None) -> int | None:
	"""The campaign's practitioners' free slots over its horizon from today; None when unknown (no schedules)."""
	from winback_app.booking.reader import campaign_practitioners
	from winback_app.booking.service import free_slot_count

	practitioners = tuple(
		campaign_practitioners(
			seg.filter_values("Healthcare Practitioner"), seg.filter_values("Medical Department")
		)
	)
	key = (practitioners, seg.pace.horizon_days)
	if cache is not None and key in cache:
		return cache[key]
	now = now_datetime()
	if getdate(now) != today:  # a run for another day counts that day's slots from its start
		now = datetime.combine(today, time(0))
	count = free_slot_count(list(practitioners), today, seg.pace.horizon_days, now) if practitioners else None
	if cache is not None:
		cache[key] = count
	return count


def quotas(segments: list[SegmentSpec], today: date) -> dict[str, int | None]:
	"""{campaign: patients it still takes today (None: no limit)} for the paced campaigns among `segments`: the
	day's quota less the patients it already took today (a second run the same day takes no second quota)."""
	cache: dict = {}
	out = {}
	for seg in segments:
		if not seg.pace.paced:
			continue
		free = free_slots_for(seg, today, cache) if seg.pace.by_capacity else None
		out[seg.name] = daily_quota(seg.pace, today, free)
	taken = joined_on(today, [name for name, quota in out.items() if quota])
	return {
		name: None if quota is None else max(0, quota - taken.get(name, 0)) for name, quota in out.items()
	}


def joined_on(day: date, segments: list[str]) -> dict[str, int]:
	"""{campaign: patients written to who joined it on `day`} (one query; holdouts do not use the quota)."""
	if not segments:
		return {}
	Lapse = DocType("Patient Lapse")
	start = datetime.combine(day, time(0))
	return dict(
		frappe.qb.from_(Lapse)
		.select(Lapse.segment, Count("*"))
		.where(Lapse.segment.isin(segments))
		.where(Lapse.holdout == 0)
		.where(Lapse.detected_on >= start)
		.where(Lapse.detected_on < start + timedelta(days=1))
		.groupby(Lapse.segment)
		.run()
	)


SAMPLE = 20


class Pacer:
	"""Holds back the entries of paced campaigns until every range is decided; see the module docstring."""

	def __init__(self, segments: list[SegmentSpec], today: date, quota: dict[str, int | None] | None = None):
		self.quota = quotas(segments, today) if quota is None else quota
		self.kept: dict[str, list[Entry]] = {name: [] for name in self.quota}
		self.seen: dict[str, int] = {name: 0 for name in self.quota}
		self.facts: dict[str, PatientFacts] = {}
		# A few who wait, with their names: the preview shows them among those left out.
		self.waiting_sample: list[tuple[Entry, str]] = []

	def take(self, entries: list[Entry], patients: dict[str, PatientFacts]) -> list[Entry]:
		"""The entries to write now (campaigns without a pace); a paced campaign's are kept for later."""
		now, touched = [], set()
		for entry in entries:
			if entry.segment not in self.quota:
				now.append(entry)
				continue
			self.kept[entry.segment].append(entry)
			self.seen[entry.segment] += 1
			self.facts[entry.patient] = patients[entry.patient]
			touched.add(entry.segment)
		for name in touched:
			self.kept[name], waiting = pick(self.kept[name], self.quota[name])
			for entry in waiting[: max(0, SAMPLE - len(self.waiting_sample))]:
				self.waiting_sample.append((entry, self.facts[entry.patient].patient_name))
		if touched:
			keep = {e.patient for kept in self.kept.values() for e in kept}
			self.facts = {p: f for p, f in self.facts.items() if p in keep}
		return now

	def joining(self) -> list[Entry]:
		"""Every paced campaign's patients for today, longest lapsed first."""
		return [e for name in sorted(self.kept) for e in self.kept[name]]

	def waiting(self, segment: str | None = None) -> int:
		names = [segment] if segment is not None else list(self.kept)
		return sum(self.seen.get(n, 0) - len(self.kept.get(n, ())) for n in names)


def outlook(seg: SegmentSpec, today: date, eligible: int) -> dict:
	"""The preview's expected pace: "412 eligible, about 35 a day, done in 12 working days". The day's quota of
	the next day the campaign takes patients on (today when it does), with today's free slots held steady."""
	free = free_slots_for(seg, today) if seg.pace.by_capacity else None
	day = next(
		(
			today + timedelta(days=i)
			for i in range(7)
			if seg.pace.takes_patients_on(today + timedelta(days=i))
		),
		today,
	)
	quota = daily_quota(seg.pace, day, free)
	pace = expected_pace(seg.pace, eligible, quota)
	return {
		"paced": seg.pace.paced,
		"eligible": pace.eligible,
		"per_day": pace.per_day,
		"working_days": pace.working_days,
		"takes_patients_today": seg.pace.takes_patients_on(today),
		"free_slots": free,
		"summary": summary(pace),
	}


def summary(pace) -> str:
	from frappe import _

	if not pace.eligible:
		return _("Nobody is eligible today.")
	if pace.per_day is None:
		return _("{0} eligible, all join at once (no pace set).").format(pace.eligible)
	if not pace.per_day:
		return _("{0} eligible, none can join: no free slots left to pace by.").format(pace.eligible)
	return _("{0} eligible, about {1} a day, done in {2} working days.").format(
		pace.eligible, pace.per_day, pace.working_days
	)
