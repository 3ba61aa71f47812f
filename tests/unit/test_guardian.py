"""Minors reached through a parent: who may be reached, through whom, and the words the parent gets."""

from datetime import date, timedelta

import pytest

from winback_app.engine import guardian_words, templates
from winback_app.engine.detection import (
	DO_NOT_CONTACT,
	MINOR,
	MINOR_NO_GUARDIAN,
	MINOR_SELF_REGISTERED,
	UNKNOWN_AGE_EMAIL_ONLY,
	Candidate,
	PatientFacts,
	Policy,
	arbitrate,
	guardian_to_reach,
	patient_exclusion,
)
from winback_app.engine.segments import SegmentSpec
from winback_app.engine.sending import sms_problem_at_send
from winback_app.engine.sms import sms_size

TODAY = date(2026, 11, 18)
CHILD_DOB = date(2016, 4, 2)  # 10 years old
ADULT_DOB = date(1984, 7, 9)
ON = Policy(minimum_age=18, reach_minors_through_guardian=True)
OFF = Policy(minimum_age=18)


def person(pid, dob=ADULT_DOB, mobile="+15555550101", email=None, **kw):
	return PatientFacts(patient=pid, dob=dob, mobile=mobile, email=email, **kw)


def child(*guardians, **kw):
	kw.setdefault("mobile", None)
	return person("KID", dob=CHILD_DOB, guardians=tuple(guardians), **kw)


def test_minor_left_out_when_the_setting_is_off_even_with_a_parent():
	kid = child(person("MOM"))
	assert patient_exclusion(kid, OFF, TODAY) == MINOR
	assert guardian_to_reach(kid, OFF, TODAY) is None


def test_minor_reached_through_the_first_parent_who_may_be_contacted():
	mom, dad = person("MOM", mobile="+15555550102"), person("DAD", mobile="+15555550103")
	kid = child(mom, dad)
	assert patient_exclusion(kid, ON, TODAY) is None
	assert guardian_to_reach(kid, ON, TODAY) == mom


@pytest.mark.parametrize(
	"first",
	[
		person("MOM", do_not_contact=True),
		person("MOM", disabled=True),
		person("MOM", dob=date(2012, 1, 1)),  # a "parent" who is a minor by their own record
		person("MOM", mobile=None),  # nothing to reach them on
		person("MOM", sms_blocked=True),  # said STOP, and no email
		person("MOM", sms_consent="Revoked"),
	],
)
def test_a_parent_who_may_not_be_contacted_is_passed_over(first):
	dad = person("DAD", mobile="+15555550103")
	assert guardian_to_reach(child(first, dad), ON, TODAY) == dad
	assert guardian_to_reach(child(first), ON, TODAY) is None
	assert patient_exclusion(child(first), ON, TODAY) == MINOR_NO_GUARDIAN


def test_a_minor_with_no_parent_on_record_stays_out_with_its_own_reason():
	assert patient_exclusion(child(), ON, TODAY) == MINOR_NO_GUARDIAN


def test_the_childs_own_do_not_contact_holds_whatever_the_parent():
	assert patient_exclusion(child(person("MOM"), do_not_contact=True), ON, TODAY) == DO_NOT_CONTACT


def test_a_parent_with_no_birth_date_is_texted_as_an_adult():
	"""Staff recorded them as the child's parent: the no-birth-date rule (email only) is for the patient."""
	mom = person("MOM", dob=None)
	policy = Policy(minimum_age=18, reach_minors_through_guardian=True, unknown_age=UNKNOWN_AGE_EMAIL_ONLY)
	assert guardian_to_reach(child(mom), policy, TODAY) == mom


def test_consent_only_practice_needs_the_parents_consent():
	policy = Policy(minimum_age=18, require_sms_consent=True, reach_minors_through_guardian=True)
	mom = person("MOM", email="mom@example.com")
	assert guardian_to_reach(child(mom), policy, TODAY) is None
	granted = person("MOM", sms_consent="Granted")
	assert guardian_to_reach(child(granted), policy, TODAY) == granted


def test_an_adult_is_never_reached_through_a_parent():
	adult = person("ADULT", guardians=(person("MOM"),))
	assert guardian_to_reach(adult, ON, TODAY) is None


def test_a_record_naming_itself_as_its_parent_is_ignored():
	kid = child(person("KID", mobile="+15555550104"))
	assert guardian_to_reach(kid, ON, TODAY) is None


def test_arbitrate_names_the_parent_on_the_entry():
	seg = SegmentSpec(name="Recall", rule_kind="Recall Window", enabled=True, min_days=180, holdout_percent=0)
	mom = person("MOM", mobile="+15555550102")
	patients = {"KID": child(mom), "ADULT": person("ADULT")}
	cands = {"Recall": {p: Candidate(p, TODAY - timedelta(days=200)) for p in patients}}
	detection = arbitrate([seg], cands, patients, set(), TODAY, "c", ON)
	by_patient = {e.patient: e for e in detection.entries}
	assert by_patient["KID"].guardian == "MOM"
	assert by_patient["ADULT"].guardian is None
	off = arbitrate([seg], cands, patients, set(), TODAY, "c", OFF)
	assert [e.patient for e in off.entries] == ["ADULT"]
	assert off.reason_counts() == {MINOR: 1}


CONTEXT = {
	**templates.CONTEXT_VARIABLES,
	"first_name": "Leo",
	"guardian_first_name": "Maria",
	"practice_name": "Bright Smile Dental",
}


@pytest.mark.parametrize("language", ["en", "es", "es-MX", "", "fr"])
@pytest.mark.parametrize("rule_kind", ["Missed Appointment", "New Patient Never Booked", "Recall Window"])
@pytest.mark.parametrize("channel", ["SMS", "Email", "Call Task"])
@pytest.mark.parametrize("first_text", [True, False])
def test_words_for_a_parent_name_both_and_carry_the_link(language, rule_kind, channel, first_text):
	template, subject, lang = guardian_words.words(rule_kind, channel, first_text, language)
	assert templates.check_template(template, channel=channel).errors == []
	body = templates.render(template, CONTEXT)
	assert "Maria" in body and "Leo" in body
	if channel != "Call Task":
		assert CONTEXT["booking_link"] in body
		assert "Bright Smile Dental" in body
	if channel == "Email":
		assert "Leo" in templates.render(subject, CONTEXT)
	if channel == "SMS":
		# a text to a parent is still a text: nothing clinical, within two segments, GSM-7 in Spanish too
		assert (
			sms_problem_at_send(
				body, booking_link=CONTEXT["booking_link"], practice_name="Bright Smile Dental"
			)
			is None
		)
		size = sms_size(body)
		assert size.segments <= 2, body
		assert size.encoding == "GSM-7", body
	assert lang == ("es" if language.startswith("es") and channel != "Call Task" else "en")


def test_first_and_later_texts_differ():
	first, _s, _l = guardian_words.words("Recall Window", "SMS", True, "en")
	later, _s, _l = guardian_words.words("Recall Window", "SMS", False, "en")
	assert first != later


def test_a_managers_template_for_parents_is_recognized_by_the_variable():
	assert guardian_words.names_guardian("Hi {{ guardian_first_name }}, {{ first_name }} is due")
	assert guardian_words.names_guardian("{{guardian_first_name}}")
	assert not guardian_words.names_guardian("Hi {{ first_name }}, you're due")
	assert not guardian_words.names_guardian("{{ my_guardian_first_name_x }}")


def test_a_child_a_stranger_could_have_registered_is_never_reached_through_a_parent():
	"""The host's public registration form lets anyone create a Patient: a "child" naming a real patient as its
	parent would put a stranger's words (the child's name) into the practice's text to that patient."""
	kid = child(person("MOM"), self_registered=True)
	assert guardian_to_reach(kid, ON, TODAY) is None
	assert patient_exclusion(kid, ON, TODAY) == MINOR_SELF_REGISTERED


def test_a_parent_whose_record_anyone_could_have_typed_counts_only_with_consent():
	typed = person("MOM", self_registered=True)
	assert guardian_to_reach(child(typed), ON, TODAY) is None
	consented = person("MOM", self_registered=True, sms_consent="Granted")
	assert guardian_to_reach(child(consented), ON, TODAY) == consented
