"""What a reply does (engine.reply_plan.plan), read by engine.replies.understand(): safety first, categories,
the answers' keys, and no lapse left waiting on nobody."""

from datetime import date

import pytest

from winback_app.engine import answers, reply_plan
from winback_app.engine import booking_talk as bt
from winback_app.engine import replies as r
from winback_app.engine.faq import FaqEntry, example_answers, phrasings
from winback_app.engine.replies import understand

TODAY = date(2026, 11, 18)
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


def plan(body, *, matched=1, lapse=True, opted_out=False, hours=False, offered=0):
	u = understand(body, faq=FAQ, today=TODAY, offered_choices=offered, opted_out=opted_out)
	return u, reply_plan.plan(
		u, matched_patients=matched, has_lapse=lapse, number_opted_out=opted_out, has_hours=hours
	)


@pytest.mark.parametrize(
	"body",
	[
		"Yes, my tooth really hurts",
		"Book me in, my gums are bleeding",
		"my face is swollen and I have a fever",
		"Sí, me duele mucho la muela y tengo la cara hinchada",
	],
)
def test_a_clinical_text_goes_to_a_person_never_a_link(body):
	u, p = plan(body)
	assert u.category in (r.CLINICAL_CATEGORY, r.URGENT_CATEGORY)
	assert p.needs_person and p.pause
	assert p.answer in (answers.URGENT, answers.URGENT_CRISIS, answers.CLINICAL_RECEIVED)
	assert p.answer != reply_plan.ANSWER_BOOKING_LINK and not p.waits_on_patient


def test_urgent_is_marked_and_answered_with_the_phone_and_emergency_line():
	u, p = plan("My face is really swollen and I can't breathe well")
	assert u.urgent and p.urgent and p.answer == answers.URGENT
	# even from an unknown number: the answer that can save a life needs no identity
	_u, stranger = plan("My face is really swollen and I can't breathe well", matched=0, lapse=False)
	assert stranger.answer == answers.URGENT and stranger.needs_person and not stranger.pause


def test_complaint_and_billing_reach_a_person_with_the_clinical_received_answer():
	for body, category in (
		("I was charged twice for my last cleaning, this is wrong", r.BILLING_CATEGORY),
		("Your receptionist was incredibly rude to me, I want to complain", r.COMPLAINT_CATEGORY),
	):
		u, p = plan(body)
		assert (u.category, p.category) == (category, category)
		assert p.needs_person and p.answer == answers.CLINICAL_RECEIVED


def test_stop_first_and_an_urgent_stop_still_reaches_a_person():
	_u, p = plan("STOP")
	assert p.opt_out and p.answer == reply_plan.ANSWER_OPTED_OUT and not p.needs_person
	u, p = plan("Stop texting me, my jaw is swollen and I can't open my mouth")
	assert u.category == r.OPT_OUT
	assert p.opt_out and p.needs_person and p.urgent == u.urgent
	_u, again = plan("STOP", opted_out=True)
	assert again.opt_out and again.answer is None


def test_faq_clear_match_is_answered_and_the_cadence_goes_on():
	u, p = plan("what are your hours?")
	assert u.category == r.FAQ and p.answer == reply_plan.ANSWER_FAQ
	assert not p.pause and not p.needs_person and not p.counts_as_reply
	# a clear question needs no identity
	assert plan("what are your hours?", matched=0, lapse=False)[1].answer == reply_plan.ANSWER_FAQ


def test_faq_near_match_goes_to_a_person_with_the_suggestion():
	u, p = plan("is parking available?")
	assert u.faq_id == "Parking" and u.category == r.QUESTION_CATEGORY
	assert p.needs_person and p.pause
	assert p.suggested_answer == "Parking" and p.answer == reply_plan.ANSWER_THANKS


def test_not_now_snoozes_without_ending_the_cadence():
	_u, p = plan("not now, maybe later")
	assert p.snooze and p.snooze_until is None and p.answer == answers.SNOOZED
	assert not p.counts_as_reply and not p.pause and not p.needs_person
	u, p = plan("Text me again in March")
	assert u.category == r.NOT_NOW and p.snooze_until == date(2027, 3, 1)
	assert p.answer == answers.SNOOZED_UNTIL


def test_a_day_that_works_is_a_booking_that_gets_times_for_that_day():
	"""Book by text (issue 15): a day that works, even as a first reply, gets concrete times for it."""
	u, p = plan("next week works")
	assert u.category == r.BOOKING and p.answer is None
	assert p.offer == bt.Wish(first_day=date(2026, 11, 23), last_day=date(2026, 11, 29))
	assert p.pause and p.waits_on_patient and not p.offers_choices and not p.needs_person and p.book is None


def test_a_plain_yes_still_gets_the_link_and_the_parts_question():
	u, p = plan("Yes please")
	assert u.category == r.BOOKING and p.answer == reply_plan.ANSWER_BOOKING_LINK
	assert p.pause and p.waits_on_patient and p.offers_choices and not p.needs_person and p.offer is None


def test_a_choice_gets_times_and_waits_on_the_patient():
	_u, p = plan("2", offered=3)
	assert p.answer == reply_plan.ANSWER_SLOTS and p.waits_on_patient and not p.offers_choices


def test_a_yes_without_an_open_lapse_goes_to_a_person_never_an_empty_link():
	for body in ("Yes please", "2", "not now"):
		_u, p = plan(body, lapse=False, offered=0)
		assert p.needs_person and p.answer == reply_plan.ANSWER_THANKS
		assert p.answer not in (reply_plan.ANSWER_BOOKING_LINK, reply_plan.ANSWER_SLOTS)


def test_help_names_the_hours_when_the_practice_has_them():
	assert plan("HELP")[1].answer == answers.HELP
	assert plan("HELP", hours=True)[1].answer == answers.HELP_WITH_HOURS
	assert plan("HELP", opted_out=True)[1].answer == answers.HELP


def test_an_opted_out_number_gets_no_answer_but_a_person_reads_it():
	for body in ("what are your hours?", "book me in", "my tooth hurts"):
		_u, p = plan(body, opted_out=True)
		assert p.answer is None and p.needs_person
	# an opted-out number's "yes" is Twilio's YES: it opts back in
	assert plan("yes", opted_out=True)[1].opt_in


def test_family_numbers_are_never_guessed():
	_u, p = plan("yes please", matched=2, lapse=False)
	assert p.needs_person and p.answer == reply_plan.ANSWER_THANKS and not p.pause


def test_leaving_for_good_closes_and_other_reasons_reach_a_person():
	_u, p = plan("We moved to another state")
	assert p.close and not p.needs_person and p.leave_reason == r.MOVED
	_u, p = plan("It's just too expensive for us right now")
	assert p.needs_person and p.pause


def test_every_answer_key_is_a_real_answer():
	keys = set(answers.TEXTS) | {reply_plan.ANSWER_FAQ}
	bodies = ["STOP", "START", "HELP", "yes", "2", "later", "what are your hours?", "wrong number", "hm?"]
	for body in bodies:
		for lapse in (True, False):
			_u, p = plan(body, lapse=lapse, offered=3)
			assert p.answer is None or p.answer in keys


@pytest.mark.parametrize(
	"reason,closes,person",
	[
		(r.MOVED, True, False),
		(r.SWITCHED, True, False),
		(r.COST, False, True),
		(r.FEAR, False, True),
		(r.OTHER, False, True),
	],
)
def test_reasons_for_leaving_are_kept_and_some_close(reason, closes, person):
	u = r.Understanding(r.LEAVING_CATEGORY, r.Intent(r.LEAVING, leave_reason=reason), leave_reason=reason)
	p = reply_plan.plan(u, matched_patients=1, has_lapse=True, number_opted_out=False)
	assert p.leave_reason == reason and p.close == closes and p.needs_person == person


@pytest.mark.parametrize("matched", [0, 2])
def test_start_and_stop_work_from_any_number(matched):
	for body, flag in (("STOP", "opt_out"), ("START", "opt_in")):
		_u, p = plan(body, matched=matched, lapse=False, opted_out=body == "START")
		assert getattr(p, flag)


def test_the_language_of_the_answer():
	assert answers.reply_language("es-MX", "en") == "es", "a record set to Spanish wins"
	assert answers.reply_language("en", "es") == "es", "English is every record's default: the text decides"
	assert answers.reply_language(None, "en") == "en"
	assert answers.reply_language("fr", "es") == "es"
	assert answers.reply_language("fr", "en") == "en"


def test_a_sites_own_wording_is_filled_like_ours():
	text = answers.fill("{practice}: ¿dudas? {phone}", "es", practice="", phone="(555) 010-0100")
	assert text == "su clínica: ¿dudas? (555) 010-0100"
	assert answers.fill("Hasta el {date}", "es", date=date(2027, 3, 1)) == "Hasta el 1 de marzo"


def test_no_triaged_text_of_the_corpus_is_ever_answered_with_a_link_an_faq_or_a_pause():
	"""Property: whatever the sender's situation, a text that names an urgent or clinical sign, a complaint, a
	bill or a death gets a person and an answer that carries no link (the urgent ones: the phone and 911)."""
	from itertools import product

	from tests.unit.corpus_replies import CORPUS
	from winback_app.engine.triage import URGENT_EXAMPLES

	texts = [case.text for case in CORPUS] + list(URGENT_EXAMPLES)
	situations = list(product((0, 1, 2), (True, False), (True, False), (0, 3)))
	checked = 0
	for text in texts:
		for opted_out in (True, False):
			u = understand(text, faq=FAQ, today=TODAY, offered_choices=3, opted_out=opted_out)
			if not u.triage:
				continue
			for matched, lapse, hours, _offered in situations:
				p = reply_plan.plan(
					u, matched_patients=matched, has_lapse=lapse, number_opted_out=opted_out, has_hours=hours
				)
				assert p.needs_person, text
				assert p.answer not in (
					reply_plan.ANSWER_BOOKING_LINK,
					reply_plan.ANSWER_SLOTS,
					reply_plan.ANSWER_FAQ,
					reply_plan.ANSWER_SNOOZED,
					reply_plan.ANSWER_SNOOZED_UNTIL,
				), text
				assert not (p.snooze or p.waits_on_patient or p.offers_choices), text
				if u.urgent and not p.opt_out and not opted_out:
					assert p.answer in (reply_plan.ANSWER_URGENT, reply_plan.ANSWER_URGENT_CRISIS), text
				checked += 1
	assert checked > 1000
