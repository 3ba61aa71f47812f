"""decide() and ensure_first_sms_identifies(): the send-time checks, as tables."""

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from winback_app.engine.sending import (
	POSTPONE,
	SEND,
	SKIP,
	Caps,
	Decision,
	SendFacts,
	decide,
	ensure_first_sms_identifies,
)
from winback_app.engine.window import SendWindow

NY = "America/New_York"
LA = "America/Los_Angeles"
LONDON = "Europe/London"
UTC = timezone.utc
WINDOW = SendWindow(time(9), time(19), (0, 1, 2, 3, 4))
CAPS = Caps(per_day=1, per_week=3)


def at(y, m, d, h, mi=0, tz=NY) -> datetime:
	return datetime(y, m, d, h, mi, tzinfo=ZoneInfo(tz))


WED_1030 = at(2026, 11, 18, 10, 30)  # Wednesday, inside the window in New York
THU_0900 = at(2026, 11, 19, 9).astimezone(UTC)
MON_0900 = at(2026, 11, 23, 9).astimezone(UTC)

BASE = SendFacts(
	channel="SMS",
	now=WED_1030,
	time_zone=NY,
	lapse_status="In Cadence",
	mobile="+12125550100",
	email="pat@example.com",
)


def facts(**changes) -> SendFacts:
	return replace(BASE, **changes)


def run(f: SendFacts, caps: Caps = CAPS) -> Decision:
	return decide(f, WINDOW, caps)


# ---------------------------------------------------------------- the lapse and the patient


@pytest.mark.parametrize(
	"status", ["Holdout", "Booked", "Reactivated", "Opted Out", "Exhausted", "Closed", ""]
)
@pytest.mark.parametrize("channel", ["SMS", "Email", "Call Task"])
def test_inactive_lapse_skips(status, channel):
	assert run(facts(lapse_status=status, channel=channel)) == Decision(SKIP, reason=f"Lapse is {status}")


@pytest.mark.parametrize("status", ["Open", "In Cadence"])
def test_active_lapse_sends(status):
	assert run(facts(lapse_status=status)) == Decision(SEND, "SMS")


def test_a_reply_waiting_for_a_person_holds_the_rest_of_the_cadence():
	decision = run(facts(lapse_status="Replied", replied=True, skip_if_replied=False))
	assert decision.action == POSTPONE and "Waiting for a person" in decision.reason
	assert decision.postpone_until == at(2026, 11, 19, 10, 30).astimezone(UTC)


@pytest.mark.parametrize(
	("changes", "expected"),
	[
		(
			dict(do_not_contact=True),
			Decision(SKIP, reason="Patient is marked do not contact"),
		),
		(
			dict(do_not_contact=True, channel="Call Task"),
			Decision(SKIP, reason="Patient is marked do not contact"),
		),
		(
			dict(replied=True, skip_if_replied=True),
			Decision(SKIP, reason="Patient replied"),
		),
		(
			dict(replied=True, skip_if_replied=True, lapse_status="Replied", channel="Email"),
			Decision(SKIP, reason="Patient replied"),
		),
		(
			dict(replied=True, skip_if_replied=False),
			Decision(SEND, "SMS"),
		),
		(
			dict(replied=False, skip_if_replied=True),
			Decision(SEND, "SMS"),
		),
	],
	ids=[
		"do-not-contact",
		"do-not-contact-call",
		"replied-skip",
		"replied-skip-email",
		"replied-no-skip",
		"not-replied",
	],
)
def test_patient_level_checks(changes, expected):
	assert run(facts(**changes)) == expected


# ---------------------------------------------------------------- snooze


@pytest.mark.parametrize(
	("snoozed_until", "expected_until"),
	[
		(at(2026, 11, 18, 10, 31), at(2026, 11, 18, 10, 31).astimezone(UTC)),  # inside window: exactly then
		(at(2026, 11, 18, 20), THU_0900),  # evening -> next morning
		(at(2026, 11, 21, 12), MON_0900),  # Saturday -> Monday 9:00
		(at(2026, 11, 19, 6), THU_0900),  # early morning -> that day's opening
		(datetime(2026, 11, 19, 13, 0, tzinfo=UTC), THU_0900),  # 8:00 New York given in UTC
	],
)
@pytest.mark.parametrize("channel", ["SMS", "Email", "Call Task"])
def test_snooze_postpones_to_the_next_opening_after_it(snoozed_until, expected_until, channel):
	d = run(facts(snoozed_until=snoozed_until, channel=channel))
	assert d.action == POSTPONE
	assert d.reason == "Patient asked us to wait"
	assert d.postpone_until == expected_until
	assert d.postpone_until.utcoffset() == timedelta(0)


@pytest.mark.parametrize("snoozed_until", [WED_1030, WED_1030 - timedelta(days=2)])
def test_snooze_that_has_passed_does_not_hold_anything(snoozed_until):
	assert run(facts(snoozed_until=snoozed_until)) == Decision(SEND, "SMS")


def test_snooze_counts_in_the_patients_time_zone():
	# Saturday 14:00 Los Angeles; next opening is Monday 9:00 Los Angeles, not New York.
	d = run(
		facts(time_zone=LA, now=at(2026, 11, 18, 10, 30, tz=LA), snoozed_until=at(2026, 11, 21, 14, tz=LA))
	)
	assert d.postpone_until == at(2026, 11, 23, 9, tz=LA).astimezone(UTC)


# ---------------------------------------------------------------- SMS problems and the email fallback

FELL_BACK = Decision(SEND, "Email")


@pytest.mark.parametrize(
	("changes", "expected"),
	[
		# no mobile
		(dict(mobile=None), FELL_BACK),
		(dict(mobile=""), FELL_BACK),
		(dict(mobile=None, fall_back_to_email=False), Decision(SKIP, reason="No valid mobile number")),
		(dict(mobile=None, email=None), Decision(SKIP, reason="No valid mobile number")),
		(dict(mobile=None, email=""), Decision(SKIP, reason="No valid mobile number")),
		(dict(mobile=None, email_unsubscribed=True), Decision(SKIP, reason="No valid mobile number")),
		# STOP: never an email in its place
		(dict(number_block="Opted Out"), Decision(SKIP, reason="Number opted out of texts")),
		(
			dict(number_block="Opted Out", fall_back_to_email=True, sms_consent="Granted"),
			Decision(SKIP, reason="Number opted out of texts"),
		),
		(dict(sms_consent="Revoked"), Decision(SKIP, reason="Text consent revoked")),
		(
			dict(sms_consent="Revoked", require_consent=True),
			Decision(SKIP, reason="Text consent revoked"),
		),
		(dict(sms_consent="Revoked", mobile=None), Decision(SKIP, reason="No valid mobile number")),
		# wrong or invalid numbers fall back
		(dict(number_block="Wrong Number"), FELL_BACK),
		(dict(number_block="Invalid Number"), FELL_BACK),
		(
			dict(number_block="Wrong Number", fall_back_to_email=False),
			Decision(SKIP, reason="Number flagged: Wrong Number"),
		),
		(
			dict(number_block="Invalid Number", email=None),
			Decision(SKIP, reason="Number flagged: Invalid Number"),
		),
		(
			dict(number_block="Invalid Number", email_unsubscribed=True),
			Decision(SKIP, reason="Number flagged: Invalid Number"),
		),
		# consent policy
		(
			dict(require_consent=True, sms_consent="Unknown", email=None),
			Decision(SKIP, reason="No text consent on file"),
		),
		# "only patients who granted consent" holds for email too: no email in the text's place
		(dict(require_consent=True, sms_consent="Unknown"), Decision(SKIP, reason="No consent on file")),
		(
			dict(require_consent=True, sms_consent="Unknown", fall_back_to_email=False),
			Decision(SKIP, reason="No text consent on file"),
		),
		(dict(require_consent=True, sms_consent="Granted"), Decision(SEND, "SMS")),
		(dict(require_consent=False, sms_consent="Unknown"), Decision(SEND, "SMS")),
		# an email unsubscribe does not stop texts
		(dict(email_unsubscribed=True), Decision(SEND, "SMS")),
	],
	ids=lambda v: None if isinstance(v, Decision) else ",".join(f"{k}={v[k]}" for k in v),
)
def test_sms_checks_and_fallback(changes, expected):
	assert run(facts(**changes)) == expected


@pytest.mark.parametrize(
	("changes", "expected"),
	[
		(dict(), Decision(SEND, "Email")),
		(dict(email=None), Decision(SKIP, reason="No email address")),
		(dict(email=""), Decision(SKIP, reason="No email address")),
		(dict(email_unsubscribed=True), Decision(SKIP, reason="Unsubscribed from email")),
		# text-only problems do not touch email
		(dict(mobile=None, number_block="Opted Out", sms_consent="Revoked"), Decision(SEND, "Email")),
		# the practice's consent choice holds for email as for texts
		(dict(require_consent=True, sms_consent="Unknown"), Decision(SKIP, reason="No consent on file")),
		(dict(require_consent=True, sms_consent="Granted"), Decision(SEND, "Email")),
	],
	ids=["ok", "no-email", "empty-email", "unsubscribed", "sms-blocks", "no-consent", "consent"],
)
def test_email_checks(changes, expected):
	assert run(facts(channel="Email", **changes)) == expected


# ---------------------------------------------------------------- the send window


@pytest.mark.parametrize(
	("now", "tz", "expected"),
	[
		(at(2026, 11, 18, 10, 30), NY, None),  # inside
		(at(2026, 11, 18, 9, 0), NY, None),  # opening instant is inside
		(at(2026, 11, 18, 18, 59), NY, None),
		(at(2026, 11, 18, 19, 0), NY, THU_0900),  # closing instant is outside
		(at(2026, 11, 18, 6), NY, at(2026, 11, 18, 9).astimezone(UTC)),
		(at(2026, 11, 20, 20), NY, MON_0900),  # Friday evening -> Monday
		(at(2026, 11, 21, 12), NY, MON_0900),  # Saturday
		# the same instants, the patient in another zone
		(at(2026, 11, 18, 10, 30), LA, at(2026, 11, 18, 9, tz=LA).astimezone(UTC)),  # 7:30 in LA
		(at(2026, 11, 18, 10, 30), LONDON, None),  # 15:30 in London
		(at(2026, 11, 18, 15, 0), LONDON, at(2026, 11, 19, 9, tz=LONDON).astimezone(UTC)),  # 20:00 London
		(at(2026, 11, 18, 15, 0), LA, None),  # 12:00 in LA
		# no time zone on the patient: UTC
		(datetime(2026, 11, 18, 8, 0, tzinfo=UTC), None, datetime(2026, 11, 18, 9, 0, tzinfo=UTC)),
	],
)
@pytest.mark.parametrize("channel", ["SMS", "Email"])
def test_window(now, tz, expected, channel):
	d = run(facts(channel=channel, now=now, time_zone=tz))
	if expected is None:
		assert d == Decision(SEND, channel)
	else:
		assert d == Decision(POSTPONE, channel, "Outside the send window", expected)


@pytest.mark.parametrize(
	("now", "tz", "expected_local"),
	[
		# US spring forward (Sunday 8 March 2026): Friday 20:00 EST -> Monday 9:00 EDT
		(at(2026, 3, 6, 20), NY, at(2026, 3, 9, 9)),
		# US fall back (Sunday 1 November 2026): Friday 20:00 EDT -> Monday 9:00 EST
		(at(2026, 10, 30, 20), NY, at(2026, 11, 2, 9)),
		# EU fall back (Sunday 25 October 2026) in London
		(at(2026, 10, 23, 19, 30, tz=LONDON), LONDON, at(2026, 10, 26, 9, tz=LONDON)),
		# EU spring forward (Sunday 29 March 2026) in London
		(at(2026, 3, 27, 22, tz=LONDON), LONDON, at(2026, 3, 30, 9, tz=LONDON)),
		# Los Angeles, across the US change, the instant given in UTC
		(datetime(2026, 3, 7, 12, 0, tzinfo=UTC), LA, at(2026, 3, 9, 9, tz=LA)),
	],
)
def test_window_across_dst_opens_at_local_nine(now, tz, expected_local):
	d = run(facts(now=now, time_zone=tz))
	assert d.action == POSTPONE
	assert d.postpone_until == expected_local.astimezone(UTC)
	assert d.postpone_until.astimezone(ZoneInfo(tz)).time() == time(9)


def test_dst_offsets_differ_across_the_change():
	before = run(facts(now=at(2026, 3, 6, 20))).postpone_until
	assert before == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # EDT is UTC-4
	after = run(facts(now=at(2026, 10, 30, 20))).postpone_until
	assert after == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # EST is UTC-5


def test_fallback_email_is_held_to_the_window_too():
	assert run(facts(mobile=None, now=at(2026, 11, 18, 20))) == Decision(
		POSTPONE, "Email", "Outside the send window", THU_0900
	)


# ---------------------------------------------------------------- caps

DAY_PATIENT = "Daily message cap reached for this patient"
WEEK_PATIENT = "Weekly message cap reached for this patient"
DAY_NUMBER = "Daily message cap reached for this number"
WEEK_NUMBER = "Weekly message cap reached for this number"


@pytest.mark.parametrize(
	("channel", "counts", "caps", "reason"),
	[
		("SMS", dict(patient_day=1), Caps(1, 3), DAY_PATIENT),
		("SMS", dict(patient_day=5), Caps(1, 3), DAY_PATIENT),
		("Email", dict(patient_day=1), Caps(1, 3), DAY_PATIENT),
		("SMS", dict(patient_day=1), Caps(2, 3), None),
		("SMS", dict(patient_week=3), Caps(1, 3), WEEK_PATIENT),
		("Email", dict(patient_week=3), Caps(1, 3), WEEK_PATIENT),
		("SMS", dict(patient_week=2), Caps(1, 3), None),
		("SMS", dict(patient_day=1, patient_week=3), Caps(1, 3), DAY_PATIENT),  # the daily cap is named first
		# number caps: SMS only
		("SMS", dict(number_day=1), Caps(1, 3), DAY_NUMBER),
		("SMS", dict(number_week=3), Caps(1, 3), WEEK_NUMBER),
		("Email", dict(number_day=1), Caps(1, 3), None),
		("Email", dict(number_week=9), Caps(1, 3), None),
		# 0 means no cap
		("SMS", dict(patient_day=50, number_day=50), Caps(0, 3), None),
		("SMS", dict(patient_week=50, number_week=50), Caps(1, 0), None),
		("SMS", dict(patient_day=50, patient_week=50, number_day=50, number_week=50), Caps(0, 0), None),
		("Email", dict(patient_day=50, patient_week=50), Caps(0, 0), None),
		("SMS", dict(patient_week=5), Caps(0, 3), WEEK_PATIENT),
		("SMS", dict(number_day=2), Caps(1, 0), DAY_NUMBER),
	],
)
def test_caps(channel, counts, caps, reason):
	d = run(facts(channel=channel, **counts), caps)
	if reason is None:
		assert d == Decision(SEND, channel)
	else:
		# the counts are rolling (last 24 h / 7 days): hold it a day, then into the window
		expected = WINDOW.next_open(WED_1030 + timedelta(days=1), NY)
		assert d == Decision(POSTPONE, channel, reason, expected)


@pytest.mark.parametrize(
	("now", "expected"),
	[
		# Wednesday 10:30 -> Thursday 10:30: inside Thursday's window, a full day after
		(at(2026, 11, 18, 10, 30), at(2026, 11, 19, 10, 30).astimezone(UTC)),
		# Friday -> Saturday is closed -> Monday's opening
		(at(2026, 11, 20, 15), MON_0900),
		# Thursday 18:30 -> Friday 18:30, still inside
		(at(2026, 11, 19, 18, 30), at(2026, 11, 20, 18, 30).astimezone(UTC)),
	],
)
def test_cap_postpones_to_the_next_day_in_the_window(now, expected):
	d = run(facts(now=now, patient_day=1))
	assert d.action == POSTPONE
	assert d.postpone_until == expected
	assert WINDOW.is_open(d.postpone_until, NY)
	assert d.postpone_until >= now + timedelta(days=1)


def test_number_caps_do_not_touch_an_email_fallback():
	assert run(facts(mobile=None, number_day=5, number_week=5)) == Decision(SEND, "Email")


def test_cap_postpone_in_another_time_zone():
	now = at(2026, 11, 20, 15, tz=LONDON)  # Friday in London
	d = run(facts(now=now, time_zone=LONDON, patient_week=3))
	assert d.postpone_until == at(2026, 11, 23, 9, tz=LONDON).astimezone(UTC)


# ---------------------------------------------------------------- call tasks


@pytest.mark.parametrize(
	"changes",
	[
		dict(now=at(2026, 11, 21, 3)),  # Saturday 3:00: outside the window
		dict(now=at(2026, 11, 18, 22), time_zone=LA),
		dict(patient_day=9, patient_week=9, number_day=9, number_week=9),
		dict(
			mobile=None, email=None, number_block="Opted Out", email_unsubscribed=True, sms_consent="Revoked"
		),
		dict(require_consent=True, sms_consent="Unknown"),
	],
	ids=["outside-window", "outside-window-la", "over-caps", "no-contact-details", "no-consent"],
)
def test_call_task_ignores_window_caps_and_channel_blocks(changes):
	assert run(facts(channel="Call Task", **changes)) == Decision(SEND, "Call Task")


# ---------------------------------------------------------------- the first text names the practice

PRACTICE = "Bright Smile Dental"
OPT_OUT = "Reply STOP to opt out."


@pytest.mark.parametrize(
	("practice", "body", "first", "expected"),
	[
		(
			PRACTICE,
			"Hi Pat, it's been a while. Book: https://x.example/b",
			True,
			f"{PRACTICE}: Hi Pat, it's been a while. Book: https://x.example/b {OPT_OUT}",
		),
		# not the first text: left alone
		(PRACTICE, "Hi Pat, it's been a while.", False, "Hi Pat, it's been a while."),
		# already names the practice (any case): no second name
		(PRACTICE, "Hi Pat, bright smile dental here.", True, f"Hi Pat, bright smile dental here. {OPT_OUT}"),
		# already says how to opt out: no second opt-out line
		(PRACTICE, f"Hi Pat. {OPT_OUT}", True, f"{PRACTICE}: Hi Pat. {OPT_OUT}"),
		(
			PRACTICE,
			"Hi Pat. Text stop to unsubscribe.",
			True,
			f"{PRACTICE}: Hi Pat. Text stop to unsubscribe.",
		),
		# both present: unchanged
		(PRACTICE, f"{PRACTICE}: Hi Pat. {OPT_OUT}", True, f"{PRACTICE}: Hi Pat. {OPT_OUT}"),
		# no practice name configured: only the opt-out line
		("", "Hi Pat.", True, f"Hi Pat. {OPT_OUT}"),
	],
	ids=["adds-both", "not-first", "has-name", "has-opt-out", "has-stop-lowercase", "has-both", "no-name"],
)
def test_first_sms_identifies(practice, body, first, expected):
	assert ensure_first_sms_identifies(body, first, practice, OPT_OUT) == expected


def test_first_sms_is_idempotent():
	once = ensure_first_sms_identifies("Hi Pat.", True, PRACTICE, OPT_OUT)
	twice = ensure_first_sms_identifies(once, True, PRACTICE, OPT_OUT)
	assert twice == once
	assert twice.count(PRACTICE) == 1
	assert twice.count(OPT_OUT) == 1


@pytest.mark.parametrize(
	"body",
	[
		"Hi Pat, stop by any time this week: https://x.example/b",
		"Our nonstop Saturday hours are back, Pat.",
	],
	ids=["stop-by", "nonstop"],
)
def test_first_sms_says_how_to_opt_out_even_when_the_body_says_stop(body):
	result = ensure_first_sms_identifies(body, True, PRACTICE, OPT_OUT)
	assert OPT_OUT in result


# ---------------------------------------------------------------- a state's stricter end (texts only)

LATE = SendWindow(time(9), time(21), (0, 1, 2, 3, 4))


def test_a_florida_patient_gets_no_text_after_eight_pm():
	florida = facts(now=at(2026, 11, 18, 20, 15), latest_end=time(20), state="Florida")
	d = decide(florida, LATE, CAPS)
	assert d == Decision(POSTPONE, "SMS", "Outside the send window: texts end at 20:00 in Florida", THU_0900)
	assert decide(replace(florida, latest_end=None, state=None), LATE, CAPS) == Decision(SEND, "SMS")
	assert decide(replace(florida, now=at(2026, 11, 18, 19, 59)), LATE, CAPS) == Decision(SEND, "SMS")


def test_state_hours_do_not_hold_email():
	d = decide(
		facts(channel="Email", now=at(2026, 11, 18, 20, 15), latest_end=time(20), state="Florida"), LATE, CAPS
	)
	assert d == Decision(SEND, "Email")


def test_a_state_end_before_the_clinic_opens_skips_the_text():
	d = decide(facts(latest_end=time(8, 30), state="Florida"), WINDOW, CAPS)
	assert d == Decision(SKIP, reason="No texting hours left in Florida")


def test_decisions_follow_the_step_channel_given():
	"""The claim passes the campaign step's channel as it is now: an SMS step switched to email is decided,
	and sent, as an email."""
	assert run(facts(channel="Email")) == Decision(SEND, "Email")


# ---------------------------------------------------------------- at the moment of leaving

from winback_app.engine.sending import (  # noqa: E402
	DELIVERY_RANK,
	MAX_SMS_SEGMENTS,
	Breaker,
	at_leave,
	chunk_for_pace,
	merged_status,
	sms_problem_at_send,
)


def test_at_leave_gives_the_seconds_left_as_validity():
	leave = at_leave(WINDOW, NY, at(2026, 11, 18, 18, 50))
	assert (leave.ok, leave.valid_for) == (True, 600)
	assert at_leave(WINDOW, NY, at(2026, 11, 18, 9, 0)).valid_for == 36000, "10 h: Twilio's ceiling"


@pytest.mark.parametrize(
	("now", "until"),
	[
		(at(2026, 11, 18, 19, 0) + timedelta(seconds=30), THU_0900),  # closed since 30 s
		(at(2026, 11, 18, 18, 59) + timedelta(seconds=30), THU_0900),  # 30 s left: too little
		(at(2026, 11, 18, 7, 0), at(2026, 11, 18, 9).astimezone(UTC)),  # not open yet
		(at(2026, 11, 20, 18, 59) + timedelta(seconds=30), MON_0900),  # Friday's last seconds
	],
)
def test_at_leave_holds_a_message_when_the_window_closed_meanwhile(now, until):
	leave = at_leave(WINDOW, NY, now)
	assert (leave.ok, leave.until) == (False, until)


def test_at_leave_in_another_zone():
	assert at_leave(WINDOW, LA, at(2026, 11, 18, 20, 0)).ok  # 17:00 in Los Angeles
	assert not at_leave(WINDOW, LONDON, at(2026, 11, 18, 15, 0)).ok  # 20:00 in London


LINK = "https://clinic.example.com/book/Xy7Qk2Lm9Np4Rs6T"


@pytest.mark.parametrize(
	("body", "practice", "allow", "problem"),
	[
		(f"Alex, time to book: {LINK}", "Bright Smile", False, None),
		("Alex, time to book!", "Bright Smile", False, "The text has no booking link"),
		(f"Alex, your crown is ready: {LINK}", "Bright Smile", False, "Clinical words in the text: crown"),
		(f"Alex, your crown is ready: {LINK}", "Bright Smile", True, None),
		(f"Crown Dental: Alex, time to book {LINK}", "Crown Dental", False, None),  # the clinic's own name
		(f"Hi Botox, book {LINK}", "Bright Smile", False, "Clinical words in the text: botox"),  # a name
		(f"Alex {'x' * 500} {LINK}", "Bright Smile", False, "The text is 4 SMS segments long (at most 3)"),
		(f"Alex 😀 {'x' * 150} {LINK}", "", False, "The text is 4 SMS segments long (at most 3)"),
	],
)
def test_the_rendered_text_is_checked_again_before_it_leaves(body, practice, allow, problem):
	assert (
		sms_problem_at_send(body, booking_link=LINK, practice_name=practice, allow_clinical=allow) == problem
	)
	assert MAX_SMS_SEGMENTS == 3


@pytest.mark.parametrize(
	("ours", "reported", "kept"),
	[
		("Sent", "Delivered", "Delivered"),  # "delivered" arrived while the chunk was still sending
		("Sent", "Failed", "Failed"),  # the carrier refused it: the report knows better
		("Sent", "Sent", "Sent"),
		("Unknown", "Sent", "Sent"),  # a 5xx after creation: the report says it went
		("Unknown", "Delivered", "Delivered"),
		("Scheduled", "Sent", "Sent"),  # never put back to go again once Twilio reported it
		("Sent", "Sending", "Sent"),  # no report: ours
		("Failed", "Sent", "Failed"),
	],
)
def test_a_delivery_report_that_came_first_is_kept(ours, reported, kept):
	assert merged_status(ours, reported) == kept


def test_reports_only_move_forward():
	assert DELIVERY_RANK["Delivered"] > DELIVERY_RANK["Sent"] > DELIVERY_RANK["Sending"]
	assert DELIVERY_RANK["Unknown"] == DELIVERY_RANK["Sending"]
	assert "Skipped" not in DELIVERY_RANK and "Cancelled" not in DELIVERY_RANK


@pytest.mark.parametrize(
	("per_second", "paced", "chunk"),
	[(1, True, 20), (5, True, 100), (10, True, 200), (50, True, 200), (0, True, 200), (1, False, 200)],
)
def test_chunks_hold_about_twenty_seconds_of_sending(per_second, paced, chunk):
	assert chunk_for_pace(per_second, paced) == chunk


def test_breaker_trips_on_one_rate_limit():
	breaker = Breaker(3)
	assert breaker.after("") is None
	assert breaker.after("rate-limited") == "The provider is rate-limiting the account"


def test_breaker_trips_on_errors_in_a_row_only():
	breaker = Breaker(3)
	for trouble in ("provider-error", "provider-error", "", "provider-error", "provider-error"):
		assert breaker.after(trouble) is None
	assert breaker.after("provider-error") == "3 provider errors in a row"
	assert breaker.after("") == "3 provider errors in a row", "once tripped, it stays tripped for the run"


def test_the_size_shortcut_agrees_with_the_segment_count_at_its_edges():
	from winback_app.engine.templates import sms_size

	for body in (
		LINK + " " + "`" * (201 - len(LINK) - 1),  # ASCII but not GSM-7: 201 UCS-2 units, 3 segments
		LINK + " " + "{" * (201 - len(LINK) - 1),  # GSM-7 extension characters: 2 septets each
		LINK + " " + "😀" * ((100 - len(LINK) - 1) // 2),  # 100 characters at most, 2 units each
	):
		assert sms_size(body).segments <= 3, body
		assert sms_problem_at_send(body, booking_link=LINK) is None
	too_long = LINK + " " + "`" * (202 - len(LINK) - 1)
	assert sms_size(too_long).segments == 4
	assert sms_problem_at_send(too_long, booking_link=LINK) == "The text is 4 SMS segments long (at most 3)"
