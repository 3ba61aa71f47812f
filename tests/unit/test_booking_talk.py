"""Booking by text (engine.booking_talk.read): a patient's reply read against the question our last text asked."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback_app.engine import booking_talk as bt
from winback_app.engine.booking_talk import (
	ACK,
	BOOKED,
	CHANGE,
	CONFIRM,
	DAY,
	NEXT,
	OPTIONS,
	OTHER_TIMES,
	PARTS,
	PICK,
	UNCLEAR,
	WANT,
	Offered,
	Pending,
	Wish,
	read,
)

MONDAY = date(2026, 12, 7)
MORNING = time(10, 0)
TUE, WED, THU, FRI, SAT, SUN = (MONDAY + timedelta(days=n) for n in range(1, 7))
NEXT_MON = MONDAY + timedelta(days=7)

LEE_TUE_9 = Offered("1", "HLC-PRAC-0001", "Dr. Lee", "Room 1", datetime(2026, 12, 8, 9, 0), 30)
PATEL_THU_230 = Offered("2", "HLC-PRAC-0002", "Dr. Patel", "Room 2", datetime(2026, 12, 10, 14, 30), 30)
LEE_FRI_4 = Offered("3", "HLC-PRAC-0001", "Dr. Lee", "Room 1", datetime(2026, 12, 11, 16, 0), 30)
THREE = (LEE_TUE_9, PATEL_THU_230, LEE_FRI_4)
OFFER = Pending(OPTIONS, options=THREE, wish=Wish(part="morning"))
ONE = Pending(CONFIRM, options=(LEE_TUE_9,), wish=Wish(earliest=True))
PENDING = {
	None: None,
	PARTS: Pending(PARTS),
	NEXT: Pending(NEXT),
	DAY: Pending(DAY),
	OPTIONS: OFFER,
	CONFIRM: ONE,
	BOOKED: Pending(BOOKED, options=(LEE_TUE_9,)),
}


def on(day: date, **more) -> Wish:
	return Wish(first_day=day, last_day=day, **more)


def reading(text, kind=DAY, *, today=MONDAY, now=MORNING):
	return read(text, PENDING[kind], today, now)


# --- Wishes: days, parts of the day, times, and their combinations (English and Spanish).
WISHES = [
	("ok thursday afternon works", on(THU, part="afternoon")),  # the issue's own typo
	("Thursday afternoon", on(THU, part="afternoon")),
	("tomorrow after 3", on(TUE, after=time(15))),
	("next week mornings", Wish(part="morning", first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=6))),
	("Fri at 10", on(FRI, at=time(10))),
	("any day after 5", Wish(after=time(17))),
	("the 14th", on(date(2026, 12, 14))),
	("Dec 14", on(date(2026, 12, 14))),
	("December 14th", on(date(2026, 12, 14))),
	("12/14", on(date(2026, 12, 14))),
	("13/12", on(date(2026, 12, 13))),  # the first number cannot be a month: day/month
	("14 de diciembre", on(date(2026, 12, 14))),
	("tomorrow", on(TUE)),
	("tomorow works", on(TUE)),
	("wendesday", on(WED)),
	("thrusday morning", on(THU, part="morning")),
	("this Friday", on(FRI)),
	("next Friday", Wish(first_day=FRI, last_day=FRI + timedelta(days=7), weekdays=frozenset({4}))),
	("this week", Wish(first_day=MONDAY, last_day=SUN)),
	("later this week", Wish(first_day=THU, last_day=SUN)),
	("next week", Wish(first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=6))),
	("early next week", Wish(first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=2))),
	(
		"Thursday next week",
		Wish(first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=6), weekdays=frozenset({3})),
	),
	("this weekend", Wish(first_day=SAT, last_day=SUN)),
	("today", on(MONDAY)),
	("tonight", on(MONDAY, part="evening")),
	("tomorrow or friday", Wish(first_day=TUE, last_day=FRI, weekdays=frozenset({1, 4}))),
	("Thursdays", Wish(weekdays=frozenset({3}))),
	("Mondays or Wednesdays", Wish(weekdays=frozenset({0, 2}))),
	("weekdays after work", Wish(part="evening", after=time(17), weekdays=frozenset(range(5)))),
	("mornings", Wish(part="morning")),
	("early", Wish(part="morning")),
	("before work", Wish(part="morning")),
	("first thing", Wish(part="morning")),
	("afternoons", Wish(part="afternoon")),
	("lunchtime", Wish(after=time(12), before=time(14))),
	("evenings", Wish(part="evening")),
	("after work", Wish(part="evening", after=time(17))),
	("after 5", Wish(after=time(17))),
	("before noon", Wish(before=time(12))),
	("before 10", Wish(before=time(10))),
	("9am", Wish(at=time(9))),
	("9:30", Wish(at=time(9, 30))),
	("2 pm", Wish(at=time(14))),
	("14:30", Wish(at=time(14, 30))),
	("at 3", Wish(at=time(15))),  # 1-6 without am/pm: the afternoon
	("at 8", Wish(at=time(8))),  # 7-11: the morning
	("at 12", Wish(at=time(12))),
	("around 10am", Wish(at=time(10))),
	("3ish", Wish(at=time(15))),
	("noon", Wish(at=time(12))),
	("tomorrow evening at 7", on(TUE, part="evening", at=time(19))),  # the part of the day decides am/pm
	("at 9 tonight", on(MONDAY, part="evening", at=time(21))),
	("between 2 and 4", Wish(after=time(14), before=time(16))),
	("3 or later", Wish(after=time(15))),
	("mornings or afternoons", Wish(before=time(17))),
	("afternoon or evening", Wish(after=time(12))),
	("pm works", Wish(after=time(12))),
	("I am free Thursday", on(THU)),  # "am" in "I am" is not the morning
	("Do you have anything Thursday afternoon?", on(THU, part="afternoon")),
	("busy monday, tuesday works", on(TUE)),  # the negated day is dropped
	("I can't do mornings, afternoons are better", Wish(part="afternoon")),
	("Good morning! Thursday works", on(THU)),  # a greeting is not the morning
	("next available", Wish(earliest=True)),
	("asap", Wish(earliest=True)),
	("earliest you have", Wish(earliest=True)),
	("as soon as possible please", Wish(earliest=True)),
	# Spanish
	("mañana", on(TUE)),
	("mañana por la tarde", on(TUE, part="afternoon")),
	("mañana en la mañana", on(TUE, part="morning")),
	("en la mañana", Wish(part="morning")),
	("por la mañana", Wish(part="morning")),
	("las mañanas", Wish(part="morning")),
	("pasado mañana", on(WED)),
	("esta tarde", on(MONDAY, part="afternoon")),
	("tarde", Wish(part="afternoon")),
	("en la noche", Wish(part="evening")),
	("el jueves", on(THU)),
	("el jueves por la tarde", on(THU, part="afternoon")),
	("los martes", Wish(weekdays=frozenset({1}))),
	("la próxima semana", Wish(first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=6))),
	("la semana que viene", Wish(first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=6))),
	("el 14", on(date(2026, 12, 14))),
	("después de las 5", Wish(after=time(17))),
	("a las 10", Wish(at=time(10))),
	("lo antes posible", Wish(earliest=True)),
	("la primera disponible", Wish(earliest=True)),
	("la siguiente hora libre", Wish(earliest=True)),
	("cualquier día", Wish()),
	("sí", Wish()),
	("yes", Wish()),
	("any time", Wish()),
	("whenever", Wish()),
]


@pytest.mark.parametrize("text,wish", WISHES, ids=[w[0] for w in WISHES])
def test_a_wish_is_read_under_a_day_question(text, wish):
	got = reading(text, DAY)
	assert (got.kind, got.wish) == (WANT, wish), got


@pytest.mark.parametrize("kind", [PARTS, NEXT, None])
def test_the_same_wish_under_the_other_questions_and_with_none(kind):
	assert reading("ok thursday afternon works", kind).wish == on(THU, part="afternoon")
	assert reading("next week mornings", kind).kind == WANT


@pytest.mark.parametrize(
	"text,part",
	[
		("1", "morning"),
		("2", "afternoon"),
		("3", "evening"),
		("2 please", "afternoon"),
		("#3", "evening"),
		("two", "afternoon"),
		("tres", "evening"),
	],
)
def test_digits_under_parts_are_parts_of_the_day(text, part):
	assert reading(text, PARTS) == bt.Reading(
		WANT, wish=Wish(part=part), matched=reading(text, PARTS).matched
	)


def test_parts_digits_combine_with_days_and_with_each_other():
	assert reading("1 tomorrow", PARTS).wish == on(TUE, part="morning")
	assert reading("2 or 3", PARTS).wish == Wish(after=time(12))
	assert reading("1 or 3", PARTS).kind == UNCLEAR  # morning or evening: a person


@pytest.mark.parametrize("kind", [PARTS, NEXT, DAY, None])
@pytest.mark.parametrize("text", ["4", "0", "12", "5 please"])
def test_a_digit_nobody_offered_is_never_a_wish(text, kind):
	got = reading(text, kind)
	assert got.kind == UNCLEAR
	assert got.about_booking == (kind is not None)


@pytest.mark.parametrize("text", ["A", "a", "A please", "option A", "I'll take A", "ok A"])
def test_a_under_next_is_the_next_available_time(text):
	assert reading(text, NEXT).kind == WANT and reading(text, NEXT).wish == Wish(earliest=True)
	assert reading(text, PARTS).kind == UNCLEAR and reading(text, DAY).kind == UNCLEAR
	assert reading(text, None).kind == UNCLEAR and not reading(text, None).about_booking


def test_a_as_a_word_is_not_the_letter():
	assert reading("A Thursday would work", NEXT).wish == on(THU)


# --- "Never in the past", and today only while time remains.


def test_a_weekday_said_on_that_day_is_today_only_while_time_remains():
	friday = FRI
	assert reading("Friday", DAY, today=friday, now=time(9)).wish == on(friday)
	assert reading("Friday", DAY, today=friday, now=None).wish == on(friday)  # time unknown: it remains
	assert reading("Friday", DAY, today=friday, now=time(17, 30)).wish == on(friday + timedelta(days=7))
	# "today" after hours stays today: the offer then says nothing is free and gives the nearest times
	assert reading("today", DAY, today=friday, now=time(20)).wish == on(friday)


def test_next_friday_is_both_fridays_until_its_week_has_come():
	assert reading("next Friday", DAY, today=SAT).wish == on(SAT + timedelta(days=6))
	assert reading("next friday", DAY, today=THU).wish.weekdays == frozenset({4})


def test_dates_move_forward_never_back():
	assert reading("the 3rd", DAY).wish == on(date(2027, 1, 3))
	assert reading("12/1", DAY).wish == on(date(2027, 12, 1))
	assert reading("Feb 29", DAY).wish == on(date(2028, 2, 29))
	assert reading("the 7th", DAY, now=time(18)).wish == on(date(2027, 1, 7))  # today, after hours
	assert reading("the 7th", DAY, now=time(9)).wish == on(MONDAY)


@pytest.mark.parametrize(
	"text",
	["12/14/2025", "31/2", "Feb 30", "Tuesday the 14th", "after 5 before 3", "afternoon at 9", "9am or 10am"],
)
def test_impossible_or_contradictory_is_unclear(text):
	got = reading(text, DAY)
	assert got.kind == UNCLEAR and got.about_booking, got


@pytest.mark.parametrize(
	"text",
	[
		"any day but monday",
		"anything except mornings",
		"not monday",
		"Thursday afternoon with my son",
		"Thursday for me and my husband",
		"Thursday with Dr Lee",
		"Thursday, has my insurance changed",
	],
)
def test_what_we_cannot_honour_goes_to_a_person(text):
	got = reading(text, DAY)
	assert got.kind == UNCLEAR and got.about_booking, got


@pytest.mark.parametrize(
	"text",
	["not now", "text me next week", "maybe later", "next month", "no thanks", "ahora no", "más adelante"],
)
@pytest.mark.parametrize("kind", [PARTS, DAY, OPTIONS, None])
def test_putting_it_off_is_not_a_booking_answer(text, kind):
	got = reading(text, kind)
	assert got.kind == UNCLEAR and not got.about_booking, got


@pytest.mark.parametrize(
	"text",
	[
		"what are your hours?",
		"where are you located",
		"hello?",
		"🙂",
		"Are you open today?",
		"What time do you close today?",
		"Yes but how much does it cost?",
		"ok thanks",
		"Okay thanks!",
		"ok thanks I'll think about it",
		"I'll let my wife know",
		"After the 15th, I get paid then",
		"Yes but not until January",
		"I'm traveling until December 10th",
		"too busy, after the 20th",
		"Do you see kids?",
		"Is Dr. Patel still there?",
		"¿Aceptan Medicaid?",
		"Can I reschedule my appointment?",
	],
)
def test_something_else_is_not_a_booking_answer(text):
	"""Questions about the practice, thanks, dates to wait for, family: read the usual way (FAQ, Not Now, a
	person), never swallowed by the pending question."""
	got = reading(text, PARTS)
	assert got.kind == UNCLEAR and not got.about_booking, got


def test_a_question_about_the_practice_with_a_choice_is_a_booking_for_a_person():
	got = reading("1 please. Also what's your address?", OPTIONS)
	assert got.kind == UNCLEAR and got.about_booking


# --- Picks under numbered options.
PICKS = [
	("2", "2"),
	("two", "2"),
	("dos", "2"),
	("#2", "2"),
	("option 2", "2"),
	("2.", "2"),
	("2nd", "2"),
	("the 2nd", "2"),
	("the second one", "2"),
	("the first one", "1"),
	("the last one", "3"),
	("la segunda", "2"),
	("el 2", "2"),
	("la opción 3", "3"),
	("ok 2 works", "2"),
	("2 please, thanks!", "2"),
	("2?", "2"),
	("yes, 1", "1"),
	("Tue 9am", "1"),
	("the thursday one", "2"),
	("thursday", "2"),
	("Friday at 4", "3"),
	("2:30", "2"),
	("Dr. Patel", "2"),
	("morning", "1"),
	("any of those", "1"),
	("the earliest", "1"),
	("el jueves", "2"),
]


@pytest.mark.parametrize("text,label", PICKS, ids=[p[0] for p in PICKS])
def test_an_offered_time_is_picked(text, label):
	got = reading(text, OPTIONS)
	assert got.kind == PICK and got.option is not None and got.option.label == label, got
	assert got.option in OFFER.options


@pytest.mark.parametrize(
	"text",
	[
		"4",
		"2 or 3",
		"yes",  # which one?
		"2, the Tuesday one",  # 2 is on Thursday
		"Dr. Lee",  # two of the three
		"2 for me and 3 for my wife",
		"ok 2, I'll confirm later",
		"maybe 2",
		"2 but later",
		"the fourth one",
		"2 I think but let me check with my boss first",
		"the afternoon one",  # Thursday 2:30 and Friday 4:00 both are
		"1 please. Also what's your address?",  # the question would be lost
		"Can you do 2 instead of 3?",
	],
)
def test_no_single_clear_pick_goes_to_a_person(text):
	got = reading(text, OPTIONS)
	assert got.kind == UNCLEAR and got.about_booking, got


def test_a_question_about_a_day_does_not_pick_it():
	got = reading("Thursday?", OPTIONS)
	assert got.kind == WANT and got.wish == on(THU)


def test_a_day_or_time_that_was_not_offered_is_a_new_wish():
	assert reading("Friday at 10", OPTIONS).wish == on(FRI, at=time(10))
	assert reading("the 14th", OPTIONS).wish == on(date(2026, 12, 14))  # 14 is not an option number


@pytest.mark.parametrize(
	"text,wish",
	[
		("none of those", Wish()),
		("None of those work", Wish()),
		("other times", Wish()),
		("different day", Wish()),
		("no", Wish()),
		("nope", Wish()),
		("I can't make any of those", Wish()),
		("ninguna", Wish()),
		("otro día", Wish()),
		(
			"none of those, how about next week",
			Wish(first_day=NEXT_MON, last_day=NEXT_MON + timedelta(days=6)),
		),
		("no, thursday afternoon", on(THU, part="afternoon")),
		("anything earlier?", Wish(earliest=True)),
	],
)
def test_none_of_those_asks_for_other_times(text, wish):
	got = reading(text, OPTIONS)
	assert (got.kind, got.wish) == (OTHER_TIMES, wish), got


@pytest.mark.parametrize(
	"text",
	[
		"yes",
		"YES",
		"Yes!",
		"sí",
		"si",
		"ok",
		"1",
		"sounds good",
		"perfect",
		"Tuesday works",
		"9am is fine",
		"yes please book it",
	],
)
def test_yes_to_one_time_picks_it(text):
	got = reading(text, CONFIRM)
	assert got.kind == PICK and got.option == LEE_TUE_9, got


def test_no_to_one_time_asks_for_others_and_another_day_is_a_wish():
	assert reading("no", CONFIRM).kind == OTHER_TIMES
	assert reading("Wednesday instead", CONFIRM) == bt.Reading(WANT, wish=on(WED), matched="wednesday")
	assert reading("2", CONFIRM).kind == UNCLEAR
	assert reading("yes?", CONFIRM).kind == UNCLEAR
	assert reading("Yes, is there parking?", CONFIRM).kind == UNCLEAR
	assert reading("not that day", CONFIRM).kind == OTHER_TIMES
	assert reading("ok, I'll think about it", CONFIRM).kind == UNCLEAR
	assert reading("yes but can it be later?", CONFIRM).kind == UNCLEAR


def test_an_expired_offer_is_offered_again_never_booked():
	expired = Pending(OPTIONS, options=THREE, wish=Wish(part="morning"), expired=True)
	assert read("2", expired, MONDAY, MORNING) == bt.Reading(WANT, wish=Wish(part="morning"), matched="2")
	assert read("thursday", expired, MONDAY, MORNING).wish == on(THU)  # the day picked, fresh times for it
	gone = Pending(CONFIRM, options=(LEE_TUE_9,), wish=Wish(earliest=True), expired=True)
	assert read("yes", gone, MONDAY, MORNING) == bt.Reading(WANT, wish=Wish(earliest=True), matched="yes")
	assert read("4", expired, MONDAY, MORNING).kind == UNCLEAR


# --- After booking by text.


@pytest.mark.parametrize(
	"text",
	[
		"can't make it",
		"I can't make it tomorrow",
		"need to reschedule",
		"can I reschedule?",
		"cancel my appointment",
		"running late",
		"I'll be 10 min late",
		"something came up",
		"no puedo ir",
		"necesito cambiar la cita",
		"llego tarde",
	],
)
def test_a_change_to_the_booked_appointment(text):
	assert reading(text, BOOKED).kind == CHANGE


@pytest.mark.parametrize(
	"text",
	[
		"thanks",
		"Thank you!",
		"see you then",
		"ok",
		"great thanks!",
		"gracias",
		"perfecto, nos vemos",
		"Thanks, see you Tuesday",
	],
)
def test_thanks_after_booking(text):
	assert reading(text, BOOKED).kind == ACK


def test_after_booking_anything_else_is_a_person_or_the_usual_reading():
	assert reading("thanks see you wednesday", BOOKED).kind == UNCLEAR  # not the day booked
	assert reading("can I also book friday", BOOKED) == bt.Reading(UNCLEAR, matched="friday")
	assert not reading("what's the address?", BOOKED).about_booking  # an FAQ, read the usual way


# --- The stored wish.


def test_a_wish_survives_its_json_form():
	wish = Wish(
		part="afternoon",
		first_day=THU,
		last_day=FRI,
		weekdays=frozenset({3, 4}),
		after=time(12),
		before=time(14),
		at=None,
		earliest=True,
	)
	assert Wish.from_dict(wish.to_dict()) == wish
	assert wish.to_dict()["after"] == "12:00" and wish.to_dict()["first_day"] == "2026-12-10"
	assert Wish().to_dict() == {} and Wish.from_dict(None) == Wish() and Wish().is_empty()
	assert Wish.from_dict({"part": "brunch", "first_day": "soon", "weekdays": [9, "x"], "at": 3}) == Wish()


# --- Properties.

WORDS = [
	"yes",
	"no",
	"1",
	"2",
	"3",
	"4",
	"A",
	"a",
	"the",
	"first",
	"second",
	"last",
	"one",
	"none",
	"of",
	"those",
	"thursday",
	"tuesday",
	"friday",
	"next",
	"this",
	"week",
	"weekend",
	"tomorrow",
	"today",
	"tonight",
	"mañana",
	"la",
	"el",
	"jueves",
	"morning",
	"afternoon",
	"evening",
	"after",
	"before",
	"at",
	"9am",
	"3",
	"5pm",
	"10:30",
	"noon",
	"lunchtime",
	"work",
	"the 14th",
	"12/14",
	"dec",
	"14",
	"31",
	"2/30",
	"not",
	"can't",
	"any",
	"but",
	"dr",
	"lee",
	"patel",
	"my",
	"son",
	"?",
	",",
	"asap",
	"earliest",
	"available",
	"other",
	"times",
	"cancel",
	"thanks",
	"see",
	"you",
	"then",
	"ok",
	"sure",
	"semana",
	"próxima",
	"por",
	"tarde",
	"noche",
	"lo",
	"antes",
	"posible",
	"#",
	"option",
	"2nd",
	"3rd",
	"11/31",
	"feb",
	"29",
	"every",
	"mondays",
	"or",
	"and",
	"between",
]
PENDINGS = st.one_of(
	st.none(),
	st.sampled_from([PARTS, NEXT, DAY, BOOKED]).map(Pending),
	st.builds(
		lambda kind, options, expired: Pending(kind, options=tuple(options), expired=expired),
		st.sampled_from([OPTIONS, CONFIRM]),
		st.lists(
			st.builds(
				lambda label, days, hour, who: Offered(
					str(label),
					who,
					f"Dr. {who}",
					None,
					datetime(2026, 12, 8, 8) + timedelta(days=days, hours=hour),
					30,
				),
				st.integers(1, 3),
				st.integers(0, 20),
				st.integers(0, 10),
				st.sampled_from(["Lee", "Patel"]),
			),
			min_size=1,
			max_size=3,
		),
		st.booleans(),
	),
)
TEXTS = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(WORDS), max_size=7).map(" ".join))


@settings(max_examples=600, deadline=None)
@given(
	text=TEXTS,
	pending=PENDINGS,
	today=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
	now=st.one_of(st.none(), st.times()),
)
def test_any_reply_reads_without_error_never_in_the_past_and_picks_only_what_was_offered(
	text, pending, today, now
):
	got = read(text, pending, today, now)
	assert got.kind in bt.READINGS
	assert got.wish.first_day is None or got.wish.first_day >= today
	assert got.wish.last_day is None or got.wish.first_day is None or got.wish.last_day >= got.wish.first_day
	if got.kind == PICK:
		assert pending is not None and pending.kind in (OPTIONS, CONFIRM) and not pending.expired
		assert got.option in pending.options
	if got.kind in (CHANGE, ACK):
		assert pending is not None and pending.kind == BOOKED
