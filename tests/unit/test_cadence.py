"""Cadence planning: each touch due at the right local day and hour, in UTC, never out of order."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from winback_app.engine.cadence import plan
from winback_app.engine.segments import TouchSpec
from winback_app.engine.window import SendWindow

UTC = timezone.utc
NY = "America/New_York"
LA = "America/Los_Angeles"
WINDOW = SendWindow(time(9), time(19), (0, 1, 2, 3, 4))

STANDARD = (
	TouchSpec(1, "SMS", "Hi {{ first_name }}", name="t1"),
	TouchSpec(4, "Email", "Email body", email_subject="We miss you", name="t4"),
	TouchSpec(9, "SMS", "Second text", name="t9"),
	TouchSpec(14, "Call Task", "Call them", name="t14"),
)


def local(y, m, d, h, mi=0, s=0, tz=NY):
	return datetime(y, m, d, h, mi, s, tzinfo=ZoneInfo(tz))


def as_local(planned, tz=NY):
	return [p.due_at.astimezone(ZoneInfo(tz)).replace(tzinfo=None) for p in planned]


def naive(y, m, d, h, mi=0, s=0):
	return datetime(y, m, d, h, mi, s)


# 2026-11-18 is a Wednesday.
WED_EARLY = local(2026, 11, 18, 4, 30)


@pytest.mark.parametrize("start", [WED_EARLY, WED_EARLY.astimezone(UTC)], ids=["local", "utc"])
def test_standard_cadence_lands_at_nine_on_open_days(start):
	planned = plan(STANDARD, start, NY, WINDOW)
	assert [p.touch for p in planned] == list(STANDARD)
	assert as_local(planned) == [
		naive(2026, 11, 18, 9),  # day 1, Wednesday: waits for 9:00
		naive(2026, 11, 23, 9),  # day 4 is Saturday: moved to Monday
		naive(2026, 11, 26, 9),  # day 9, Thursday
		naive(2026, 12, 1, 9),  # day 14, Tuesday
	]


def test_due_times_are_utc_and_non_decreasing():
	planned = plan(STANDARD, WED_EARLY, NY, WINDOW)
	for p in planned:
		assert p.due_at.tzinfo is not None
		assert p.due_at.utcoffset() == timedelta(0)
		assert p.due_at.astimezone(ZoneInfo(NY)).weekday() in WINDOW.weekdays
	dues = [p.due_at for p in planned]
	assert dues == sorted(dues)
	assert planned[0].due_at == datetime(2026, 11, 18, 14, 0, tzinfo=UTC)  # 9:00 EST


def test_start_inside_window_keeps_exact_instant_for_day_one():
	start = local(2026, 11, 18, 10, 15, 30).astimezone(UTC)
	planned = plan(STANDARD, start, NY, WINDOW)
	assert planned[0].due_at == start
	assert as_local(planned)[1:] == [
		naive(2026, 11, 23, 9),  # Saturday -> Monday opening
		naive(2026, 11, 26, 10, 15, 30),  # same time of day, inside the window
		naive(2026, 12, 1, 10, 15, 30),
	]


def test_start_after_window_moves_day_one_to_next_morning():
	start = local(2026, 11, 18, 19, 0)  # the window closes at 19:00 (exclusive)
	planned = plan(STANDARD[:1], start, NY, WINDOW)
	assert as_local(planned) == [naive(2026, 11, 19, 9)]


def test_los_angeles_patient_gets_los_angeles_nine_oclock():
	start = WED_EARLY.astimezone(UTC)  # 04:30 New York, 01:30 Los Angeles
	planned = plan(STANDARD, start, LA, WINDOW)
	assert as_local(planned, LA) == [
		naive(2026, 11, 18, 9),
		naive(2026, 11, 23, 9),
		naive(2026, 11, 26, 9),
		naive(2026, 12, 1, 9),
	]
	assert planned[0].due_at == datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
	assert planned[0].due_at != plan(STANDARD, start, NY, WINDOW)[0].due_at


# US DST starts Sunday 2026-03-08 and ends Sunday 2026-11-01.
SPRING = local(2026, 3, 5, 4, 30)  # Thursday, EST
FALL = local(2026, 10, 29, 4, 30)  # Thursday, EDT


@pytest.mark.parametrize("start", [SPRING, SPRING.astimezone(UTC)], ids=["local", "utc"])
def test_spring_forward_keeps_nine_local(start):
	planned = plan(STANDARD, start, NY, WINDOW)
	assert as_local(planned) == [
		naive(2026, 3, 5, 9),
		naive(2026, 3, 9, 9),  # day 4 is Sunday, the change-over day: Monday
		naive(2026, 3, 13, 9),
		naive(2026, 3, 18, 9),
	]
	assert [p.due_at.hour for p in planned] == [14, 13, 13, 13]  # UTC offset moved, local hour did not


@pytest.mark.parametrize("start", [FALL, FALL.astimezone(UTC)], ids=["local", "utc"])
def test_fall_back_keeps_nine_local(start):
	planned = plan(STANDARD, start, NY, WINDOW)
	assert as_local(planned) == [
		naive(2026, 10, 29, 9),
		naive(2026, 11, 2, 9),
		naive(2026, 11, 6, 9),
		naive(2026, 11, 11, 9),
	]
	assert [p.due_at.hour for p in planned] == [13, 14, 14, 14]


@pytest.mark.parametrize(
	("start", "expected"),
	[
		(
			local(2026, 3, 5, 18, 30),  # Thursday 18:30 EST, inside the window
			[
				naive(2026, 3, 5, 18, 30),
				naive(2026, 3, 9, 9),
				naive(2026, 3, 13, 18, 30),
				naive(2026, 3, 18, 18, 30),
			],
		),
		(
			local(2026, 3, 5, 8, 30),  # before the window: every touch should open at 9:00
			[
				naive(2026, 3, 5, 9),
				naive(2026, 3, 9, 9),
				naive(2026, 3, 13, 9),
				naive(2026, 3, 18, 9),
			],
		),
		(
			local(2026, 10, 29, 9, 30),  # inside the window, EDT
			[
				naive(2026, 10, 29, 9, 30),
				naive(2026, 11, 2, 9),
				naive(2026, 11, 6, 9, 30),
				naive(2026, 11, 11, 9, 30),
			],
		),
	],
	ids=["spring-evening", "spring-early", "fall-morning"],
)
def test_utc_start_counts_days_in_patient_local_time(start, expected):
	assert as_local(plan(STANDARD, start.astimezone(UTC), NY, WINDOW)) == expected


def test_same_instant_same_plan_whatever_its_tzinfo():
	start = local(2026, 3, 5, 18, 30)
	assert plan(STANDARD, start, NY, WINDOW) == plan(STANDARD, start.astimezone(UTC), NY, WINDOW)


def test_touches_out_of_order_are_planned_in_day_order():
	shuffled = (STANDARD[3], STANDARD[0], STANDARD[2], STANDARD[1])
	planned = plan(shuffled, WED_EARLY, NY, WINDOW)
	assert [p.touch.day_offset for p in planned] == [1, 4, 9, 14]
	assert planned == plan(STANDARD, WED_EARLY, NY, WINDOW)


def test_weekend_start_pushes_everything_to_monday_without_going_backwards():
	touches = tuple(TouchSpec(d, "SMS", "x") for d in (1, 2, 3))
	planned = plan(touches, local(2026, 11, 21, 10), NY, WINDOW)  # Saturday 10:00
	# Days 1 and 2 (Saturday, Sunday) both open Monday 9:00; day 3 is Monday itself, at 10:00.
	assert as_local(planned) == [naive(2026, 11, 23, 9), naive(2026, 11, 23, 9), naive(2026, 11, 23, 10)]


def test_later_touch_never_before_earlier_shifted_one():
	# Friday 20:00: day 1 waits for Monday 9:00; day 3 (Sunday 20:00) also Monday 9:00; day 4 (Monday 20:00)
	# is after closing, so Tuesday 9:00.
	touches = (TouchSpec(1, "SMS", "x"), TouchSpec(3, "Email", "y"), TouchSpec(4, "SMS", "z"))
	planned = plan(touches, local(2026, 11, 20, 20), NY, WINDOW)
	assert as_local(planned) == [naive(2026, 11, 23, 9), naive(2026, 11, 23, 9), naive(2026, 11, 24, 9)]
	dues = [p.due_at for p in planned]
	assert dues == sorted(dues)


@pytest.mark.parametrize("offset", [0, -3, 1])
def test_day_offset_below_one_counts_as_day_one(offset):
	planned = plan((TouchSpec(offset, "SMS", "x"),), WED_EARLY, NY, WINDOW)
	assert as_local(planned) == [naive(2026, 11, 18, 9)]


def test_missing_time_zone_means_utc():
	start = datetime(2026, 11, 18, 4, 30, tzinfo=UTC)
	planned = plan(STANDARD[:1], start, None, WINDOW)
	assert planned[0].due_at == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def test_no_touches_no_attempts():
	assert plan((), WED_EARLY, NY, WINDOW) == []


def test_naive_start_is_rejected():
	with pytest.raises(ValueError):
		plan(STANDARD, datetime(2026, 11, 18, 4, 30), NY, WINDOW)
