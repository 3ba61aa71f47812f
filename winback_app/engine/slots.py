"""Free appointment slots: which practitioner can see a patient when, computed on the server.

One job: turn practitioner schedule blocks and already booked appointments into a sorted list of free
slots over a horizon of days. This module never performs I/O: it takes plain frozen dataclasses (the
Frappe side reads Practitioner Schedule, Healthcare Service Unit, Patient Appointment, holidays and
leave) and returns plain frozen dataclasses. All datetimes are naive, in the clinic's system time zone,
exactly as the host stores appointment_date + appointment_time.

It re-implements, server-side, what Marley Health / Frappe healthcare 15 only does in the browser:

- patient_appointment.js ``check_and_set_availability.get_slots``: which slot buttons are enabled
  (overlap with booked appointments, allow_overlap + service_unit_capacity, maximum_appointments
  "appointment for day" windows, past times on today);
- patient_appointment.py ``get_available_slots`` (which time-slot rows apply on a weekday and which
  appointments each schedule entry is checked against), ``check_employee_wise_availability`` (holiday
  or leave closes the whole day) and ``PatientAppointment.validate_overlaps`` (the server-side rule a
  booking must finally pass: the practitioner may not be double booked outside an overlap unit);
- practitioner_schedule.js "Add Time Slots": stepping a from/to range by a duration, dropping a last
  slot that would run past the end.

Where the browser code and the server validation disagree, the stricter rule wins, so a slot offered
here is never one validate_overlaps would refuse because of the practitioner or the service unit (a
patient's own other appointments, which it also checks, are the caller's to exclude); each choice is
commented where it is made.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# Host day names (Healthcare Schedule Time Slot.day) in Python weekday order: 0 = Monday.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Part-of-day choices in the order an SMS reply 1 / 2 / 3 picks them.
PARTS = ("morning", "afternoon", "evening")
NOON = time(12, 0)
EVENING = time(17, 0)

CAPACITY_SCOPES = ("unit", "practitioner")

# A zero-minute appointment still occupies the instant it starts at (see _end).
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class ScheduleBlock:
	"""One Healthcare Schedule Time Slot row of a practitioner's schedule, with its service unit's rules.

	slot_minutes > 0 steps the block into slots of that length; slot_minutes == 0 makes the whole block
	one slot, which is how the host treats a time-slot row (its "Add Time Slots" dialog already cuts
	rows to the appointment duration). maximum_appointments > 0 marks a host "appointment for day"
	row: the block is one check-in window limited by count, and slot_minutes is the duration written
	on each booking (the row's duration field).
	"""

	practitioner: str
	weekday: int  # 0 = Monday; convert host day names with day_index()
	start: time
	end: time
	service_unit: str | None
	allow_overlap: bool = False  # Healthcare Service Unit.overlap_appointments
	capacity: int = 1  # Healthcare Service Unit.service_unit_capacity, used when allow_overlap
	maximum_appointments: int = 0  # 0 = no limit (an ordinary slotted row)
	slot_minutes: int = 15

	def __post_init__(self):
		if not 0 <= self.weekday <= 6:
			raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday!r}")
		if self.slot_minutes < 0:
			raise ValueError("slot_minutes may not be negative")


@dataclass(frozen=True)
class BookedAppointment:
	"""A Patient Appointment that holds time: pass only ones not Cancelled / Closed."""

	practitioner: str
	service_unit: str | None
	start: datetime
	minutes: int


@dataclass(frozen=True)
class FreeSlot:
	"""A bookable slot. minutes is the duration to write on the appointment; check_in mirrors the
	host's appointment_based_on_check_in (a maximum_appointments window, booked at its start time);
	seats_left is what remains of the capacity or maximum (1 for an ordinary slot)."""

	practitioner: str
	service_unit: str | None
	start: datetime
	end: datetime
	part_of_day: str
	minutes: int
	check_in: bool = False
	seats_left: int = 1


def day_index(name: str) -> int:
	"""Host day name ("Monday" .. "Sunday", any case) to Python weekday (0 = Monday)."""
	cleaned = str(name or "").strip().lower()
	for index, day in enumerate(DAY_NAMES):
		if day.lower() == cleaned:
			return index
	raise ValueError(f"Unknown day name: {name!r}")


def choice_parts() -> tuple[str, ...]:
	"""Part-of-day choices; position + 1 is the SMS reply digit (1 morning, 2 afternoon, 3 evening)."""
	return PARTS


def part_of_day(moment: time | datetime) -> str:
	"""morning before 12:00, afternoon from 12:00 until 17:00, evening from 17:00."""
	clock = moment.time() if isinstance(moment, datetime) else moment
	if clock < NOON:
		return "morning"
	if clock < EVENING:
		return "afternoon"
	return "evening"


def filter_part_of_day(slots: Iterable[FreeSlot], part: str) -> list[FreeSlot]:
	if part not in PARTS:
		raise ValueError(f"part must be one of {PARTS}, not {part!r}")
	return [slot for slot in slots if slot.part_of_day == part]


def group_by_day(slots: Iterable[FreeSlot]) -> dict[date, list[FreeSlot]]:
	"""Slots per calendar day, days ascending, each day's slots in free_slots order."""
	grouped: dict[date, list[FreeSlot]] = {}
	for slot in sorted(slots, key=_sort_key):
		grouped.setdefault(slot.start.date(), []).append(slot)
	return grouped


def free_slots(
	blocks: Iterable[ScheduleBlock],
	booked: Iterable[BookedAppointment],
	*,
	start_day: date,
	days: int,
	now: datetime,
	lead: timedelta = timedelta(0),
	closed_days: Mapping[str, Iterable[date]] | Iterable[date] | None = None,
	capacity_scope: str = "unit",
) -> list[FreeSlot]:
	"""Free slots on days start_day .. start_day + days - 1, sorted by start, then practitioner.

	closed_days: dates a practitioner does not work (holiday list, leave, half-day leave: the host
	refuses the whole day for each), either per practitioner name or one collection for everyone.
	now + lead: ordinary slots starting earlier are dropped (the host disables past slots on today).
	capacity_scope: in overlap units, "unit" counts every overlapping appointment in the service unit
	against its capacity; "practitioner" counts only this practitioner's, exactly like the host (see
	_seats_left).
	"""
	if capacity_scope not in CAPACITY_SCOPES:
		raise ValueError(f"capacity_scope must be one of {CAPACITY_SCOPES}, not {capacity_scope!r}")
	if days <= 0:
		return []

	by_weekday: dict[int, list[ScheduleBlock]] = {}
	for block in blocks:
		by_weekday.setdefault(block.weekday, []).append(block)

	by_practitioner: dict[str, list[BookedAppointment]] = {}
	by_unit: dict[str, list[BookedAppointment]] = {}
	for appointment in booked:
		by_practitioner.setdefault(appointment.practitioner, []).append(appointment)
		if appointment.service_unit:
			by_unit.setdefault(appointment.service_unit, []).append(appointment)
	practitioner_lines = {name: _Timeline(items) for name, items in by_practitioner.items()}
	unit_lines = {name: _Timeline(items) for name, items in by_unit.items()}

	closed_for, closed_all = _closed(closed_days)
	cutoff = now + lead
	found: list[FreeSlot] = []

	for offset in range(days):
		day = start_day + timedelta(days=offset)
		for block in by_weekday.get(day.weekday(), ()):
			if day in closed_all or day in closed_for.get(block.practitioner, ()):
				continue
			block_start = datetime.combine(day, block.start)
			block_end = datetime.combine(day, block.end)
			if block_end <= block_start or block_end <= cutoff:
				continue
			own = practitioner_lines.get(block.practitioner, _EMPTY)
			unit = unit_lines.get(block.service_unit, _EMPTY) if block.service_unit else _EMPTY
			if block.maximum_appointments > 0:
				window = _check_in_window(block, block_start, block_end, own, unit)
				if window is not None:
					found.append(window)
				continue
			step = timedelta(minutes=block.slot_minutes) if block.slot_minutes else block_end - block_start
			minutes = int(step.total_seconds() // 60)
			slot_start = block_start
			if slot_start < cutoff:
				# Jump to the first step at or after the cutoff instead of walking the past.
				skipped = -((block_start - cutoff) // step)
				slot_start = block_start + skipped * step
			while slot_start + step <= block_end:
				slot_end = slot_start + step
				seats = _seats_left(block, slot_start, slot_end, own, unit, capacity_scope)
				if seats > 0:
					found.append(
						FreeSlot(
							practitioner=block.practitioner,
							service_unit=block.service_unit,
							start=slot_start,
							end=slot_end,
							part_of_day=part_of_day(slot_start),
							minutes=minutes,
							seats_left=seats,
						)
					)
				slot_start = slot_end

	return _dedupe(found)


def _seats_left(block, start, end, own: _Timeline, unit: _Timeline, scope: str) -> int:
	"""How many more appointments fit in [start, end); 0 or less means taken.

	Non-overlap unit (or no unit): taken by ANY overlapping appointment of this practitioner
	(validate_overlaps refuses a double-booked practitioner) or of anyone in this service unit (the
	host's get_available_slots drops the practitioner filter for non-overlap units).

	Overlap unit: the practitioner's overlapping appointment in another unit (or none) takes the slot
	outright - validate_overlaps only forgives overlaps inside the same overlap unit. Inside the unit
	the host counts only this practitioner's appointments against service_unit_capacity (the JS and
	validate_overlaps both only see this practitioner's rows); a unit's capacity is physically shared,
	so by default ("unit") we count everyone's overlapping appointments in the unit, which is never
	less than the host's count and so never offers a seat the host would refuse. "practitioner" gives
	exact host parity. Capacity 0 counts as 1, like validate_overlaps' ``capacity or 1``.
	"""
	mine = own.overlapping(start, end)
	if not block.allow_overlap or not block.service_unit:
		if mine:
			return 0
		if block.service_unit and unit.overlapping(start, end):
			return 0
		return 1
	for index in mine:
		if own.units[index] != block.service_unit:
			return 0
	taken = len(unit.overlapping(start, end)) if scope == "unit" else len(mine)
	return max(block.capacity, 1) - taken


def _check_in_window(block, start, end, own: _Timeline, unit: _Timeline) -> FreeSlot | None:
	"""A maximum_appointments row: one check-in window, free while fewer than the maximum are booked.

	Host: the JS offers the whole row as one button while the day's appointment count is below
	maximum_appointments, ignoring time overlap and the past-time rule, and books it at from_time with
	appointment_based_on_check_in set (validate_overlaps then skips the overlap check). We follow that,
	with two deliberate narrowings: the count is of appointments starting inside this window (the host
	counts the whole day, which double counts when a practitioner has two windows a day), and a window
	that has already ended (before now + lead) is not offered. Counted appointments are the
	practitioner's own plus, for a non-overlap unit, anyone's in that unit - the same rows the host
	fetches for the row's schedule entry.
	"""
	counted = len(own.starting_within(start, end))
	if block.service_unit and not block.allow_overlap:
		for index in unit.starting_within(start, end):
			if unit.practitioners[index] != block.practitioner:
				counted += 1
	seats = block.maximum_appointments - counted
	if seats <= 0:
		return None
	return FreeSlot(
		practitioner=block.practitioner,
		service_unit=block.service_unit,
		start=start,
		end=end,
		part_of_day=part_of_day(start),
		minutes=block.slot_minutes,
		check_in=True,
		seats_left=seats,
	)


class _Timeline:
	"""Appointments of one practitioner or one service unit, sorted by start, for bisect lookups.

	reach is the longest appointment, so every appointment overlapping [start, end) starts in
	[start - reach, end): two bisects and a short scan instead of a pass over all appointments.
	"""

	__slots__ = ("starts", "ends", "units", "practitioners", "reach")

	def __init__(self, appointments: list[BookedAppointment]):
		ordered = sorted(appointments, key=lambda a: (a.start, a.practitioner, a.service_unit or ""))
		self.starts = [a.start for a in ordered]
		self.ends = [_end(a) for a in ordered]
		self.units = [a.service_unit for a in ordered]
		self.practitioners = [a.practitioner for a in ordered]
		self.reach = max((e - s for s, e in zip(self.starts, self.ends, strict=True)), default=timedelta(0))

	def overlapping(self, start: datetime, end: datetime) -> list[int]:
		"""Indices of appointments overlapping the half-open interval [start, end)."""
		starts, ends = self.starts, self.ends
		low = bisect_left(starts, start - self.reach)
		high = bisect_left(starts, end, low)
		return [i for i in range(low, high) if ends[i] > start]

	def starting_within(self, start: datetime, end: datetime) -> range:
		low = bisect_left(self.starts, start)
		return range(low, bisect_left(self.starts, end, low))


_EMPTY = _Timeline([])


def _end(appointment: BookedAppointment) -> datetime:
	# The host JS disables a slot a zero-duration appointment starts in, and validate_overlaps matches
	# equal start times; so a 0-minute appointment occupies the instant it starts at.
	minutes = max(appointment.minutes or 0, 0)
	if minutes == 0:
		return appointment.start + _INSTANT
	return appointment.start + timedelta(minutes=minutes)


def _closed(closed_days) -> tuple[dict[str, frozenset[date]], frozenset[date]]:
	if not closed_days:
		return {}, frozenset()
	if isinstance(closed_days, Mapping):
		return {name: frozenset(dates) for name, dates in closed_days.items()}, frozenset()
	return {}, frozenset(closed_days)


def _sort_key(slot: FreeSlot):
	return (slot.start, slot.practitioner, slot.service_unit or "", slot.end, slot.check_in, -slot.seats_left)


def _dedupe(slots: list[FreeSlot]) -> list[FreeSlot]:
	"""Sort, and drop a slot repeated by two schedule entries (keeping the one with most seats)."""
	result: list[FreeSlot] = []
	seen: set[tuple] = set()
	for slot in sorted(slots, key=_sort_key):
		key = (slot.start, slot.practitioner, slot.service_unit, slot.end, slot.check_in)
		if key not in seen:
			seen.add(key)
			result.append(slot)
	return result
