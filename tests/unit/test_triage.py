"""Triage (engine/triage.py) and its place in replies.understand(): safety before intent."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.corpus_faq import SHIPPED
from winback_app.engine.faq import FaqIndex
from winback_app.engine.replies import understand
from winback_app.engine.triage import (
	BILLING,
	CLINICAL,
	COMPLAINT,
	URGENT,
	URGENT_EXAMPLES,
	triage,
)
from winback_app.engine.wording import normalize

INDEX = FaqIndex(SHIPPED)


def level(text):
	finding = triage(normalize(text)[0])
	return finding.level if finding else None


@pytest.mark.parametrize("sign", URGENT_EXAMPLES)
def test_every_urgent_example_is_urgent_in_any_case(sign):
	assert level(sign) == URGENT
	assert level(sign.upper()) == URGENT
	assert level(f"Yes! {sign}") == URGENT


@pytest.mark.parametrize(
	"text,expected",
	[
		# Negations read narrowly: only a negator right before the sign, in the same clause.
		("no pain, just want a cleaning", None),
		("I'm not in any pain", None),
		("it doesn't hurt", None),
		("pain-free for months", None),
		("no me duele", None),
		("sin dolor", None),
		("it's not an emergency", None),
		("nothing urgent", None),
		("no swelling or bleeding", None),
		("No, my tooth hurts", CLINICAL),
		("no my tooth hurts", CLINICAL),
		("not sure if it's an emergency", URGENT),
		("it doesn't hurt but my face is swollen", URGENT),
		("no pain but my gums bleed", CLINICAL),
		# Levels.
		("my gums are a little swollen", CLINICAL),
		("my face is a little swollen", URGENT),
		("I had a fever last week", CLINICAL),
		("fever and a toothache", URGENT),
		("my tooth hurts", CLINICAL),
		("my tooth hurts so bad I can't sleep", URGENT),
		("gums bleed when I floss", CLINICAL),
		("the bleeding won't stop", URGENT),
		("I chipped a tooth", CLINICAL),
		("I cracked a tooth", URGENT),
		("my crown fell off", CLINICAL),
		("I fell off my bike and hit my mouth", URGENT),
		# A mention of a treatment yields to a complaint or a bill; a symptom does not.
		("you botched my filling", COMPLAINT),
		("the bill for my crown is wrong", BILLING),
		("my crown hurts and the bill is wrong", CLINICAL),
		("how long does a root canal take", CLINICAL),
		# Everyday words that are not signs.
		("my phone died", None),
		("I replied by accident", None),
		("this is Sue, Dan's mom", None),
		("update my emergency contact", None),
		("I can't stop smiling", None),
		("thanks, have a great day", None),
		("my car broke down", None),
		("filling out the forms now", None),
	],
)
def test_negations_levels_and_everyday_words(text, expected):
	assert level(text) == expected


def test_self_harm_is_urgent_and_a_crisis():
	finding = triage(normalize("I want to kill myself")[0])
	assert finding.level == URGENT and finding.crisis
	got = understand("yes book me, honestly I don't want to live anymore")
	assert got.category == "Urgent" and got.urgent and got.crisis and got.to_person


def test_stop_wins_but_the_sign_still_reaches_a_person():
	got = understand("STOP texting me, my face is swollen")
	assert got.category == "Opt-Out" and got.intent.kind == "Stop"
	assert got.urgent and got.to_person and got.triage == URGENT
	calm = understand("STOP")
	assert not calm.urgent and not calm.to_person and calm.triage is None


def test_a_clinical_text_never_reaches_the_faq_matcher():
	for text in (
		"What are your hours? my tooth hurts",
		"is there parking? I'm pregnant",
		"Hours? I was charged twice",
	):
		got = understand(text, faq=INDEX)
		assert got.category in ("Clinical", "Billing") and got.faq_id is None


def test_shouted_stop_as_a_verb_is_not_an_opt_out():
	assert understand("My gums won't STOP bleeding").category == "Urgent"
	assert understand("Not interested STOP").category == "Opt-Out"


def test_module_does_not_import_frappe():
	import winback_app.engine.triage as module

	with open(module.__file__, encoding="utf-8") as handle:
		source = handle.read()
	assert "import frappe" not in source and "from frappe" not in source


# --- The property: an urgent sign is never answered with a booking link, an FAQ answer or a snooze.

_SURROUNDINGS = [
	"yes",
	"Yes!",
	"YES",
	"book",
	"book me",
	"Book me in",
	"1",
	"2",
	"3",
	"tomorrow works",
	"next week works",
	"Tuesday works",
	"ok",
	"sure",
	"sounds good",
	"please",
	"thanks",
	"after the holidays",
	"next month",
	"in March",
	"later",
	"what are your hours?",
	"is there parking",
	"where are you located",
	"sí",
	"mañana",
	"quiero una cita",
	"cita",
	"😊",
	"🙏",
	"lol",
	"asap",
	"also",
	"and",
	"hi",
	"hello Dr. Rivera",
	"I moved",
	"wrong number",
	"help",
	"who is this",
	"START",
]
_SEPARATORS = [" ", ", ", ". ", "\n", "!! ", " - ", "... "]


@st.composite
def _mixed_case(draw, text):
	style = draw(st.sampled_from(["as is", "upper", "lower", "title"]))
	return {"as is": text, "upper": text.upper(), "lower": text.lower(), "title": text.title()}[style]


@settings(max_examples=400, deadline=None)
@given(
	sign=st.sampled_from(URGENT_EXAMPLES).flatmap(_mixed_case),
	before=st.lists(st.sampled_from(_SURROUNDINGS), max_size=4),
	after=st.lists(st.sampled_from(_SURROUNDINGS), max_size=4),
	separator=st.sampled_from(_SEPARATORS),
	offered=st.integers(min_value=0, max_value=3),
	opted_out=st.booleans(),
	signature=st.booleans(),
)
def test_an_urgent_sign_always_goes_to_a_person(
	sign, before, after, separator, offered, opted_out, signature
):
	body = separator.join([*before, sign, *after]) + ("\n\nSent from my iPhone" if signature else "")
	got = understand(body, offered_choices=offered, opted_out=opted_out, faq=INDEX)
	assert got.category not in ("Booking", "FAQ", "Not Now", "Help", "Opt-In", "Wrong Number", "Leaving"), (
		body,
		got,
	)
	assert got.category in ("Urgent", "Opt-Out"), (body, got)
	assert got.urgent and got.to_person, (body, got)
	assert got.intent.kind in ("Question", "Stop"), (body, got)
