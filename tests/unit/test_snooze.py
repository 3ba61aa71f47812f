"""Dates named in patients' texts (engine/snooze.py): what each expression means, and never a past date."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback_app.engine.snooze import day_hint, snooze_until
from winback_app.engine.wording import normalize

WEDNESDAY = date(2026, 11, 18)


def until(text, today=WEDNESDAY):
	named = snooze_until(normalize(text)[1], today)
	return named.on if named else None


def day(text, today=WEDNESDAY):
	named = day_hint(normalize(text)[1], today)
	return named.on if named else None


@pytest.mark.parametrize(
	"text,expected",
	[
		("after the holidays", date(2027, 1, 6)),
		("después de las fiestas", date(2027, 1, 6)),
		("in the new year", date(2027, 1, 6)),
		("next year", date(2027, 1, 6)),
		("next month", date(2026, 12, 1)),
		("el mes que viene", date(2026, 12, 1)),
		("next week", date(2026, 11, 23)),
		("in March", date(2027, 3, 1)),
		("en marzo", date(2027, 3, 1)),
		("mid January", date(2027, 1, 15)),
		("late January", date(2027, 1, 20)),
		("after January", date(2027, 2, 1)),
		("in November", date(2026, 11, 25)),  # the current month: a week on
		("in 2 weeks", date(2026, 12, 2)),
		("in a couple of weeks", date(2026, 12, 2)),
		("in a few months", date(2027, 2, 18)),
		("en dos semanas", date(2026, 12, 2)),
		("dentro de un mes", date(2026, 12, 18)),
		("after the 15th", date(2026, 12, 16)),
		("después del 15", date(2026, 12, 16)),
		("until the 20th", date(2026, 11, 20)),
		("after the 31st", date(2026, 12, 1)),  # November has 30 days: its last day, then the day after
		("March 3rd", date(2027, 3, 3)),
		("the 3rd of March", date(2027, 3, 3)),
		("3 de abril", date(2027, 4, 3)),
		("after May 3", date(2027, 5, 4)),
		("Feb 29", date(2028, 2, 29)),
		("after christmas", date(2026, 12, 27)),
		("after thanksgiving", date(2026, 11, 30)),
		("after easter", date(2027, 3, 29)),
		("after the summer", date(2027, 9, 1)),
		("next spring", date(2027, 3, 1)),
		("in the fall", None),  # autumn is under way: the default snooze applies
		("not this week, maybe in January", date(2027, 1, 1)),
		("call me by 5 pm", None),  # an hour, not a day
		("not now", None),
		("", None),
	],
)
def test_snooze_dates(text, expected):
	assert until(text) == expected


@pytest.mark.parametrize(
	"today,text,expected",
	[
		(date(2026, 12, 26), "after christmas", date(2027, 1, 6)),
		(date(2027, 1, 3), "after the holidays", date(2027, 1, 6)),
		(date(2027, 1, 3), "after christmas", date(2027, 1, 6)),
		(date(2026, 12, 31), "next month", date(2027, 1, 1)),
		(date(2026, 3, 10), "in March", date(2026, 3, 17)),
		(date(2026, 3, 29), "in March", date(2026, 3, 31)),
		(date(2026, 3, 31), "in March", date(2026, 4, 1)),  # at least tomorrow
		(date(2026, 11, 27), "after thanksgiving", date(2026, 11, 30)),
		(date(2026, 12, 1), "after thanksgiving", date(2027, 11, 29)),
		(date(2026, 1, 31), "in a month", date(2026, 2, 28)),
	],
)
def test_snooze_dates_relative_to_other_days(today, text, expected):
	assert until(text, today) == expected


@pytest.mark.parametrize(
	"text,expected",
	[
		("Tuesday works", date(2026, 11, 24)),
		("tomorrow is good", date(2026, 11, 19)),
		("next week works", date(2026, 11, 23)),
		("I can do Wednesday", date(2026, 11, 25)),  # today is Wednesday: the next one
		("today works", WEDNESDAY),
		("el martes me sirve", date(2026, 11, 24)),
		("mañana", date(2026, 11, 19)),
		("por la mañana", None),  # the morning, not tomorrow
		("this weekend", date(2026, 11, 21)),
		("in March", None),  # not a day
	],
)
def test_day_hints(text, expected):
	assert day(text) == expected


_EXPRESSIONS = [
	"after the holidays",
	"next month",
	"next week",
	"next year",
	"in March",
	"in December",
	"mid January",
	"after the 15th",
	"after the 31st",
	"in 2 weeks",
	"in a few months",
	"after christmas",
	"after thanksgiving",
	"after easter",
	"next spring",
	"in the summer",
	"Feb 29",
	"March 3rd",
	"después de las fiestas",
	"el mes que viene",
	"en marzo",
	"Tuesday",
	"tomorrow",
]


@settings(max_examples=500, deadline=None)
@given(
	today=st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31)),
	text=st.sampled_from(_EXPRESSIONS),
)
def test_a_snooze_is_never_today_or_earlier_and_never_absurdly_far(today, text):
	on = until(text, today)
	if on is not None:
		assert today < on <= today + timedelta(days=4 * 366 + 1), (today, text, on)
