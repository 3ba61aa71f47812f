"""Booking by text through engine.replies.understand() and engine.reply_plan.plan(): whole conversations (the
Frappe side's part, registering questions and offers, done here by hand), safety first, and the property that
nothing is ever booked that was not offered and chosen."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_booking_talk import PENDINGS, TEXTS
from winback_app.engine import answers, reply_plan
from winback_app.engine import booking_talk as bt
from winback_app.engine import replies as r
from winback_app.engine.faq import FaqEntry, example_answers, phrasings
from winback_app.engine.slots import ScheduleBlock, free_slots

MONDAY = date(2026, 12, 7)
# 10:00 in Chicago, as the webhook passes it: an aware "now" and the patient's zone.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
TZ = "America/Chicago"
FAQ = [
	FaqEntry(e.title, phrasings(e.question), e.answer)
	for e in example_answers(
		practice_name="Bright Smile Dental",
		practice_phone="(555) 010-0100",
		practice_address="1 Main St",
		hours="Mon-Fri 8am-5pm",
		parking="Free parking behind the building.",
	)
]
NAMES = {"HLC-PRAC-0001": "Dr. Lee", "HLC-PRAC-0002": "Dr. Patel"}
BLOCKS = [
	block
	for weekday in range(5)
	for block in (
		ScheduleBlock("HLC-PRAC-0001", weekday, time(8), time(12), "Room 1", slot_minutes=30),
		ScheduleBlock("HLC-PRAC-0002", weekday, time(13), time(19), "Room 2", slot_minutes=30),
	)
]
SLOTS = free_slots(BLOCKS, [], start_day=MONDAY, days=21, now=datetime(2026, 12, 7, 10, 0))


def turn(body, pending=None, *, matched=1, lapse=True, opted_out=False):
	u = r.understand(body, faq=FAQ, now=NOW, tz=TZ, opted_out=opted_out, pending=pending)
	p = reply_plan.plan(
		u, matched_patients=matched, has_lapse=lapse, number_opted_out=opted_out, pending=pending
	)
	return u, p


def offer(plan, *, rounds=0, exclude=()):
	"""What the Frappe side does with plan.offer: choose, number, and register the pending question."""
	chosen, exact = bt.choose_options(SLOTS, plan.offer, exclude=plan.offer_exclude, n=plan.offer_count)
	shown = bt.options_message(bt.offers(chosen, NAMES), "en", exact=exact, wish=plan.offer).shown
	kind = bt.CONFIRM if len(shown) == 1 else bt.OPTIONS
	return bt.Pending(kind, options=shown, wish=plan.offer, rounds=rounds + 1)


def test_yes_then_1_then_a_pick_books_it():
	u, p = turn("Yes please")
	assert p.answer == reply_plan.ANSWER_BOOKING_LINK and p.offers_choices and p.offer is None
	sent = answers.answer_text(p.answer, "en", link="https://clinic.example/book/x")
	asked = bt.Pending(bt.question_in(sent))
	assert asked.kind == bt.PARTS
	u, p = turn("1", asked)
	assert u.category == r.BOOKING and p.offer == bt.Wish(part="morning") and p.waits_on_patient
	offered = offer(p)
	assert all(o.start.hour < 12 for o in offered.options)
	u, p = turn("2", offered)
	assert p.book == offered.options[1] and p.if_taken == bt.Wish(part="morning")
	assert p.answer is None and not p.needs_person


def test_the_first_text_asks_and_its_answer_books():
	recall = (
		"Alex, it's Bright Smile Dental: you're due. Reply 1 for mornings, 2 for afternoons or 3 for evenings"
	)
	u, p = turn("2", bt.Pending(bt.question_in(recall)))
	assert p.offer == bt.Wish(part="afternoon")
	offered = offer(p)
	u, p = turn("the first one", offered)
	assert p.book == offered.options[0] and offered.options[0].start.hour >= 12


def test_rescue_a_then_yes_books_the_next_available_time():
	rescue = "Alex, we missed you today. Reply A for the next open time or tell us a day that works"
	u, p = turn("A", bt.Pending(bt.question_in(rescue)))
	assert p.offer == bt.Wish(earliest=True) and p.offer_count == 1
	confirm = offer(p)
	assert confirm.kind == bt.CONFIRM and confirm.options[0].start == SLOTS[0].start
	u, p = turn("yes", confirm)
	assert u.category == r.BOOKING and p.book == confirm.options[0]


def test_a_day_and_part_as_a_first_reply_gets_those_times_and_a_pick():
	u, p = turn("Thursday afternoon")
	thursday = date(2026, 12, 10)
	assert p.offer == bt.Wish(first_day=thursday, last_day=thursday, part="afternoon")
	offered = offer(p)
	assert all(o.start.date() == thursday and o.start.hour >= 12 for o in offered.options)
	u, p = turn("ok 3 works", offered)
	assert p.book == offered.options[2]


def test_none_of_those_offers_other_times_with_the_same_wish():
	u, p = turn("1", bt.Pending(bt.PARTS))
	first = offer(p)
	u, p = turn("none of those", first)
	assert p.offer == bt.Wish(part="morning")
	assert set(p.offer_exclude) == {o.start for o in first.options}
	second = offer(p, rounds=first.rounds)
	assert not {o.start for o in first.options} & {o.start for o in second.options}


def test_an_expired_offer_offers_fresh_times_and_never_books():
	u, p = turn("1", bt.Pending(bt.PARTS))
	stale = offer(p)
	stale = bt.Pending(stale.kind, options=stale.options, wish=stale.wish, expired=True)
	u, p = turn("2", stale)
	assert p.book is None and p.offer == bt.Wish(part="morning")


def test_after_max_rounds_a_person_takes_over_but_a_pick_still_books():
	tired = bt.Pending(
		bt.OPTIONS, options=offer(turn("1", bt.Pending(bt.PARTS))[1]).options, rounds=bt.MAX_ROUNDS
	)
	_u, p = turn("none of those", tired)
	assert p.needs_person and p.answer == reply_plan.ANSWER_THANKS and p.offer is None
	_u, p = turn("1", tired)
	assert p.book == tired.options[0]


@pytest.mark.parametrize("matched", [0, 2])
def test_a_family_number_never_books_or_gets_offers(matched):
	pending = offer(turn("1", bt.Pending(bt.PARTS))[1])
	for body in ("2", "Thursday afternoon", "yes"):
		_u, p = turn(body, pending, matched=matched)
		assert p.book is None and p.offer is None and p.needs_person


def test_an_opted_out_number_never_books_or_gets_offers():
	pending = offer(turn("1", bt.Pending(bt.PARTS))[1])
	for body in ("2", "Thursday afternoon", "none of those"):
		_u, p = turn(body, pending, opted_out=True)
		assert p.book is None and p.offer is None and p.needs_person and p.answer is None


def test_no_open_lapse_is_a_person():
	_u, p = turn("1", bt.Pending(bt.PARTS), lapse=False)
	assert p.needs_person and p.offer is None


def test_triage_stays_first_under_any_question():
	confirm = offer(turn("A", bt.Pending(bt.NEXT))[1])
	u, p = turn("yes, but my tooth really hurts", confirm)
	assert u.category in (r.CLINICAL_CATEGORY, r.URGENT_CATEGORY) and p.book is None and p.needs_person
	u, p = turn("STOP", confirm)
	assert u.category == r.OPT_OUT and p.opt_out and p.book is None


def test_an_faq_is_still_answered_while_a_question_is_pending():
	u, p = turn("what are your hours?", bt.Pending(bt.PARTS))
	assert u.category == r.FAQ and p.answer == reply_plan.ANSWER_FAQ and p.offer is None


def test_unclear_under_a_question_goes_to_a_person_as_a_booking():
	pending = offer(turn("1", bt.Pending(bt.PARTS))[1])
	for body in ("4", "2 or 3", "2 for me and 3 for my wife", "the one with Dr. Lee"):
		u, p = turn(body, pending)
		assert u.category == r.BOOKING and u.to_person, body
		assert p.needs_person and p.answer == reply_plan.ANSWER_THANKS and p.book is None and p.offer is None


def test_not_now_under_a_question_is_still_a_pause():
	u, p = turn("not now, maybe next month", bt.Pending(bt.PARTS))
	assert u.category == r.NOT_NOW and p.snooze and p.snooze_until == date(2027, 1, 1)
	u, p = turn("After the 15th, I get paid then", bt.Pending(bt.PARTS))
	assert u.category == r.NOT_NOW and p.snooze_until == date(2026, 12, 16) and p.offer is None


def test_a_thank_you_under_a_question_is_not_a_yes():
	u, p = turn("ok thank you", bt.Pending(bt.PARTS))
	assert u.category == r.OTHER_CATEGORY and p.needs_person and p.offer is None


def test_spanish_conversation():
	u, p = turn("mañana por la tarde", bt.Pending(bt.DAY))
	assert u.language == "es" and p.offer == bt.Wish(
		first_day=date(2026, 12, 8), last_day=date(2026, 12, 8), part="afternoon"
	)
	offered = offer(p)
	u, p = turn("la segunda", offered)
	assert p.book == offered.options[1]
	_u, p = turn("ninguna", offered)
	assert p.offer is not None and p.offer_exclude


# --- After booking by text.

BOOKED = bt.Pending(
	bt.BOOKED, options=(bt.Offered("1", "HLC-PRAC-0001", "Dr. Lee", "Room 1", datetime(2026, 12, 8, 9), 30),)
)


@pytest.mark.parametrize(
	"body", ["I can't make it tomorrow", "need to reschedule", "running late", "no puedo ir"]
)
def test_a_change_after_booking_reaches_a_person_with_the_appointment(body):
	u, p = turn(body, BOOKED, lapse=False)
	assert u.category == r.OTHER_CATEGORY and u.to_person and u.reading.kind == bt.CHANGE
	assert p.needs_person and p.appointment_change and p.book is None and p.offer is None and not p.snooze


def test_cancel_after_booking_is_still_an_opt_out_and_a_person_sees_the_appointment():
	u, p = turn("CANCEL", BOOKED, lapse=False)
	assert u.category == r.OPT_OUT and p.opt_out
	assert p.needs_person and p.appointment_change


@pytest.mark.parametrize("body", ["thanks", "Thanks, see you Tuesday", "gracias"])
def test_thanks_after_booking_needs_nobody(body):
	u, p = turn(body, BOOKED, lapse=False)
	assert u.category == r.BOOKING and u.reading.kind == bt.ACK
	assert p.answer is None and not p.needs_person and not p.pause and p.book is None


def test_offered_choices_still_work_for_older_callers():
	u = r.understand("2", offered_choices=3)
	assert u.choice == 2
	p = reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False)
	assert p.answer == reply_plan.ANSWER_SLOTS and p.book is None


# --- The property the issue names: nothing is booked that was not offered and chosen.


@settings(max_examples=500, deadline=None)
@given(
	text=TEXTS,
	pending=PENDINGS,
	matched=st.integers(0, 3),
	lapse=st.booleans(),
	opted_out=st.booleans(),
	hour=st.integers(0, 23),
)
def test_plan_books_only_an_offered_time_the_one_patient_chose(
	text, pending, matched, lapse, opted_out, hour
):
	now = NOW.replace(hour=hour)
	u = r.understand(text, faq=FAQ, now=now, tz=TZ, opted_out=opted_out, pending=pending)
	p = reply_plan.plan(
		u, matched_patients=matched, has_lapse=lapse, number_opted_out=opted_out, pending=pending
	)
	if p.book is not None:
		assert pending is not None and pending.kind in (bt.OPTIONS, bt.CONFIRM) and not pending.expired
		assert any(p.book is option for option in pending.options)
		assert matched == 1 and not opted_out and lapse
		assert u.reading is not None and u.reading.kind == bt.PICK
	if p.offer is not None:
		assert matched == 1 and not opted_out and lapse and not p.needs_person
		assert p.offer.first_day is None or p.offer.first_day >= (now - timedelta(hours=6)).date()
	if u.reading is not None and u.reading.wish.first_day is not None:
		assert u.reading.wish.first_day >= (now - timedelta(hours=6)).date()  # Chicago's today
