from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from winback_app.engine.window import SendWindow, parse_time, validate_window

NY = "America/New_York"
UTC = timezone.utc
WEEKDAYS = SendWindow(time(9), time(19), (0, 1, 2, 3, 4))


def local(y, m, d, h, mi=0, tz=NY):
	return datetime(y, m, d, h, mi, tzinfo=ZoneInfo(tz))


def test_inside_window_is_unchanged():
	moment = local(2026, 11, 18, 10, 30)  # Wednesday
	assert WEEKDAYS.next_open(moment, NY) == moment.astimezone(UTC)


def test_before_window_moves_to_opening():
	assert WEEKDAYS.next_open(local(2026, 11, 18, 6), NY) == local(2026, 11, 18, 9).astimezone(UTC)


def test_after_window_moves_to_next_open_day():
	# Friday 20:00 -> Monday 9:00
	assert WEEKDAYS.next_open(local(2026, 11, 20, 20), NY) == local(2026, 11, 23, 9).astimezone(UTC)


def test_patient_time_zone_decides_not_the_server():
	moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 New York, 07:00 Los Angeles
	assert WEEKDAYS.is_open(moment, NY)
	assert not WEEKDAYS.is_open(moment, "America/Los_Angeles")
	assert WEEKDAYS.next_open(moment, "America/Los_Angeles") == local(
		2026, 11, 18, 9, tz="America/Los_Angeles"
	).astimezone(UTC)


def test_dst_spring_forward_keeps_local_nine_oclock():
	# US DST starts Sunday 2026-03-08; Monday 9:00 New York is 13:00 UTC, the Friday before it was 14:00 UTC.
	friday_evening = local(2026, 3, 6, 20)
	opened = WEEKDAYS.next_open(friday_evening, NY)
	assert opened == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
	assert opened.astimezone(ZoneInfo(NY)).hour == 9


def test_dst_fall_back_keeps_local_nine_oclock():
	opened = WEEKDAYS.next_open(local(2026, 10, 30, 20), NY)  # Friday; DST ends Sunday Nov 1
	assert opened == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_hard_limits_cannot_be_widened():
	window = SendWindow.from_settings("06:00", "23:00", (0, 1, 2, 3, 4, 5, 6))
	assert window.start == time(8) and window.end == time(21)
	assert validate_window("07:00", "19:00", [0]) == ["Messages may not go out before 8:00."]
	assert "after 21:00" in validate_window("09:00", "22:00", [0])[0]
	assert "end after it starts" in validate_window("10:00", "09:00", [0])[0]
	assert "at least one day" in validate_window("09:00", "10:00", [])[0]


def test_naive_datetimes_are_refused():
	with pytest.raises(ValueError):
		WEEKDAYS.next_open(datetime(2026, 1, 1, 10), NY)


def test_parse_time_accepts_db_shapes():
	from datetime import timedelta

	assert parse_time("9:00") == time(9)
	assert parse_time("09:30:00") == time(9, 30)
	assert parse_time(timedelta(hours=19)) == time(19)
	assert parse_time("10:00:00.000000") == time(10)


def test_daytime_zone_is_about_noon_wherever_utc_is():
	from winback_app.engine.window import daytime_zone

	for hour in range(24):
		now = datetime(2026, 11, 21, hour, 30, tzinfo=UTC)
		local = now.astimezone(ZoneInfo(daytime_zone(now)))
		assert 9 <= local.hour <= 15, (hour, local)


# ---------------------------------------------------------------- a state's earlier end, seconds left


def test_a_state_end_narrows_the_window_but_never_widens_it():
	late = SendWindow(time(9), time(21), (0, 1, 2, 3, 4))
	assert late.ending_by(time(20)) == SendWindow(time(9), time(20), (0, 1, 2, 3, 4))
	assert WEEKDAYS.ending_by(time(20)) is WEEKDAYS, "the clinic's 19:00 is already earlier"
	assert WEEKDAYS.ending_by(None) is WEEKDAYS
	assert not late.ending_by(time(20)).is_open(local(2026, 11, 18, 20, 15), NY)
	assert late.is_open(local(2026, 11, 18, 20, 15), NY)


def test_a_window_ending_before_it_starts_is_never_open():
	assert WEEKDAYS.ending_by(time(8, 30)).never_open
	assert SendWindow(time(9), time(19), ()).never_open
	assert not WEEKDAYS.never_open


def test_seconds_left_in_the_window_in_the_patients_zone():
	assert WEEKDAYS.seconds_left(local(2026, 11, 18, 18, 59), NY) == 60
	assert WEEKDAYS.seconds_left(local(2026, 11, 18, 18, 59, tz="America/Chicago"), "America/Chicago") == 60
	assert WEEKDAYS.seconds_left(local(2026, 11, 18, 19, 0), NY) == 0
	assert WEEKDAYS.seconds_left(local(2026, 11, 18, 7, 0), NY) == 0
	assert WEEKDAYS.seconds_left(local(2026, 11, 21, 12, 0), NY) == 0, "Saturday is closed"
	assert WEEKDAYS.seconds_left(local(2026, 11, 18, 9, 0), NY) == 10 * 3600


def test_seconds_left_on_the_day_clocks_go_back():
	# Sunday 2026-11-01: 01:00-02:00 happens twice in New York; a Sunday window 9-19 is still 10 hours long.
	every_day = SendWindow(time(9), time(19), (0, 1, 2, 3, 4, 5, 6))
	assert every_day.seconds_left(local(2026, 11, 1, 9, 0), NY) == 10 * 3600
