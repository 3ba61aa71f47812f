"""Cadence planning: one contact attempt per Cadence Touch, each due inside the patient's send window.

Day 1 is the day the patient joins; day N is N-1 days later at the same instant (or at the step's own time of
day, "send at", on the patient's clock: the rescue's "next morning" text), then moved forward into the window
(quiet hours, clinic days, the patient's time zone, DST-correct). This module never performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from winback_app.engine.segments import TouchSpec
from winback_app.engine.window import SendWindow, zone


@dataclass(frozen=True)
class PlannedAttempt:
	touch: TouchSpec
	due_at: datetime  # UTC, aware


def plan(
	touches: tuple[TouchSpec, ...], start: datetime, time_zone: str | None, window: SendWindow
) -> list[PlannedAttempt]:
	"""Due times for every touch. Later touches never fall before earlier ones, even after window shifts."""
	if start.tzinfo is None:
		raise ValueError("Cadence planning needs a timezone-aware start.")
	planned: list[PlannedAttempt] = []
	floor = start
	# Days are counted on the patient's calendar: adding days to a local (zoneinfo) datetime keeps the wall
	# clock, so "day 9" is 9:00 local even when DST changed in between.
	local_start = start.astimezone(zone(time_zone))
	for touch in sorted(touches, key=lambda t: t.day_offset):
		nominal = local_start + timedelta(days=max(touch.day_offset, 1) - 1)
		if touch.send_at is not None:
			nominal = nominal.replace(
				hour=touch.send_at.hour, minute=touch.send_at.minute, second=0, microsecond=0
			)
		due = window.next_open(max(nominal, floor), time_zone)
		planned.append(PlannedAttempt(touch, due))
		floor = due
	return planned
