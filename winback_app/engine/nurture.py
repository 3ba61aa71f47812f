"""A "not now" that really comes back: when the pause ends, the nurture touch that opens it, and where the rest
of the cadence goes.

One job: plan_snooze(...) -> SnoozePlan. A patient's "not now" pauses the lapse until the date they named ("in
March", "after the holidays") or, when they named none, the campaign's nurture days (Campaign Segment >
nurture_days, default 30; Settings > snooze_days when the campaign has none). It is not a reply that ends the
cadence: on the first open moment of the send window on that day (the patient's time zone) the campaign's
nurture touch goes out (one gentle SMS, Campaign Segment > nurture_template, when nurture_after_snooze is on),
and the touches that were still planned follow it, keeping their spacing, the first a day after it.

The nurture touch is a contact attempt like any other (the dispatcher's checks, caps and window apply at send
time); its touch name is NURTURE_PREFIX + the pause's end date, so a replayed or repeated "not now" for the
same date plans it once (the attempt table is unique on lapse and touch). Standard library only; never reads
the clock; never performs I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from winback_app.engine.window import SendWindow, zone

DEFAULT_NURTURE_DAYS = 30
NURTURE_PREFIX = "nurture-"
# Passes the SMS template checks (engine.templates): no clinical detail, names the practice, says how to stop.
DEFAULT_NURTURE_TEMPLATE = (
	"Hi {{ first_name }}, it's {{ practice_name }}. Whenever you're ready, pick a time here: {{ booking_link }} "
	"{{ opt_out_text }}"
)
MAX_SNOOZE_DAYS = 366  # a named date further away than this is read as this far (a year)


@dataclass(frozen=True)
class SnoozePlan:
	until: date  # the patient's local date the pause ends
	until_at: datetime  # the first open moment of the window that day (aware, UTC): snoozed_until
	nurture_touch: str | None  # the nurture attempt's touch name, or None (nurture off)
	nurture_due: datetime | None  # aware, UTC
	moved: dict[str, datetime] = field(default_factory=dict)  # {planned attempt: new due (aware, UTC)}


def is_nurture_touch(touch: str | None) -> bool:
	return bool(touch) and touch.startswith(NURTURE_PREFIX)


def nurture_touch_name(until: date) -> str:
	return f"{NURTURE_PREFIX}{until.isoformat()}"


def snooze_end(named: date | None, today: date, default_days: int | None) -> date:
	"""The date the pause ends: the one the patient named (never before tomorrow, never more than a year away),
	else today + default_days (DEFAULT_NURTURE_DAYS when unset)."""
	if named is not None:
		return min(max(named, today + timedelta(days=1)), today + timedelta(days=MAX_SNOOZE_DAYS))
	days = default_days if default_days and default_days > 0 else DEFAULT_NURTURE_DAYS
	return today + timedelta(days=days)


def plan_snooze(
	*,
	now: datetime,
	time_zone: str | None,
	window: SendWindow,
	named: date | None,
	default_days: int | None,
	nurture: bool,
	planned: Sequence[tuple[str, datetime]] = (),
) -> SnoozePlan:
	"""The pause and what follows it.

	now: aware; time_zone: the patient's (IANA); named: the date the text named (engine.replies: the patient's
	local calendar), if any; default_days: the campaign's nurture days (or the settings' snooze days);
	nurture: the campaign sends a nurture touch; planned: the lapse's touches not sent yet as (attempt, due,
	aware), which move after the pause keeping their spacing.
	"""
	if now.tzinfo is None:
		raise ValueError("Snooze planning needs a timezone-aware now.")
	tz = zone(time_zone)
	today = now.astimezone(tz).date()
	until = snooze_end(named, today, default_days)
	opens = window.next_open(datetime.combine(until, time(0, 0), tzinfo=tz), time_zone)
	touch = nurture_touch_name(until) if nurture else None
	anchor = opens + timedelta(days=1) if nurture else opens
	moved: dict[str, datetime] = {}
	if planned:
		first = min(due for _name, due in planned)
		floor = anchor
		for name, due in sorted(planned, key=lambda p: (p[1], p[0])):
			# the same spacing as planned, on the patient's wall clock, never before the one before it
			target = (anchor.astimezone(tz) + (due - first)).astimezone(tz)
			new_due = window.next_open(max(target, floor), time_zone)
			moved[name] = new_due
			floor = new_due
	return SnoozePlan(until, opens, touch, opens if nurture else None, moved)
