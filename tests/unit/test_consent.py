"""Consent chosen, not assumed: "only patients who granted consent" holds for email as it does for texts, at
detection and again at send time."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from winback_app.engine.detection import (
	NO_CONSENT,
	PatientFacts,
	Policy,
	can_email,
	can_text,
	patient_exclusion,
)
from winback_app.engine.sending import SEND, SKIP, Caps, SendFacts, decide
from winback_app.engine.window import SendWindow

TODAY = date(2026, 11, 18)
WED_1030 = datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("America/New_York"))
WINDOW = SendWindow(time(9), time(19), (0, 1, 2, 3, 4))
ONLY_WITH_CONSENT = Policy(minimum_age=18, require_sms_consent=True)
EVERYONE = Policy(minimum_age=18, require_sms_consent=False)


def patient(**kw):
	base = {"patient": "P-1", "dob": date(1980, 5, 1), "mobile": "+12025550101", "email": "pat@example.com"}
	return PatientFacts(**{**base, **kw})


@pytest.mark.parametrize(
	("consent", "policy", "text", "email", "exclusion"),
	[
		("Granted", ONLY_WITH_CONSENT, True, True, None),
		("Unknown", ONLY_WITH_CONSENT, False, False, NO_CONSENT),
		("Unknown", EVERYONE, True, True, None),
		("Revoked", EVERYONE, False, True, None),  # "stop texting me" is not "stop emailing me"
	],
)
def test_email_follows_the_consent_choice_at_detection(consent, policy, text, email, exclusion):
	p = patient(sms_consent=consent)
	assert can_text(p, policy) is text
	assert can_email(p, policy) is email
	assert patient_exclusion(p, policy, TODAY) == exclusion


def send(channel: str, consent: str, require: bool, fall_back: bool = False):
	facts = SendFacts(
		channel=channel,
		now=WED_1030,
		time_zone="America/New_York",
		lapse_status="In Cadence",
		mobile="+12125550100",
		email="pat@example.com",
		sms_consent=consent,
		require_consent=require,
		fall_back_to_email=fall_back,
	)
	return decide(facts, WINDOW, Caps(1, 3))


def test_an_email_step_without_consent_is_skipped_when_consent_is_required():
	decision = send("Email", "Unknown", require=True)
	assert (decision.action, decision.reason) == (SKIP, "No consent on file")
	assert send("Email", "Granted", require=True).action == SEND
	assert send("Email", "Unknown", require=False).action == SEND


def test_a_text_without_consent_never_falls_back_to_email_when_consent_is_required():
	decision = send("SMS", "Unknown", require=True, fall_back=True)
	assert decision.action == SKIP
	assert send("SMS", "Unknown", require=False, fall_back=True).action == SEND


def send_to(channel: str, preferred: str | None, **kw):
	values = {
		"channel": channel,
		"now": WED_1030,
		"time_zone": "America/New_York",
		"lapse_status": "In Cadence",
		"mobile": "+12125550100",
		"email": "pat@example.com",
		"preferred_channel": preferred,
	}
	facts = SendFacts(**{**values, **kw})
	return decide(facts, WINDOW, Caps(1, 3))


def test_a_patient_who_prefers_email_gets_the_text_steps_by_email():
	assert send_to("SMS", "Email").channel == "Email"
	assert send_to("SMS", None).channel == "SMS"
	assert send_to("SMS", "SMS").channel == "SMS"
	assert send_to("Email", "SMS").channel == "Email", "email words are never sent as a text"
	assert send_to("SMS", "Email", email_unsubscribed=True).channel == "SMS", "no email to steer to"
	assert send_to("SMS", "Email", email=None).channel == "SMS"
	skipped = send_to("SMS", "Email", require_consent=True, sms_consent="Unknown")
	assert (skipped.action, skipped.reason) == (SKIP, "No consent on file"), (
		"email follows the consent choice"
	)
