"""Who a stranger cannot make the clinic contact: web-form registrations and patients of unknown age."""

from datetime import date

import pytest

from winback_app.engine.detection import (
	AGE_UNKNOWN,
	AGE_UNKNOWN_NO_EMAIL,
	NEVER_BOOKED_RULE,
	SELF_REGISTERED,
	UNKNOWN_AGE_EMAIL_ONLY,
	UNKNOWN_AGE_NOT_CONTACTED,
	UNKNOWN_AGE_TEXTS_AND_EMAIL,
	Candidate,
	PatientFacts,
	Policy,
	arbitrate,
	can_email,
	can_text,
	patient_exclusion,
)
from winback_app.engine.segments import SegmentSpec

TODAY = date(2026, 11, 18)
MOBILE = "+12025550101"
EMAIL = "pat@example.com"


def facts(**kw):
	base = {"patient": "P-1", "dob": date(1980, 5, 1), "mobile": MOBILE, "email": EMAIL}
	return PatientFacts(**{**base, **kw})


def seg(name, rule_kind, priority):
	return SegmentSpec(
		name=name, rule_kind=rule_kind, priority=priority, enabled=True, min_days=7, max_days=90
	)


NEVER = seg("New patient", NEVER_BOOKED_RULE, 10)
RECALL = seg("Recall", "Recall Window", 20)


@pytest.mark.parametrize(
	("policy", "kw", "text", "exclusion"),
	[
		# Default: a patient with no birth date gets email, never texts.
		(UNKNOWN_AGE_EMAIL_ONLY, {}, False, None),
		(UNKNOWN_AGE_EMAIL_ONLY, {"email": None}, False, AGE_UNKNOWN_NO_EMAIL),
		(UNKNOWN_AGE_EMAIL_ONLY, {"email_blocked": True}, False, AGE_UNKNOWN_NO_EMAIL),
		(UNKNOWN_AGE_NOT_CONTACTED, {}, False, AGE_UNKNOWN),
		(UNKNOWN_AGE_TEXTS_AND_EMAIL, {}, True, None),
		(UNKNOWN_AGE_TEXTS_AND_EMAIL, {"email": None}, True, None),
	],
)
def test_unknown_age(policy, kw, text, exclusion):
	p = facts(dob=None, **kw)
	rules = Policy(minimum_age=18, unknown_age=policy)
	assert can_text(p, rules) is text
	assert patient_exclusion(p, rules, TODAY) == exclusion


def test_unknown_age_matters_only_with_a_minimum_age():
	p = facts(dob=None, email=None)
	rules = Policy(minimum_age=0, unknown_age=UNKNOWN_AGE_NOT_CONTACTED)
	assert can_text(p, rules)
	assert patient_exclusion(p, rules, TODAY) is None


def test_a_known_adult_is_untouched_by_the_unknown_age_policy():
	rules = Policy(minimum_age=18, unknown_age=UNKNOWN_AGE_NOT_CONTACTED)
	assert can_text(facts(), rules) and can_email(facts())
	assert patient_exclusion(facts(), rules, TODAY) is None


def run(p):
	candidates = {
		NEVER.name: {p.patient: Candidate(p.patient, date(2026, 11, 1), "Patient", p.patient)},
		RECALL.name: {p.patient: Candidate(p.patient, date(2026, 10, 1), "Patient Encounter", "E-1")},
	}
	return arbitrate([NEVER, RECALL], candidates, {p.patient: p}, set(), TODAY, "2026-11")


def test_a_web_form_registration_never_joins_a_never_booked_campaign():
	result = run(facts(self_registered=True))
	assert [(x.segment, x.reason) for x in result.exclusions] == [(NEVER.name, SELF_REGISTERED)]
	# A campaign built on real visits is another matter: the patient came in, staff met them.
	assert [e.segment for e in result.entries] == [RECALL.name]
	assert result.reason_counts(NEVER.name) == {SELF_REGISTERED: 1}


def test_granted_consent_or_a_staff_record_joins_the_never_booked_campaign():
	for p in (facts(self_registered=True, sms_consent="Granted"), facts(self_registered=False)):
		assert [e.segment for e in run(p).entries] == [NEVER.name]
