"""Booking by text: which times to offer (choose_options), the words we send, and the question a text asks."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback_app.engine import answers
from winback_app.engine import booking_talk as bt
from winback_app.engine.booking_talk import Offered, Wish, choose_options, question_details, question_in
from winback_app.engine.slots import ScheduleBlock, free_slots
from winback_app.engine.sms import sms_size

MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 10, 5)
NAMES = {"HLC-PRAC-0001": "Dr. Lee", "HLC-PRAC-0002": "Dr. Patel"}


def week_of_slots(days=21):
	"""Dr. Lee: weekday mornings 8-12 (30 min) and afternoons 14-17 (60 min); Dr. Patel: weekdays 13-19 (30 min)."""
	blocks = []
	for weekday in range(5):
		blocks.append(ScheduleBlock("HLC-PRAC-0001", weekday, time(8), time(12), "Room 1", slot_minutes=30))
		blocks.append(ScheduleBlock("HLC-PRAC-0001", weekday, time(14), time(17), "Room 1", slot_minutes=60))
		blocks.append(ScheduleBlock("HLC-PRAC-0002", weekday, time(13), time(19), "Room 2", slot_minutes=30))
	return free_slots(blocks, [], start_day=MONDAY, days=days, now=NOW)


SLOTS = week_of_slots()


def starts(slots):
	return [s.start for s in slots]


def test_options_spread_over_days_first():
	chosen, exact = choose_options(SLOTS, Wish())
	assert exact
	assert starts(chosen) == [
		datetime(2026, 12, 7, 10, 30),
		datetime(2026, 12, 8, 8),
		datetime(2026, 12, 9, 8),
	]


def test_one_day_gets_times_two_hours_apart_and_both_practitioners():
	thursday = date(2026, 12, 10)
	chosen, exact = choose_options(SLOTS, Wish(first_day=thursday, last_day=thursday, part="afternoon"))
	assert exact and len(chosen) == 3
	assert all(s.start.date() == thursday and s.part_of_day == "afternoon" for s in chosen)
	gaps = [b.start - a.start for a, b in zip(chosen, chosen[1:], strict=False)]
	assert min(gaps) >= timedelta(hours=1, minutes=30)  # spread over the afternoon, not 1:00, 1:30, 2:00
	assert {s.practitioner for s in chosen} == {"HLC-PRAC-0001", "HLC-PRAC-0002"}


def test_alternating_practitioners_where_several_fit_about_then():
	chosen, _exact = choose_options(SLOTS, Wish(part="afternoon"))
	assert [s.start.date() for s in chosen] == [
		MONDAY,
		MONDAY + timedelta(days=1),
		MONDAY + timedelta(days=2),
	]
	assert len({s.practitioner for s in chosen}) == 2


def test_earliest_is_the_first_free_slot():
	chosen, exact = choose_options(SLOTS, Wish(earliest=True), n=1)
	assert exact and starts(chosen) == [SLOTS[0].start]


def test_a_time_matches_within_a_quarter_hour():
	friday = date(2026, 12, 11)
	chosen, exact = choose_options(SLOTS, Wish(first_day=friday, last_day=friday, at=time(15)))
	assert exact and starts(chosen)[0] == datetime(2026, 12, 11, 15)
	assert all(abs(s.start - datetime(2026, 12, 11, 15)) <= timedelta(minutes=15) for s in chosen)


def test_nothing_fits_relaxes_to_the_nearest_times():
	saturday = date(2026, 12, 12)
	chosen, exact = choose_options(SLOTS, Wish(first_day=saturday, last_day=saturday, part="morning"))
	assert not exact and len(chosen) == 3
	# the nearest days to Saturday, in the morning: Friday, then Thursday and Monday
	assert sorted(s.start.date() for s in chosen) == [
		date(2026, 12, 10),
		date(2026, 12, 11),
		date(2026, 12, 14),
	]
	assert all(s.part_of_day == "morning" for s in chosen)
	early, exact = choose_options(SLOTS, Wish(at=time(7)))
	assert not exact and all(s.start.time() == time(8) for s in early)  # the closest to 7:00


def test_the_time_of_day_is_relaxed_before_the_day():
	thursday = date(2026, 12, 10)
	chosen, exact = choose_options(SLOTS, Wish(first_day=thursday, last_day=thursday, at=time(7)))
	assert not exact and all(s.start.date() == thursday for s in chosen)


def test_already_offered_times_are_left_out():
	first, _ = choose_options(SLOTS, Wish())
	second, exact = choose_options(SLOTS, Wish(), exclude=[s.start for s in first])
	assert exact and not set(starts(first)) & set(starts(second))
	pairs, _ = choose_options(SLOTS, Wish(), exclude=[(s.practitioner, s.start) for s in first])
	assert not {(s.practitioner, s.start) for s in first} & {(s.practitioner, s.start) for s in pairs}
	offered = bt.offers(first, NAMES)
	again, _ = choose_options(SLOTS, Wish(), exclude=offered)
	assert not set(starts(first)) & set(starts(again))


def test_empty_only_when_nothing_is_left():
	assert choose_options([], Wish()) == ([], True)
	only = SLOTS[:2]
	assert choose_options(only, Wish(), exclude=[s.start for s in only])[0] == []
	assert len(choose_options(only, Wish(part="evening"))[0]) == 2


@settings(max_examples=200, deadline=None)
@given(
	wish=st.builds(
		Wish,
		part=st.sampled_from([None, "morning", "afternoon", "evening"]),
		first_day=st.one_of(st.none(), st.dates(MONDAY, MONDAY + timedelta(days=30))),
		weekdays=st.frozensets(st.integers(0, 6), max_size=3),
		after=st.one_of(st.none(), st.times()),
		at=st.one_of(st.none(), st.times()),
		earliest=st.booleans(),
	),
	n=st.integers(1, 3),
	drop=st.integers(0, 40),
)
def test_options_are_free_distinct_and_never_empty_while_slots_remain(wish, n, drop):
	pool = SLOTS[drop:]
	chosen, exact = choose_options(pool, wish, n=n)
	assert 1 <= len(chosen) <= n
	assert all(s in pool for s in chosen)
	assert len(set(starts(chosen))) == len(chosen)
	assert starts(chosen) == sorted(starts(chosen))


# --- The words.


def three(day=date(2026, 12, 10)):
	chosen, _ = choose_options(SLOTS, Wish(first_day=day, last_day=day, part="afternoon"))
	return bt.offers(chosen, NAMES)


def test_slot_labels():
	assert bt.slot_label(datetime(2026, 12, 8, 9), "en") == "Tue Dec 8, 9:00 AM"
	assert bt.slot_label(datetime(2026, 12, 8, 14, 30), "en") == "Tue Dec 8, 2:30 PM"
	assert bt.slot_label(datetime(2026, 12, 12, 12), "en") == "Sat Dec 12, 12:00 PM"
	assert bt.slot_label(datetime(2026, 12, 8, 9), "es") == "mar 8 dic, 9:00 a. m."
	assert bt.slot_label(datetime(2026, 12, 9, 17, 15), "es-MX") == "mié 9 dic, 5:15 p. m."


def test_options_text_numbers_the_times_and_says_how_to_answer():
	wish = Wish(first_day=date(2026, 12, 10), last_day=date(2026, 12, 10), part="afternoon")
	text = bt.options_text(three(), "en", wish=wish)
	assert text == (
		"Here are free times on Thu Dec 10 in the afternoon: 1) Thu Dec 10, 1:00 PM, Dr. Patel "
		"2) Thu Dec 10, 3:00 PM, Dr. Lee 3) Thu Dec 10, 4:30 PM, Dr. Patel Reply 1, 2 or 3, or tell us another day."
	)
	spanish = bt.options_text(three(), "es", wish=wish)
	assert spanish.startswith("Horas libres el jue 10 dic por la tarde: 1) jue 10 dic, 1:00 p. m., Dr. Patel")
	assert spanish.endswith("Responda 1, 2 o 3, o indique otra fecha.")
	assert sms_size(spanish).encoding == "GSM-7"  # worded to stay GSM-7
	assert bt.question_in(text) is None and bt.question_in(spanish) is None


def test_nothing_free_then_says_so():
	wish = Wish(first_day=date(2026, 12, 12), last_day=date(2026, 12, 12))
	chosen, exact = choose_options(SLOTS, wish)
	text = bt.options_text(bt.offers(chosen, NAMES), "en", exact=exact, wish=wish)
	assert text.startswith("Nothing is free on Sat Dec 12. The nearest times: 1) Thu Dec 10")
	assert "a. m.." not in bt.options_text(bt.offers(chosen, NAMES), "es", exact=False, wish=Wish(at=time(7)))


def test_one_option_is_a_yes_question():
	option = bt.offers(choose_options(SLOTS, Wish(earliest=True), n=1)[0], NAMES)[0]
	assert bt.options_text([option], "en", wish=Wish(earliest=True)) == bt.confirm_text(
		option, "en", wish=Wish(earliest=True)
	)
	assert bt.confirm_text(option, "en", wish=Wish(earliest=True)) == (
		"The next available time is Mon Dec 7, 10:30 AM with Dr. Lee. Reply YES to book it, or tell us another day."
	)
	assert bt.confirm_text(option, "es", wish=Wish(earliest=True)) == (
		"La próxima hora libre es lun 7 dic, 10:30 a. m. con Dr. Lee. Responda SÍ para reservarla, o indique otra "
		"fecha."
	)
	assert bt.confirm_text(option, "en", exact=False, wish=Wish(at=time(7))).startswith(
		"Nothing is free at 7:00 AM. The nearest time is Mon Dec 7, 10:30 AM"
	)
	assert bt.read("yes", bt.Pending(bt.CONFIRM, options=(option,)), MONDAY).option == option


LONG = "Dr. Alexandra Montgomery-Featherstonehaugh"


@pytest.mark.parametrize("language", ["en", "es"])
def test_texts_fit_two_segments_dropping_names_then_the_last_option(language):
	name = LONG if language == "es" else f"{LONG} and {LONG}"  # "sáb": UCS-2 in Spanish, 134 for two segments
	saturday = [Offered(str(i), f"P{i}", name, None, datetime(2026, 12, 12, 9 + i), 30) for i in (1, 2, 3)]
	wish = Wish(first_day=date(2026, 12, 12), last_day=date(2026, 12, 19), weekdays=frozenset({5}))
	message = bt.options_message(
		saturday, language, wish=wish, practice="Bright Smile Family Dental of Springfield"
	)
	size = sms_size(message.text)
	assert size.segments <= 2, (size, message.text)
	assert LONG not in message.text
	labels = [o.label for o in message.shown]
	assert labels == ["1", "2", "3"][: len(labels)]
	for option in message.shown:
		assert bt.slot_label(option.start, language) in message.text
	if len(message.shown) < 3:
		assert f"{len(message.shown) + 1}) " not in message.text


def test_options_text_refuses_nothing():
	with pytest.raises(ValueError):
		bt.options_text([], "en")


def test_booked_text_names_day_date_time_practitioner_place_phone_and_calendar():
	option = Offered("1", "HLC-PRAC-0001", "Dr. Lee", "Room 1", datetime(2026, 12, 8, 9), 30)
	values = dict(
		practice="Bright Smile Dental",
		address="1 Main St, Springfield",
		phone="(555) 010-0100",
		calendar_link="https://clinic.example/cal/Xy7Qk2Lm9Np4Rs6T.ics",
	)
	assert bt.booked_text(option, "en", **values) == (
		"You're booked: Tue Dec 8 at 9:00 AM with Dr. Lee at Bright Smile Dental, 1 Main St, Springfield. "
		"Add to calendar: https://clinic.example/cal/Xy7Qk2Lm9Np4Rs6T.ics Questions? Call (555) 010-0100."
	)
	spanish = bt.booked_text(option, "es", **values)
	assert spanish.startswith("Cita reservada: mar 8 dic a las 9:00 a. m. con Dr. Lee en Bright Smile Dental")
	one_pm = Offered("1", "P", "Dr. Lee", None, datetime(2026, 12, 8, 13), 30)
	assert "a la 1:00 p. m." in bt.booked_text(one_pm, "es", **values)
	assert bt.booked_text(option, "en", **{**values, "calendar_link": None}).endswith(
		"Questions? Call (555) 010-0100."
	)


@pytest.mark.parametrize("language", ["en", "es"])
def test_booked_text_drops_pieces_in_order_but_never_the_time(language):
	option = Offered("1", "P", LONG, None, datetime(2026, 12, 12, 9), 30)
	text = bt.booked_text(
		option,
		language,
		practice="Bright Smile Family Dental of Springfield and Shelbyville",
		address="1234 North Springfield Boulevard, Suite 500, Springfield, IL 62701",
		phone="(555) 010-0100",
		calendar_link="https://clinic.example/cal/Xy7Qk2Lm9Np4Rs6TXy7Qk2Lm9Np4Rs6T.ics",
	)
	assert sms_size(text).segments <= 2, text
	day = "Sat Dec 12 at 9:00 AM" if language == "en" else "sáb 12 dic a las 9:00 a. m."
	assert day in text


def test_no_times_text():
	assert bt.no_times_text("en", phone="(555) 010-0100", link="https://clinic.example/book/x") == (
		"No times are free online just now. Call us at (555) 010-0100 or see all times here: "
		"https://clinic.example/book/x"
	)
	assert "Llame al (555) 010-0100" in bt.no_times_text("es", phone="(555) 010-0100", link="x")


def test_the_booking_sentences_are_answer_templates_in_both_languages():
	for key in (
		answers.BOOK_OPTIONS,
		answers.BOOK_CONFIRM_NEXT,
		answers.BOOKED_CALENDAR,
		answers.BOOK_NO_TIMES,
	):
		assert set(answers.TEXTS[key]) == {"en", "es"}


# --- The question a text asks.

RECALL = (
	"Alex, it's Bright Smile Dental: you're due for your next visit. Reply 1 for mornings, 2 for afternoons or 3 "
	"for evenings, or book here: https://clinic.example/book/x Reply STOP to opt out."
)
RESCUE = (
	"Alex, it's Bright Smile Dental: we missed you today. Reply A for the next open time or tell us a day that "
	"works, or book: https://clinic.example/book/x"
)
NEW_PATIENT = (
	"Alex, it's Bright Smile Dental: welcome! Reply with a day that works for you, or book: https://x"
)


@pytest.mark.parametrize(
	"text,kind",
	[
		(RECALL, bt.PARTS),
		(RESCUE, bt.NEXT),
		(NEW_PATIENT, bt.DAY),
		(answers.answer_text(answers.BOOKING_LINK, "en", link="https://x"), bt.PARTS),
		(answers.answer_text(answers.BOOKING_LINK, "es", link="https://x"), bt.PARTS),
		("Responda 1 para mañanas, 2 para tardes o 3 para noches: https://x", bt.PARTS),
		("Mornings (1), afternoons (2) or evenings (3)? https://x", bt.PARTS),
		("Reply A for the next available time, or tell us what day works best", bt.NEXT),
		("Responda A para la próxima hora disponible, o díganos qué día le conviene.", bt.NEXT),
		("Tell us what day works best and we'll send options", bt.DAY),
		("Díganos qué día le conviene", bt.DAY),
		("Responda A para la siguiente hora libre o indique una fecha, o reserve: https://x", bt.NEXT),
		("Responda con una fecha que le venga bien, o reserve: https://x", bt.DAY),
		("Reply with a day that works and we will send options", bt.DAY),
		("Hi Alex, book here: https://x", None),
		("Reply a few words about your visit", None),
		(
			"The next available time is Tue Dec 8, 9:00 AM. Reply YES to book it, or tell us another day.",
			None,
		),
		("Call us at 1 (555) 010-0100 any morning", None),
		("", None),
		(None, None),
	],
)
def test_question_in(text, kind):
	assert question_in(text) == kind


def test_question_details_for_the_template_checks():
	found = question_details("Reply 1 for afternoons, 2 for mornings")
	assert found.kind == bt.PARTS and found.parts == ((1, "afternoon"), (2, "morning"))
	assert question_details("Reply A to book").says_next is False
	assert question_details("Responda A para la siguiente hora libre").says_next is True
	both = question_details(
		"Reply 1 for mornings, 2 for afternoons, 3 for evenings, or A for the next available"
	)
	assert both.letter and both.parts and both.kind == bt.NEXT


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_time_taken_meanwhile_is_said_first_within_the_budget(language):
	options = three()
	text = bt.options_text(options, language, taken=True, practice="Bright Smile Dental")
	assert text.startswith("Bright Smile Dental: " + bt.taken_text(language))
	assert sms_size(text).segments <= 2
	saturday = [Offered(str(i), f"P{i}", LONG, None, datetime(2026, 12, 12, 9 + i), 30) for i in (1, 2, 3)]
	message = bt.options_message(saturday, language, taken=True)
	assert bt.taken_text(language) in message.text and sms_size(message.text).segments <= 2
	one = bt.confirm_text(options[0], language, taken=True)
	assert one.startswith(bt.taken_text(language)) and sms_size(one).segments <= 2
	assert bt.taken_text("en") == "Sorry, that time was just taken."
