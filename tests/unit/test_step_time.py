"""A cadence step's own time of day ("send at"): the rescue's "next morning" text, on the patient's clock and
inside the send window."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from winback_app.engine.cadence import plan
from winback_app.engine.segments import TouchSpec
from winback_app.engine.window import SendWindow

NY = ZoneInfo("America/New_York")
WINDOW = SendWindow(time(9), time(19), (0, 1, 2, 3, 4))


def local(due):
	return due.astimezone(NY)


def test_a_step_with_its_own_time_goes_out_then_on_the_patients_clock():
	joined = datetime(2026, 11, 18, 10, 20, tzinfo=NY)  # a Wednesday, 20 minutes after a missed 10:00 visit
	touches = (
		TouchSpec(1, "SMS", "now"),
		TouchSpec(2, "SMS", "next morning", send_at=time(9, 30)),
		TouchSpec(4, "Email", "later"),
	)
	first, second, third = (local(p.due_at) for p in plan(touches, joined, "America/New_York", WINDOW))
	assert first == joined, "the rescue text goes at once"
	assert second == datetime(2026, 11, 19, 9, 30, tzinfo=NY), "the next morning, not 10:20"
	assert third == datetime(2026, 11, 23, 9, 0, tzinfo=NY), "day 4 is Saturday: Monday at opening"


def test_a_next_morning_step_after_a_friday_evening_waits_for_the_next_clinic_morning():
	joined = datetime(2026, 11, 20, 18, 40, tzinfo=NY)  # Friday
	touches = (TouchSpec(1, "SMS", "now"), TouchSpec(2, "SMS", "next morning", send_at=time(9, 30)))
	first, second = (local(p.due_at) for p in plan(touches, joined, "America/New_York", WINDOW))
	assert first == joined
	assert second == datetime(2026, 11, 23, 9, 0, tzinfo=NY), "Saturday is closed: Monday at opening"
