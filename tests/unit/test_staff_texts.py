"""Reply by text: a staff text obeys the cadence's rules, except an answer within the hour (inside 8:00-21:00)."""

from datetime import datetime, time, timedelta, timezone

import pytest

from winback_app.engine.staff_texts import StaffTextFacts, decide
from winback_app.engine.window import SendWindow

TZ = "America/New_York"
WINDOW = SendWindow(time(9), time(19), (0, 1, 2, 3, 4))  # Monday-Friday 9-19


def at(day: int, hour: int, minute: int = 0) -> datetime:
	"""Wall time in New York on 2026-11-(day) (the 16th is a Monday), as an aware UTC datetime."""
	from zoneinfo import ZoneInfo

	return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo(TZ)).astimezone(timezone.utc)


def facts(now, **kw):
	return StaffTextFacts(now=now, time_zone=TZ, **kw)


def test_inside_the_window_under_the_caps_it_goes():
	d = decide(facts(at(16, 10)), WINDOW, 1, 3)
	assert (d.allowed, d.conversation) == (True, False)


@pytest.mark.parametrize(
	("kw", "words"),
	[
		({"do_not_contact": True}, "do not contact"),
		({"number_block": "Opted Out"}, "STOP"),
		({"number_block": "Wrong Number"}, "Wrong Number"),
		({"sms_consent": "Revoked"}, "revoked"),
	],
)
def test_never_overridden_not_even_in_a_conversation(kw, words):
	now = at(16, 10)
	for last in (None, now - timedelta(minutes=5)):
		d = decide(facts(now, last_received=last, **kw), WINDOW, 1, 3)
		assert not d.allowed and words in d.reason
		assert d.number_blocked == ("number_block" in kw)


def test_outside_the_window_it_waits_and_says_until_when():
	d = decide(facts(at(16, 20)), WINDOW, 1, 3)
	assert not d.allowed
	assert d.next_open == at(17, 9)
	assert "Tue 09:00" in d.reason


def test_a_reply_within_the_hour_goes_outside_the_clinic_window_but_inside_8_to_21():
	now = at(21, 20, 30)  # Saturday evening: the clinic's window is closed all weekend
	d = decide(facts(now, last_received=now - timedelta(minutes=50)), WINDOW, 1, 3)
	assert (d.allowed, d.conversation) == (True, True)
	late = at(21, 21, 5)
	d = decide(facts(late, last_received=late - timedelta(minutes=10)), WINDOW, 1, 3)
	assert not d.allowed and "21:00" in d.reason
	assert d.next_open == at(22, 8)


def test_a_reply_after_more_than_an_hour_is_an_ordinary_text():
	now = at(21, 12)
	d = decide(facts(now, last_received=now - timedelta(minutes=61)), WINDOW, 1, 3)
	assert not d.allowed and "send window" in d.reason


def test_caps_count_every_text_to_the_number_but_not_in_a_conversation():
	now = at(16, 10)
	assert "today" in decide(facts(now, number_day=1, number_week=1), WINDOW, 1, 3).reason
	assert "this week" in decide(facts(now, number_day=0, number_week=3), WINDOW, 1, 3).reason
	assert decide(facts(now, number_day=0, number_week=3), WINDOW, 1, 0).allowed, "0 means no weekly cap"
	talking = facts(now, number_day=5, number_week=9, last_received=now - timedelta(minutes=2))
	assert decide(talking, WINDOW, 1, 3).allowed


def test_consent_policy_applies_unless_the_patient_just_texted():
	now = at(16, 10)
	assert not decide(facts(now, require_consent=True), WINDOW, 1, 3).allowed
	assert decide(facts(now, require_consent=True, sms_consent="Granted"), WINDOW, 1, 3).allowed
	assert decide(
		facts(now, require_consent=True, last_received=now - timedelta(minutes=1)), WINDOW, 1, 3
	).allowed
