import random
from datetime import date, datetime, time, timedelta

import pytest

from winback_app.engine.slots import (
	BookedAppointment,
	FreeSlot,
	ScheduleBlock,
	choice_parts,
	day_index,
	filter_part_of_day,
	free_slots,
	group_by_day,
	part_of_day,
)

MONDAY = date(2026, 11, 16)
TUESDAY = MONDAY + timedelta(days=1)
EARLY = datetime(2026, 11, 1, 8, 0)  # "now" well before the horizon


def block(practitioner="Dr A", weekday=0, start=(9, 0), end=(10, 0), unit="Room 1", **kwargs):
	return ScheduleBlock(practitioner, weekday, time(*start), time(*end), unit, **kwargs)


def at(hour, minute=0, day=MONDAY):
	return datetime.combine(day, time(hour, minute))


def appt(practitioner="Dr A", unit="Room 1", start=None, minutes=15):
	return BookedAppointment(practitioner, unit, start or at(9), minutes)


def run(blocks, booked=(), **kwargs):
	options = {"start_day": MONDAY, "days": 1, "now": EARLY, "lead": timedelta(0)}
	options.update(kwargs)
	return free_slots(blocks, booked, **options)


def starts(slots):
	return [slot.start.strftime("%H:%M") for slot in slots]


# stepping


def test_block_steps_by_slot_minutes():
	slots = run([block()])
	assert starts(slots) == ["09:00", "09:15", "09:30", "09:45"]
	assert all(slot.end - slot.start == timedelta(minutes=15) for slot in slots)
	assert all(slot.minutes == 15 for slot in slots)
	assert slots[0] == FreeSlot("Dr A", "Room 1", at(9), at(9, 15), "morning", 15)


def test_partial_slot_at_block_end_is_dropped():
	slots = run([block(end=(10, 10), slot_minutes=20)])
	assert starts(slots) == ["09:00", "09:20", "09:40"]
	assert slots[-1].end == at(10)


def test_zero_slot_minutes_makes_the_row_one_slot():
	slots = run([block(start=(9, 0), end=(9, 20), slot_minutes=0)])
	assert [(s.start, s.end, s.minutes) for s in slots] == [(at(9), at(9, 20), 20)]


def test_block_ending_before_it_starts_yields_nothing():
	assert run([block(start=(10, 0), end=(9, 0))]) == []


# booked appointments, non-overlap units


def test_booked_appointment_blocks_overlapping_slots_only():
	# 9:10-9:35 overlaps 9:00, 9:15 and 9:30; adjacent slots stay free.
	slots = run([block(end=(10, 30))], [appt(start=at(9, 10), minutes=25)])
	assert starts(slots) == ["09:45", "10:00", "10:15"]


def test_adjacent_appointment_does_not_block():
	# [9:15, 9:30) touches 9:00-9:15 and 9:30-9:45 but overlaps neither.
	slots = run([block()], [appt(start=at(9, 15), minutes=15)])
	assert starts(slots) == ["09:00", "09:30", "09:45"]


def test_appointment_on_another_day_does_not_block():
	slots = run([block()], [appt(start=at(9, 0, day=TUESDAY))])
	assert starts(slots) == ["09:00", "09:15", "09:30", "09:45"]


def test_practitioner_busy_in_another_unit_blocks():
	slots = run([block()], [appt(unit="Room 9", start=at(9, 30))])
	assert starts(slots) == ["09:00", "09:15", "09:45"]


def test_zero_minute_appointment_blocks_the_slot_it_starts_in():
	slots = run([block()], [appt(start=at(9, 20), minutes=0)])
	assert starts(slots) == ["09:00", "09:30", "09:45"]


def test_non_overlap_unit_conflicts_across_practitioners():
	blocks = [block("Dr A"), block("Dr B")]
	slots = run(blocks, [appt(practitioner="Dr B", start=at(9, 0), minutes=30)])
	assert starts([s for s in slots if s.practitioner == "Dr A"]) == ["09:30", "09:45"]
	assert starts([s for s in slots if s.practitioner == "Dr B"]) == ["09:30", "09:45"]


def test_other_practitioner_in_other_unit_does_not_block():
	slots = run([block("Dr A", unit="Room 1")], [appt(practitioner="Dr B", unit="Room 2")])
	assert starts(slots) == ["09:00", "09:15", "09:30", "09:45"]


def test_block_without_unit_only_sees_practitioner():
	blocks = [block("Dr A", unit=None)]
	booked = [appt(practitioner="Dr B", unit=None), appt(practitioner="Dr A", unit=None, start=at(9, 45))]
	assert starts(run(blocks, booked)) == ["09:00", "09:15", "09:30"]


# overlap units and capacity


def group_block(practitioner="Dr A", capacity=2, **kwargs):
	return block(practitioner, unit="Gym", allow_overlap=True, capacity=capacity, end=(9, 30), **kwargs)


def test_overlap_unit_free_until_capacity_reached():
	one = run([group_block()], [appt(unit="Gym", start=at(9))])
	assert starts(one) == ["09:00", "09:15"]
	assert one[0].seats_left == 1 and one[1].seats_left == 2
	two = run([group_block()], [appt(unit="Gym", start=at(9)), appt(unit="Gym", start=at(9, 5))])
	assert starts(two) == ["09:15"]


def test_overlap_unit_counts_other_practitioners_by_default():
	booked = [appt(practitioner="Dr B", unit="Gym"), appt(practitioner="Dr C", unit="Gym")]
	assert starts(run([group_block()], booked)) == ["09:15"]


def test_capacity_scope_practitioner_matches_host():
	booked = [appt(practitioner="Dr B", unit="Gym"), appt(practitioner="Dr C", unit="Gym")]
	slots = run([group_block()], booked, capacity_scope="practitioner")
	assert starts(slots) == ["09:00", "09:15"]
	assert slots[0].seats_left == 2
	own = [appt(unit="Gym"), appt(unit="Gym", start=at(9, 10))]
	assert starts(run([group_block()], own, capacity_scope="practitioner")) == ["09:15"]


def test_overlap_unit_practitioner_busy_elsewhere_is_taken():
	assert starts(run([group_block(capacity=5)], [appt(unit="Room 1", start=at(9))])) == ["09:15"]


def test_zero_capacity_counts_as_one():
	assert starts(run([group_block(capacity=0)], [appt(unit="Gym", start=at(9))])) == ["09:15"]


def test_unknown_capacity_scope_rejected():
	with pytest.raises(ValueError):
		run([group_block()], capacity_scope="room")


# maximum_appointments (host "appointment for day" rows)


def day_block(maximum=3, **kwargs):
	return block(start=(9, 0), end=(12, 0), maximum_appointments=maximum, slot_minutes=20, **kwargs)


def test_maximum_appointments_is_one_check_in_window():
	slots = run([day_block()], [appt(start=at(9), minutes=20)])
	assert len(slots) == 1
	window = slots[0]
	assert (window.start, window.end) == (at(9), at(12))
	assert window.check_in is True
	assert window.seats_left == 2
	assert window.minutes == 20


def test_maximum_appointments_full_window_is_dropped():
	booked = [appt(start=at(9), minutes=20) for _ in range(3)]
	assert run([day_block()], booked) == []


def test_maximum_appointments_counts_only_inside_window():
	booked = [appt(start=at(14)), appt(start=at(15)), appt(start=at(16))]
	assert [s.seats_left for s in run([day_block()], booked)] == [3]


def test_maximum_window_counts_unit_for_non_overlap_units():
	booked = [appt(practitioner="Dr B", start=at(9)), appt(practitioner="Dr B", unit="Gym", start=at(9))]
	assert [s.seats_left for s in run([day_block()], booked)] == [2]


def test_maximum_window_stays_open_after_start_until_end():
	slots = run([day_block()], now=at(10, 30))
	assert [(s.start, s.seats_left) for s in slots] == [(at(9), 3)]
	assert run([day_block()], now=at(12, 0)) == []


# closed days, lead time, horizon


def test_closed_days_per_practitioner_remove_whole_day():
	blocks = [block("Dr A"), block("Dr B"), block("Dr A", weekday=1)]
	slots = run(blocks, days=2, closed_days={"Dr A": {MONDAY}})
	assert {(s.practitioner, s.start.date()) for s in slots} == {("Dr B", MONDAY), ("Dr A", TUESDAY)}


def test_closed_days_set_applies_to_everyone():
	blocks = [block("Dr A"), block("Dr B"), block("Dr A", weekday=1)]
	slots = run(blocks, days=2, closed_days={MONDAY})
	assert {(s.practitioner, s.start.date()) for s in slots} == {("Dr A", TUESDAY)}


def test_lead_time_drops_slots_starting_too_soon():
	slots = run([block()], now=at(8, 50), lead=timedelta(minutes=30))
	assert starts(slots) == ["09:30", "09:45"]


def test_slot_starting_exactly_at_cutoff_is_kept():
	slots = run([block()], now=at(9, 15), lead=timedelta(0))
	assert starts(slots) == ["09:15", "09:30", "09:45"]


def test_cutoff_mid_slot_keeps_the_grid():
	slots = run([block()], now=at(9, 5))
	assert starts(slots) == ["09:15", "09:30", "09:45"]


def test_horizon_is_start_day_plus_days_exclusive():
	blocks = [block(weekday=w) for w in range(7)]
	slots = run(blocks, days=3)
	assert sorted({s.start.date() for s in slots}) == [MONDAY + timedelta(days=i) for i in range(3)]
	assert run(blocks, days=0) == []


def test_block_applies_only_on_its_weekday():
	slots = run([block(weekday=2)], days=7)
	assert {s.start.date() for s in slots} == {date(2026, 11, 18)}
	assert {s.start.weekday() for s in slots} == {2}


# weekday mapping


@pytest.mark.parametrize(
	"name,index",
	[
		("Monday", 0),
		("Tuesday", 1),
		("Wednesday", 2),
		("Thursday", 3),
		("Friday", 4),
		("Saturday", 5),
		("Sunday", 6),
	],
)
def test_day_index_matches_python_weekday(name, index):
	assert day_index(name) == index
	assert (MONDAY + timedelta(days=index)).strftime("%A") == name


def test_day_index_tolerates_case_and_space_rejects_unknown():
	assert day_index(" sunday ") == 6
	with pytest.raises(ValueError):
		day_index("Funday")


def test_weekday_out_of_range_rejected():
	with pytest.raises(ValueError):
		block(weekday=7)


# part of day and grouping


@pytest.mark.parametrize(
	"clock,part",
	[
		(time(0, 0), "morning"),
		(time(11, 59), "morning"),
		(time(12, 0), "afternoon"),
		(time(16, 59), "afternoon"),
		(time(17, 0), "evening"),
		(time(23, 45), "evening"),
	],
)
def test_part_of_day_boundaries(clock, part):
	assert part_of_day(clock) == part
	assert part_of_day(datetime.combine(MONDAY, clock)) == part


def test_choice_parts_order_matches_sms_replies():
	assert choice_parts() == ("morning", "afternoon", "evening")


def test_filter_and_group():
	blocks = [block(start=(11, 30), end=(12, 30), slot_minutes=30, weekday=w) for w in (0, 1)]
	blocks.append(block(start=(17, 0), end=(17, 30), slot_minutes=30, weekday=1))
	slots = run(blocks, days=2)
	assert [s.part_of_day for s in slots] == ["morning", "afternoon", "morning", "afternoon", "evening"]
	assert starts(filter_part_of_day(slots, "afternoon")) == ["12:00", "12:00"]
	assert starts(filter_part_of_day(slots, "evening")) == ["17:00"]
	grouped = group_by_day(reversed(slots))
	assert list(grouped) == [MONDAY, TUESDAY]
	assert starts(grouped[MONDAY]) == ["11:30", "12:00"]
	assert starts(grouped[TUESDAY]) == ["11:30", "12:00", "17:00"]
	with pytest.raises(ValueError):
		filter_part_of_day(slots, "night")


# ordering and determinism


def test_sorted_by_start_then_practitioner():
	blocks = [block("Dr B", unit="Room 2"), block("Dr A", unit="Room 1", start=(9, 15))]
	slots = run(blocks)
	assert [(s.start, s.practitioner) for s in slots][:3] == [
		(at(9), "Dr B"),
		(at(9, 15), "Dr A"),
		(at(9, 15), "Dr B"),
	]


def test_duplicate_rows_from_two_schedules_are_merged():
	assert starts(run([block(), block()])) == ["09:00", "09:15", "09:30", "09:45"]


def test_deterministic_regardless_of_input_order():
	rng = random.Random(7)
	practitioners = [f"Dr {i}" for i in range(5)]
	blocks = [
		block(
			p, weekday=w, start=(h, 0), end=(h + 3, 0), unit=f"Room {i % 3}", allow_overlap=i == 4, capacity=2
		)
		for i, p in enumerate(practitioners)
		for w in range(5)
		for h in (9, 14)
	]
	booked = [
		appt(
			rng.choice(practitioners),
			f"Room {rng.randrange(3)}",
			at(rng.randrange(9, 17), rng.choice((0, 15, 30, 45)), MONDAY + timedelta(days=rng.randrange(5))),
			rng.choice((15, 30, 45)),
		)
		for _ in range(60)
	]
	options = {"start_day": MONDAY, "days": 7, "now": EARLY, "lead": timedelta(0)}
	first = free_slots(blocks, booked, **options)
	shuffled_blocks, shuffled_booked = blocks[:], booked[:]
	rng.shuffle(shuffled_blocks)
	rng.shuffle(shuffled_booked)
	second = free_slots(shuffled_blocks, shuffled_booked, **options)
	assert first == second
	assert first == sorted(first, key=lambda s: (s.start, s.practitioner, s.service_unit or ""))
	assert 0 < len(first) < 5 * 5 * 2 * 12  # some slots are free and some were taken
