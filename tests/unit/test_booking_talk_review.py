"""Review of book by text (issue 15): replies that must never book the option their digit names.

Each reply is read as the webhook reads it (engine.replies.understand with the pending question, then
engine.reply_plan.plan) under three numbered times. A digit in a reply that rejects it, takes it back, asks for
someone else or says STOP is not a pick: booking it makes an appointment the patient did not choose."""

from datetime import datetime, timezone

import pytest

from winback_app.engine import booking_talk as bt
from winback_app.engine import replies as r
from winback_app.engine import reply_plan

NOW = datetime(2026, 12, 1, 16, 40, tzinfo=timezone.utc)  # Tuesday 11:40 in New York
TZ = "America/New_York"
THREE = (
	bt.Offered("1", "HLC-PRAC-0001", "Dr. Lee", None, datetime(2026, 12, 2, 9, 0), 30),
	bt.Offered("2", "HLC-PRAC-0001", "Dr. Lee", None, datetime(2026, 12, 3, 14, 0), 30),
	bt.Offered("3", "HLC-PRAC-0002", "Dr. Kim", None, datetime(2026, 12, 4, 10, 0), 30),
)
OPTIONS = bt.Pending(bt.OPTIONS, options=THREE, wish=bt.Wish(), rounds=1)
CONFIRM = bt.Pending(bt.CONFIRM, options=THREE[:1], wish=bt.Wish(earliest=True), rounds=1)
PARTS = bt.Pending(bt.PARTS)


def turn(body, pending):
	u = r.understand(body, now=NOW, tz=TZ, pending=pending)
	return u, reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False, pending=pending)


# STOP beats everything (engine.replies: "a reply that might be an opt-out is honoured as one").
@pytest.mark.parametrize(
	"body,pending",
	[
		("2 STOP", OPTIONS),
		("STOP 2", OPTIONS),
		("2 stop", OPTIONS),
		("2 unsubscribe", OPTIONS),
		("2 stopall", OPTIONS),
		("yes stop", CONFIRM),
		("2 STOP", PARTS),
	],
)
def test_a_reply_with_stop_is_never_a_booking(body, pending):
	_u, plan = turn(body, pending)
	assert plan.book is None, f"{body!r} books option {plan.book and plan.book.label}"
	assert plan.offer is None, f"{body!r} sends more times to a number that said STOP"


# A digit the patient rejects, takes back, or asks for someone else is not a pick.
@pytest.mark.parametrize(
	"body",
	[
		"2 is bad",
		"2 is no good",
		"2 sucks",
		"2 is impossible",
		"2 - no sorry 3",
		"we need 2 appointments",
		"2 appts please",
		"2 of us",
		"book 2 for Jose",
		"2 for Maria please",
		"1 for me 1 for my roommate",
		"2 weeks",
		"2 nevermind",
		"2 nvm",
		"2 jk",
		"2 oops",
		"2 mistake",
		"2 " + "x" * 1590,
	],
)
def test_a_digit_that_is_not_a_choice_never_books(body):
	_u, plan = turn(body, OPTIONS)
	assert plan.book is None, f"{body!r} books option {plan.book and plan.book.label}"


def test_the_spanish_no_times_text_fits_two_segments():
	"""'No hay horas libres en línea ...' is UCS-2: 145 units with a booking link, three SMS."""
	from winback_app.engine.sms import sms_size

	link = "https://clinic.example.com/book/" + "A" * 22
	text = bt.no_times_text("es", phone="(202) 555-0100", link=link)
	assert sms_size(text).segments <= 2, text


# A yes with a contrast that names a day or a time is that wish, with or without a question pending; a yes
# with a contrast that names none, or negates it, still reaches a person.
@pytest.mark.parametrize(
	"body, part, weekday",
	[
		("yes but mornings are better", "morning", None),
		("yes, but mornings are better", "morning", None),
		("sure, but thursday afternoon is better", "afternoon", 3),
		("si pero por la tarde", "afternoon", None),
	],
)
def test_a_yes_but_with_a_time_is_that_wish_without_a_question(body, part, weekday):
	u = r.understand(body, now=NOW, tz=TZ, pending=None)
	p = reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False, pending=None)
	assert not p.needs_person
	assert p.offer is not None and p.offer.part == part
	if weekday is not None:
		assert p.offer.first_day.isoweekday() == weekday + 1  # the Thursday after Tuesday Dec 1: Dec 3


@pytest.mark.parametrize(
	"body",
	["yes but not mornings", "yes but I have a question about cost", "yes but not thursday", "ok, but"],
)
def test_a_yes_but_without_a_time_still_reaches_a_person(body):
	u = r.understand(body, now=NOW, tz=TZ, pending=None)
	p = reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False, pending=None)
	assert p.needs_person and p.offer is None and p.book is None


def test_a_confirmation_to_a_parent_names_the_child_and_still_fits_two_segments():
	from winback_app.engine.sms import sms_size

	option = bt.Offered("1", "HLC-PRAC-1", "Maria Rivera", "Chair 1", datetime(2026, 12, 2, 9, 0), 30)
	for lang, lead in (("en", "For Leo: You're booked"), ("es", "Para Leo: Cita reservada")):
		text = bt.booked_text(
			option,
			lang,
			practice="Bright Smile Dental",
			address="12 Example Street, Springfield",
			phone="(202) 555-0100",
			calendar_link="https://clinic.example.com/book/" + "x" * 22 + "?done=HLC-APP-2026-00001",
			for_name="Leo",
		)
		assert text.startswith(lead), text
		assert sms_size(text).segments <= 2, text
		assert "9:00" in text


def test_times_offered_to_a_parent_name_the_child_and_still_fit_two_segments():
	from winback_app.engine.sms import sms_size

	options = [
		bt.Offered(
			str(i + 1), f"HLC-PRAC-{i}", "Maria Rivera", "Chair 1", datetime(2026, 12, 2 + i, 9, 0), 30
		)
		for i in range(3)
	]
	for lang in ("en", "es"):
		message = bt.options_message(
			options, lang, wish=bt.Wish(part="morning"), practice="Bright Smile Dental", for_name="Leo"
		)
		assert ("For Leo:" if lang == "en" else "Para Leo:") in message.text, message.text
		assert sms_size(message.text).segments <= 2, message.text
		assert message.shown, "at least one time is offered"


@pytest.mark.parametrize(
	"body, label", [("teh first one", "1"), ("frist one", "1"), ("the thrid", "3"), ("secnd one plese", "2")]
)
def test_a_slip_of_the_thumb_on_a_short_word_still_picks(body, label):
	"""Found in the final walkthrough: "teh first one" went to a person, and the conversation with it."""
	reading = bt.read(body, OPTIONS, NOW.date(), None)
	assert reading.kind == bt.PICK, reading
	assert reading.option.label == label


@pytest.mark.parametrize(
	"body, part, weekday",
	[
		("can i come thursday afternoon?", "afternoon", 4),
		("Could I come in on Thursday afternoon?", "afternoon", 4),
		("can I do Thursday afternoon", "afternoon", 4),
		("puedo ir el jueves por la tarde?", "afternoon", 4),
	],
)
def test_a_question_asking_for_a_named_time_gets_times(body, part, weekday):
	"""Found in the final walkthrough: "can i come thursday afternoon?" went to a person."""
	u = r.understand(body, now=NOW, tz=TZ, pending=None)
	p = reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False, pending=None)
	assert not p.needs_person
	assert p.offer is not None and p.offer.part == part
	assert p.offer.first_day.isoweekday() == weekday


@pytest.mark.parametrize(
	"body",
	[
		"can i come in for a cleaning? my tooth hurts",
		"can i come thursday, what is the cost?",
		"can I bring my son thursday?",
		"can i come not thursday",
	],
)
def test_a_question_with_more_in_it_still_reaches_a_person(body):
	u = r.understand(body, now=NOW, tz=TZ, pending=None)
	p = reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False, pending=None)
	assert p.needs_person and p.offer is None and p.book is None
