"""Paced to the schedule: how many new patients a campaign takes today, and which of its eligible patients they are.

A campaign switched on with a backlog of hundreds would otherwise text them all the next morning, and the front
desk and the calendar would get every answer at once. Each nightly campaign has a pace:

- the weekdays it takes new patients (none chosen: every day);
- a daily intake cap (0: no cap);
- pacing by capacity: at most one patient per `slots_per_patient` free slots of its practitioners over the next
  `horizon_days` days, spread over the days of that horizon it takes new patients on. 140 free slots over the next
  14 days at 1 patient per 2 slots is 70 patients for those 14 days; taking patients on 10 of them, 7 a day.

The lowest applicable limit is the day's quota. Who joins: the patients arbitration placed in the campaign
(engine.detection), oldest event first (the longest lapsed), then by patient ID; the quota counts the patients
who will be written to (a holdout patient joins when their place in that order comes, so the holdout stays a fair
sample of each day's intake). The others wait: no lapse is written for them, so they are eligible again the next
night and join on a later day in the same order. Nothing here performs I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# Exclusion reason for a patient who fits the campaign but waits for a later day's intake.
WAITING = "Waiting: the campaign's daily pace is full (joins on a later day, longest lapsed first)"


@dataclass(frozen=True)
class Pace:
	"""A campaign's pace settings. intake_weekdays: Python weekdays (0 = Monday); empty means every day."""

	intake_weekdays: frozenset[int] = frozenset()
	daily_cap: int = 0
	slots_per_patient: float = 0.0
	horizon_days: int = 14

	@property
	def by_capacity(self) -> bool:
		return self.slots_per_patient > 0 and self.horizon_days > 0

	@property
	def paced(self) -> bool:
		return bool(
			self.daily_cap or self.by_capacity or (self.intake_weekdays and len(self.intake_weekdays) < 7)
		)

	def takes_patients_on(self, day: date) -> bool:
		return not self.intake_weekdays or day.weekday() in self.intake_weekdays

	def intake_days(self, start: date, days: int) -> int:
		"""How many of the days start .. start + days - 1 the campaign takes new patients on."""
		return sum(1 for i in range(max(days, 0)) if self.takes_patients_on(start + timedelta(days=i)))


def capacity_quota(pace: Pace, today: date, free_slots: int) -> int:
	"""Patients a day the free slots can take: free slots / slots per patient, spread over the intake days of the
	horizon (counted from today)."""
	days = pace.intake_days(today, pace.horizon_days) or 1
	return max(0, math.floor(free_slots / pace.slots_per_patient / days))


def daily_quota(pace: Pace, today: date, free_slots: int | None = None) -> int | None:
	"""How many patients the campaign takes today; None: no limit. free_slots: its practitioners' free slots over
	the horizon, None when unknown (no practitioner has a schedule): then capacity does not limit."""
	if not pace.takes_patients_on(today):
		return 0
	limits = []
	if pace.daily_cap > 0:
		limits.append(pace.daily_cap)
	if pace.by_capacity and free_slots is not None:
		limits.append(capacity_quota(pace, today, free_slots))
	return min(limits) if limits else None


def order_key(entry) -> tuple:
	"""Longest lapsed first: the oldest event the campaign's rule found, then the patient ID (stable)."""
	return (entry.candidate.event_date, entry.patient)


def pick(entries: Iterable, quota: int | None) -> tuple[list, list]:
	"""(joining today, waiting) among one campaign's entries (engine.detection.Entry), in order_key order.

	quota counts the patients who will be written to; a holdout joins when its place in the order comes before the
	quota is filled. Picking from a part of the entries, then from what was picked plus more entries, picks what
	one pick over all of them would: detection keeps only the picked ones from range to range."""
	ordered = sorted(entries, key=order_key)
	if quota is None:
		return ordered, []
	joining, waiting, contacted = [], [], 0
	for entry in ordered:
		if contacted >= quota:
			waiting.append(entry)
			continue
		joining.append(entry)
		if not entry.holdout:
			contacted += 1
	return joining, waiting


@dataclass(frozen=True)
class ExpectedPace:
	eligible: int
	per_day: int | None  # None: no limit (all join at once)
	working_days: int  # intake days needed to take everyone eligible today


def expected_pace(pace: Pace, eligible: int, quota: int | None) -> ExpectedPace:
	""" "412 eligible, about 35 a day, done in 12 working days" for the preview (today's quota held steady)."""
	if eligible <= 0:
		return ExpectedPace(0, quota, 0)
	if quota is None:
		return ExpectedPace(eligible, None, 1)
	if quota <= 0:
		return ExpectedPace(eligible, 0, 0)
	return ExpectedPace(eligible, quota, math.ceil(eligible / quota))
