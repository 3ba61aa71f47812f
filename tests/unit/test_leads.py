"""engine/leads.py: when a lead's texts may leave, which channel, what confirms, the funnel. No frappe."""

from datetime import datetime, timedelta, timezone

from winback_app.engine import leads as rules
from winback_app.engine.window import SendWindow

NY = "America/New_York"
WINDOW = SendWindow.from_settings("09:00", "19:00", (0, 1, 2, 3, 4))
# Tuesday 8 December 2026, 23:00 in New York (04:00 UTC on Wednesday)
TUESDAY_23 = datetime(2026, 12, 9, 4, 0, tzinfo=timezone.utc)
WEDNESDAY_9 = datetime(2026, 12, 9, 14, 0, tzinfo=timezone.utc)


def test_someone_who_wrote_first_is_answered_at_once_day_or_night():
	assert rules.first_due(TUESDAY_23, TUESDAY_23, True, WINDOW, NY) == TUESDAY_23
	assert rules.first_due(TUESDAY_23, TUESDAY_23 - timedelta(minutes=59), True, WINDOW, NY) == TUESDAY_23


def test_everyone_else_waits_for_the_window():
	assert rules.first_due(TUESDAY_23, TUESDAY_23, False, WINDOW, NY) == WEDNESDAY_9
	# A message of their own that is no longer fresh (the worker was down for hours) waits too.
	assert rules.first_due(TUESDAY_23, TUESDAY_23 - timedelta(hours=2), True, WINDOW, NY) == WEDNESDAY_9


def test_the_last_look_lets_only_a_fresh_first_answer_out_of_hours():
	assert rules.may_leave_now(rules.FIRST, True, TUESDAY_23, TUESDAY_23, WINDOW, NY) is None
	assert rules.may_leave_now(rules.FOLLOW_UP_1, True, TUESDAY_23, TUESDAY_23, WINDOW, NY) == WEDNESDAY_9
	assert rules.may_leave_now(rules.FIRST, False, TUESDAY_23, TUESDAY_23, WINDOW, NY) == WEDNESDAY_9
	assert rules.may_leave_now(rules.FOLLOW_UP_2, False, None, WEDNESDAY_9, WINDOW, NY) is None


def test_follow_ups_fall_in_the_window_and_skip_the_weekend():
	due = dict(rules.follow_ups_due(TUESDAY_23, WINDOW, NY))
	assert due[rules.FOLLOW_UP_1] == datetime(2026, 12, 10, 14, 0, tzinfo=timezone.utc)  # Thursday 9:00
	assert due[rules.FOLLOW_UP_2] == datetime(2026, 12, 14, 14, 0, tzinfo=timezone.utc)  # Monday 9:00


def test_channel_text_then_email_then_a_call():
	r = rules.Reach(mobile="+12025550101", email="a@example.com")
	assert rules.channel_for(r) == rules.SMS
	assert (
		rules.channel_for(rules.Reach(mobile="+12025550101", number_block="Opted Out", email="a@example.com"))
		== rules.EMAIL
	)
	assert rules.channel_for(rules.Reach(mobile="+12025550101", require_consent=True)) == rules.CALL_TASK
	assert (
		rules.channel_for(rules.Reach(mobile="+12025550101", require_consent=True, consent="Granted"))
		== rules.SMS
	)
	assert (
		rules.channel_for(rules.Reach(mobile="+12025550101", consent="Revoked", email="a@example.com"))
		== rules.EMAIL
	)


def test_the_request_form_texts_only_with_its_box_ticked():
	assert rules.consent_required(rules.REQUEST_FORM, False)
	assert not rules.consent_required(rules.LEAD, False)
	assert rules.consent_required(rules.MISSED_CALL, True)
	unticked = rules.Reach(
		mobile="+12025550101",
		email="a@example.com",
		require_consent=rules.consent_required(rules.REQUEST_FORM, False),
		wrote_first=True,
	)
	assert rules.channel_for(unticked) == rules.EMAIL, "they asked us to get back to them"


def test_where_consent_is_required_an_imported_lead_without_it_gets_a_call_not_an_email():
	imported = rules.Reach(mobile="+12025550101", email="a@example.com", require_consent=True)
	assert rules.channel_for(imported) == rules.CALL_TASK
	assert (
		rules.channel_for(rules.Reach(email="a@example.com", require_consent=True, consent="Granted"))
		== rules.EMAIL
	)


def test_missed_calls_are_incoming_and_unanswered():
	assert rules.is_missed_call("Incoming", "No Answer")
	assert rules.is_missed_call("Incoming", "Busy")
	assert not rules.is_missed_call("Incoming", "Completed")
	assert not rules.is_missed_call("Outgoing", "No Answer")


def test_what_confirms():
	for body in ("C", "c", "C.", " c ", "Confirm", "CONFIRMED", "c yes"):
		assert rules.is_confirmation(body), body
	for body in ("Can't come", "cancel", "call me", "", None, "C me Friday"):
		assert not rules.is_confirmation(body), body


def test_a_confirmation_request_that_would_arrive_too_late_is_not_sent():
	starts = WEDNESDAY_9 + timedelta(hours=1)
	assert rules.confirm_due(TUESDAY_23, starts, WINDOW, NY) is None
	assert rules.confirm_due(TUESDAY_23, starts + timedelta(hours=5), WINDOW, NY) == WEDNESDAY_9


def test_resting_after_the_last_text():
	assert not rules.resting(None, WEDNESDAY_9)
	assert not rules.resting(WEDNESDAY_9, WEDNESDAY_9 + timedelta(days=2))
	assert rules.resting(WEDNESDAY_9, WEDNESDAY_9 + rules.REST_AFTER)


def test_every_step_has_words():
	for source in rules.SOURCES:
		for step in rules.STEPS:
			text = rules.TEXTS[rules.words_key(source, step)]
			text.format(first_name="Jo", practice="Bright Smile", phone="555", when="Friday")


def test_the_funnel_per_source():
	t0 = datetime(2026, 12, 1, 12, 0)
	rows = [
		(rules.REQUEST_FORM, "Came", t0, t0 + timedelta(seconds=30), True, True),
		(rules.REQUEST_FORM, "Booked", t0, t0 + timedelta(minutes=1, seconds=30), True, False),
		(rules.REQUEST_FORM, "New", t0, None, False, False),
		(rules.MISSED_CALL, "Answered", t0, t0 + timedelta(minutes=2), False, False),
	]
	form, call = rules.funnel(rows)
	assert (form.source, form.leads, form.answered, form.booked, form.came) == (
		rules.REQUEST_FORM,
		3,
		2,
		2,
		1,
	)
	assert form.median_minutes_to_answer == 1.0
	assert (call.source, call.leads, call.answered, call.median_minutes_to_answer) == (
		rules.MISSED_CALL,
		1,
		1,
		2.0,
	)


def test_a_walk_in_who_visited_is_not_a_new_patient_for_the_never_booked_campaign():
	from datetime import date

	from winback_app.engine import detection as d
	from winback_app.engine.segments import SegmentSpec

	seg = SegmentSpec(name="New", rule_kind=d.NEVER_BOOKED_RULE, priority=1, min_days=7, max_days=90)
	today = date(2026, 12, 1)
	facts = {p: d.PatientFacts(p, mobile="+12025550101", dob=date(1980, 1, 1)) for p in ("walk-in", "new")}
	candidates = {
		"New": {
			"walk-in": d.Candidate(
				"walk-in", date(2026, 11, 20), "Patient", "walk-in", last_visit=date(2026, 11, 21)
			),
			"new": d.Candidate("new", date(2026, 11, 20), "Patient", "new"),
		}
	}
	result = d.arbitrate([seg], candidates, facts, set(), today, "2026-12")
	assert [e.patient for e in result.entries] == ["new"]
	assert [(x.patient, x.reason) for x in result.exclusions] == [("walk-in", d.ALREADY_VISITED)]
