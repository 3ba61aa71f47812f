import pytest

from winback_app.engine import replies as r
from winback_app.engine import reply_plan


def intent(kind, **kw):
	return r.Intent(kind, **kw)


def test_stop_opts_out_with_one_confirmation():
	first = reply_plan.plan(intent(r.STOP), matched_patients=1, has_lapse=True, number_opted_out=False)
	assert first.opt_out and first.answer == reply_plan.ANSWER_OPTED_OUT
	repeat = reply_plan.plan(intent(r.STOP), matched_patients=1, has_lapse=True, number_opted_out=True)
	assert repeat.opt_out and repeat.answer is None


def test_stop_from_unknown_or_family_numbers_still_opts_out():
	for matched in (0, 3):
		assert reply_plan.plan(
			intent(r.STOP), matched_patients=matched, has_lapse=False, number_opted_out=False
		).opt_out


def test_start_reenables_only_an_opted_out_number():
	assert (
		reply_plan.plan(intent(r.START), matched_patients=1, has_lapse=False, number_opted_out=True).answer
		== reply_plan.ANSWER_RESUBSCRIBED
	)
	assert (
		reply_plan.plan(intent(r.START), matched_patients=1, has_lapse=False, number_opted_out=False).answer
		is None
	)


def test_opted_out_number_gets_no_answers_but_a_person_sees_questions():
	p = reply_plan.plan(intent(r.QUESTION), matched_patients=1, has_lapse=True, number_opted_out=True)
	assert p.answer is None and p.needs_person and not p.pause
	assert (
		reply_plan.plan(intent(r.HELP), matched_patients=1, has_lapse=True, number_opted_out=True).answer
		== reply_plan.ANSWER_HELP
	)
	assert (
		reply_plan.plan(intent(r.BOOK), matched_patients=1, has_lapse=True, number_opted_out=True).answer is None
	)


@pytest.mark.parametrize("matched", [0, 2])
def test_never_guess_the_patient(matched):
	p = reply_plan.plan(intent(r.BOOK), matched_patients=matched, has_lapse=False, number_opted_out=False)
	assert p.needs_person and not p.pause and p.answer == reply_plan.ANSWER_THANKS


def test_question_pauses_and_calls_a_person():
	p = reply_plan.plan(intent(r.QUESTION), matched_patients=1, has_lapse=True, number_opted_out=False)
	assert p.pause and p.needs_person


def test_booking_intent_answers_with_the_link_and_choices_with_slots():
	assert (
		reply_plan.plan(intent(r.BOOK), matched_patients=1, has_lapse=True, number_opted_out=False).answer
		== reply_plan.ANSWER_BOOKING_LINK
	)
	assert (
		reply_plan.plan(
			intent(r.CHOICE, choice=2), matched_patients=1, has_lapse=True, number_opted_out=False
		).answer
		== reply_plan.ANSWER_SLOTS
	)


def test_later_snoozes():
	p = reply_plan.plan(intent(r.LATER), matched_patients=1, has_lapse=True, number_opted_out=False)
	assert p.snooze and not p.needs_person


def test_wrong_number_flags_and_closes():
	p = reply_plan.plan(intent(r.WRONG_NUMBER), matched_patients=1, has_lapse=True, number_opted_out=False)
	assert p.flag_wrong_number and p.close


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
	p = reply_plan.plan(
		intent(r.LEAVING, leave_reason=reason), matched_patients=1, has_lapse=True, number_opted_out=False
	)
	assert p.leave_reason == reason and p.close == closes and p.needs_person == person
