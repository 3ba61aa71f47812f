"""Paced to the schedule: the day's quota (weekdays, daily cap, free slots) and who of the eligible joins today."""

from datetime import date, timedelta

from winback_app.engine.detection import Candidate, Entry
from winback_app.engine.pacing import Pace, capacity_quota, daily_quota, expected_pace, pick
from winback_app.engine.segments import SegmentSpec, TouchSpec, validate_segment

MONDAY = date(2026, 11, 16)
WEEKDAYS = frozenset(range(5))


def entry(patient: str, days_ago: int, holdout: bool = False) -> Entry:
	c = Candidate(patient, MONDAY - timedelta(days=days_ago))
	return Entry(patient, "Recall", c, holdout, "")


def test_no_pace_takes_everyone_and_is_not_paced():
	assert not Pace().paced
	assert daily_quota(Pace(), MONDAY) is None
	joining, waiting = pick([entry("P2", 200), entry("P1", 300)], None)
	assert [e.patient for e in joining] == ["P1", "P2"] and waiting == []


def test_weekdays_only_takes_nobody_at_the_weekend():
	pace = Pace(intake_weekdays=WEEKDAYS)
	assert pace.paced
	assert daily_quota(pace, MONDAY) is None
	assert daily_quota(pace, MONDAY + timedelta(days=5)) == 0  # Saturday
	assert daily_quota(pace, MONDAY + timedelta(days=6)) == 0  # Sunday
	# every day chosen is the same as none chosen
	every = Pace(intake_weekdays=frozenset(range(7)))
	assert every.takes_patients_on(MONDAY + timedelta(days=6)) and not every.paced


def test_daily_cap_and_capacity_the_lowest_wins():
	# 140 free slots over 14 days at 1 patient per 2 slots: 70 patients, over 10 weekdays: 7 a day
	pace = Pace(intake_weekdays=WEEKDAYS, slots_per_patient=2, horizon_days=14)
	assert pace.intake_days(MONDAY, 14) == 10
	assert capacity_quota(pace, MONDAY, 140) == 7
	assert daily_quota(pace, MONDAY, 140) == 7
	assert daily_quota(Pace(daily_cap=5, slots_per_patient=2, horizon_days=14), MONDAY, 140) == 5
	assert (
		daily_quota(Pace(daily_cap=50, slots_per_patient=2, horizon_days=14), MONDAY, 140) == 5
	)  # 70 / 14 days
	# a full calendar takes nobody; an unknown one (no schedules) leaves only the cap
	assert daily_quota(pace, MONDAY, 0) == 0
	assert daily_quota(Pace(daily_cap=9, slots_per_patient=2), MONDAY, None) == 9
	assert daily_quota(Pace(slots_per_patient=2), MONDAY, None) is None


def test_longest_lapsed_join_first_and_the_rest_wait():
	entries = [entry("P3", 190), entry("P1", 260), entry("P2", 260), entry("P4", 181)]
	joining, waiting = pick(entries, 2)
	assert [e.patient for e in joining] == ["P1", "P2"]  # the oldest event, then the patient ID
	assert [e.patient for e in waiting] == ["P3", "P4"]
	assert pick(entries, 0) == ([], sorted(entries, key=lambda e: (e.candidate.event_date, e.patient)))


def test_holdouts_ride_along_in_their_place_and_do_not_use_the_quota():
	entries = [
		entry("P1", 300),
		entry("P2", 290, holdout=True),
		entry("P3", 280),
		entry("P4", 270, holdout=True),
	]
	joining, waiting = pick(entries, 2)
	assert [e.patient for e in joining] == ["P1", "P2", "P3"]
	assert [e.patient for e in waiting] == ["P4"]


def test_picking_range_by_range_picks_what_one_pick_would():
	entries = [entry(f"P{i:03d}", 180 + (i * 37) % 200, holdout=i % 7 == 0) for i in range(120)]
	whole, _ = pick(entries, 25)
	kept: list = []
	for start in range(0, 120, 17):
		kept, _ = pick(kept + entries[start : start + 17], 25)
	assert kept == whole


def test_a_backlog_is_worked_off_over_days():
	backlog = [entry(f"P{i:03d}", 180 + i) for i in range(412)]
	quota = 35
	days, remaining = 0, backlog
	while remaining:
		joined, remaining = pick(remaining, quota)
		assert len(joined) <= quota
		days += 1
	assert days == 12
	outlook = expected_pace(Pace(daily_cap=35), 412, 35)
	assert (outlook.eligible, outlook.per_day, outlook.working_days) == (412, 35, 12)
	assert expected_pace(Pace(), 412, None).per_day is None
	assert expected_pace(Pace(daily_cap=35), 0, 35).working_days == 0


def test_pace_settings_are_checked():
	touch = (TouchSpec(day_offset=1, channel="Call Task", template="Call {{ first_name }}."),)
	bad = SegmentSpec(
		"X", "Recall Window", min_days=180, touches=touch, pace=Pace(slots_per_patient=2, horizon_days=0)
	)
	assert any("days ahead" in e for e in validate_segment(bad).errors)
	negative = SegmentSpec("X", "Recall Window", min_days=180, touches=touch, pace=Pace(daily_cap=-1))
	assert any("negative" in e for e in validate_segment(negative).errors)
	fine = SegmentSpec("X", "Recall Window", min_days=180, touches=touch, pace=Pace(daily_cap=10))
	assert validate_segment(fine).errors == []
