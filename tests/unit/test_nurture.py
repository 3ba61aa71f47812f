"""A "not now" that comes back (engine/nurture.py) and the campaign's nurture settings (engine/segments.py)."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from winback_app.engine import nurture
from winback_app.engine.nurture import DEFAULT_NURTURE_TEMPLATE, plan_snooze, snooze_end
from winback_app.engine.segments import SegmentSpec, TouchSpec, validate_segment
from winback_app.engine.templates import check_template
from winback_app.engine.window import SendWindow

NY = "America/New_York"
WINDOW = SendWindow()  # 9:00-19:00, Monday to Friday
# Wednesday 18 November 2026, 15:00 in New York.
NOW = datetime(2026, 11, 18, 20, 0, tzinfo=timezone.utc)


def local(moment):
	return moment.astimezone(ZoneInfo(NY))


def test_the_default_pause_is_the_campaigns_days():
	plan = plan_snooze(now=NOW, time_zone=NY, window=WINDOW, named=None, default_days=30, nurture=True)
	assert plan.until == date(2026, 12, 18)  # a Friday
	assert local(plan.until_at) == datetime(2026, 12, 18, 9, 0, tzinfo=ZoneInfo(NY))
	assert plan.nurture_due == plan.until_at
	assert plan.nurture_touch == "nurture-2026-12-18"
	assert nurture.is_nurture_touch(plan.nurture_touch)


def test_a_named_date_wins_and_lands_in_the_window():
	# "in March": the first of March 2027 is a Monday
	plan = plan_snooze(
		now=NOW, time_zone=NY, window=WINDOW, named=date(2027, 3, 1), default_days=30, nurture=True
	)
	assert plan.until == date(2027, 3, 1)
	assert local(plan.nurture_due).date() == date(2027, 3, 1)
	assert local(plan.nurture_due).hour == 9
	# a Saturday moves to Monday's opening
	plan = plan_snooze(
		now=NOW, time_zone=NY, window=WINDOW, named=date(2027, 1, 9), default_days=30, nurture=True
	)
	assert local(plan.nurture_due) == datetime(2027, 1, 11, 9, 0, tzinfo=ZoneInfo(NY))


def test_the_rest_of_the_cadence_follows_the_nurture_touch_keeping_its_spacing():
	planned = [
		("WBA-2", NOW + timedelta(days=5)),
		("WBA-1", NOW + timedelta(days=1)),
		("WBA-3", NOW + timedelta(days=10)),
	]
	plan = plan_snooze(
		now=NOW, time_zone=NY, window=WINDOW, named=None, default_days=30, nurture=True, planned=planned
	)
	moved = plan.moved
	assert set(moved) == {"WBA-1", "WBA-2", "WBA-3"}
	assert plan.nurture_due < moved["WBA-1"] < moved["WBA-2"] < moved["WBA-3"]
	assert moved["WBA-1"] - plan.nurture_due >= timedelta(days=1)
	# the spacing as planned, counted from the day after the nurture touch (each then moved into the window)
	assert local(moved["WBA-2"]).date() >= (local(plan.nurture_due) + timedelta(days=1 + 4)).date()
	assert local(moved["WBA-3"]).date() == (local(plan.nurture_due) + timedelta(days=1 + 9)).date()
	for due in moved.values():
		assert WINDOW.is_open(due, NY)


def test_without_nurture_the_cadence_resumes_when_the_pause_ends():
	planned = [("WBA-1", NOW + timedelta(days=1))]
	plan = plan_snooze(
		now=NOW, time_zone=NY, window=WINDOW, named=None, default_days=14, nurture=False, planned=planned
	)
	assert (plan.nurture_touch, plan.nurture_due) == (None, None)
	assert plan.moved["WBA-1"] == plan.until_at


def test_snooze_end_bounds():
	today = date(2026, 11, 18)
	assert snooze_end(date(2026, 11, 18), today, 30) == date(2026, 11, 19)  # never today
	assert snooze_end(date(2030, 1, 1), today, 30) == today + timedelta(days=nurture.MAX_SNOOZE_DAYS)
	assert snooze_end(None, today, 0) == today + timedelta(days=nurture.DEFAULT_NURTURE_DAYS)
	assert snooze_end(None, today, None) == today + timedelta(days=30)


def test_the_patients_calendar_decides_the_day():
	# 23:30 in Los Angeles is already tomorrow in UTC: the pause counts from the patient's today.
	late = datetime(2026, 11, 19, 7, 30, tzinfo=timezone.utc)
	plan = plan_snooze(
		now=late, time_zone="America/Los_Angeles", window=WINDOW, named=None, default_days=1, nurture=True
	)
	assert plan.until == date(2026, 11, 19)


def test_naive_now_is_refused():
	with pytest.raises(ValueError):
		plan_snooze(
			now=datetime(2026, 1, 1), time_zone=NY, window=WINDOW, named=None, default_days=1, nurture=True
		)


def spec(**fields):
	touch = TouchSpec(1, "SMS", "Hi {{ first_name }} {{ booking_link }}", name="row1")
	return SegmentSpec(name="S", rule_kind="Recall Window", min_days=180, touches=(touch,), **fields)


def test_the_default_nurture_text_passes_the_sms_checks_in_one_segment():
	result = check_template(DEFAULT_NURTURE_TEMPLATE, channel="SMS")
	assert result.errors == [] and result.warnings == []
	assert result.sms_size.segments == 1
	assert validate_segment(spec()).errors == []


def test_a_nurture_text_is_checked_like_any_sms():
	errors = validate_segment(spec(nurture_template="Hi {{ first_name }}, call us")).errors
	assert any("Nurture message" in e and "booking_link" in e for e in errors)
	errors = validate_segment(spec(nurture_template="Your root canal {{ booking_link }}")).errors
	assert any("Nurture message" in e for e in errors)
	assert validate_segment(spec(nurture_days=-1)).errors
	assert validate_segment(spec(nurture_days=0)).errors == []  # 0: the settings' snooze days
	# switched off: not checked
	assert validate_segment(spec(nurture_after_snooze=False, nurture_template="x")).errors == []


def test_an_attempt_finds_its_step_cadence_or_nurture():
	s = spec(nurture_template="Hello {{ booking_link }}")
	assert s.touch("row1").day_offset == 1
	assert s.touch("gone") is None
	n = s.touch("nurture-2027-03-01")
	assert (n.channel, n.template, n.skip_if_replied) == ("SMS", "Hello {{ booking_link }}", False)
	assert spec(nurture_template="").touch("nurture-2027-03-01").template == DEFAULT_NURTURE_TEMPLATE
