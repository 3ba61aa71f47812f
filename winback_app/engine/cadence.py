"""Cadence planning: one contact attempt per Cadence Touch, each due inside the patient's send window.

Day 1 is the day the patient joins; day N is N-1 days later at the same instant, then moved forward into
the window (quiet hours, clinic days, the patient's time zone, DST-correct). This module never performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from winback_app.engine.segments import TouchSpec
from winback_app.engine.window import SendWindow


@dataclass(frozen=True)
class PlannedAttempt:
	touch: TouchSpec
	due_at: datetime  # UTC, aware


def plan(
	touches: tuple[TouchSpec, ...], start: datetime, time_zone: str | None, window: SendWindow
) -> list[PlannedAttempt]:
	"""Due times for every touch. Later touches never fall before earlier ones, even after window shifts."""
	planned: list[PlannedAttempt] = []
	floor = start
	for touch in sorted(touches, key=lambda t: t.day_offset):
		nominal = start + timedelta(days=max(touch.day_offset, 1) - 1)
		due = window.next_open(max(nominal, floor), time_zone)
		planned.append(PlannedAttempt(touch, due))
		floor = due
	return planned
