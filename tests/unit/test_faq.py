"""FAQ matching (engine/faq.py): the measured thresholds, the answer checks and the shipped examples."""

import pytest

from tests.unit.corpus_faq import EXTRA_ANSWERS, FAQ_CASES, FAQ_HELD_OUT, SHIPPED
from winback_app.engine import faq
from winback_app.engine.faq import (
	CLEAR_THRESHOLD,
	NEAR_THRESHOLD,
	FaqEntry,
	FaqIndex,
	check_answer,
	content_words,
	example_answers,
	phrasings,
)
from winback_app.engine.replies import understand
from winback_app.engine.triage import triage
from winback_app.engine.wording import normalize


def measure(entries, cases=FAQ_CASES):
	"""(automatic, right automatic, askable, reached, suggested for an uncovered question) over the cases."""
	index = FaqIndex(entries)
	ids = {entry.id for entry in entries}
	automatic = right = askable = reached = suggested_wrongly = 0
	for text, topic in cases:
		expected = topic if topic in ids else None
		askable += expected is not None
		found = index.match(text)
		if found and found.clear:
			automatic += 1
			right += found.id == expected
		if found and expected is not None and found.id == expected:
			reached += 1
		if found and not found.clear and expected is None:
			suggested_wrongly += 1
	return automatic, right, askable, reached, suggested_wrongly


def test_the_faq_corpus_is_triage_free():
	# The matcher only ever sees texts triage let through, so its corpus holds only such texts.
	assert not [text for text, _topic in FAQ_CASES + FAQ_HELD_OUT if triage(normalize(text)[0])]
	assert len(FAQ_CASES) >= 120


def test_measured_thresholds(capsys):
	"""The figures written in engine/faq.py's docstring. If the matcher changes, re-measure and rewrite them."""
	shipped = measure(SHIPPED)
	extended = measure(SHIPPED + EXTRA_ANSWERS)
	with capsys.disabled():
		for name, (automatic, right, askable, reached, wrong) in (
			("shipped", shipped),
			("extended", extended),
		):
			print(
				f"\nFAQ {name}: {len(FAQ_CASES)} texts, clear >= {CLEAR_THRESHOLD}: precision {right}/{automatic}, "
				f"recall {right}/{askable}; near >= {NEAR_THRESHOLD}: {reached}/{askable} reach their answer, "
				f"{wrong} uncovered questions get a suggestion"
			)
	assert shipped == (63, 63, 65, 65, 1)
	assert extended == (85, 85, 92, 92, 2)


def test_held_out_figures(capsys):
	"""Texts written after the thresholds were set: the honest estimate (recall is lower; precision holds)."""
	shipped = measure(SHIPPED, FAQ_HELD_OUT)
	extended = measure(SHIPPED + EXTRA_ANSWERS, FAQ_HELD_OUT)
	with capsys.disabled():
		for name, (automatic, right, askable, reached, wrong) in (
			("shipped", shipped),
			("extended", extended),
		):
			print(
				f"\nFAQ held out, {name}: {len(FAQ_HELD_OUT)} texts, clear: precision {right}/{automatic}, "
				f"recall {right}/{askable}; near: {reached}/{askable} reach their answer, {wrong} uncovered "
				f"questions get a suggestion"
			)
	assert shipped == (13, 13, 24, 19, 3)
	assert extended == (18, 18, 32, 26, 5)


def test_clear_answers_are_never_wrong_on_the_corpus():
	index = FaqIndex(SHIPPED + EXTRA_ANSWERS)
	for text, topic in FAQ_CASES:
		found = index.match(text)
		if found and found.clear:
			assert found.id == topic, (text, found)


@pytest.mark.parametrize(
	"text,words",
	[
		("hey wat r ur hrs??", "hours"),
		("Where are you located?", "where location"),
		("How much is a cleaning?", "cost cleaning"),
		("¿Dónde me estaciono?", "donde estacionamiento"),
		("", ""),
		(None, ""),
	],
)
def test_content_words(text, words):
	assert content_words(text) == words


def test_index_scores_and_near_matches():
	index = FaqIndex(SHIPPED)
	assert index.match("What are your hours?").clear
	near = index.match(
		"Where did you get my number?"
	)  # "where" alone is not enough to answer with the address
	assert near is not None and not near.clear and NEAR_THRESHOLD <= near.score < CLEAR_THRESHOLD
	assert index.match("all good") is None  # short words must be equal: "all" is not "call"
	assert index.match("Do you see kids?") is None
	assert FaqIndex([]).match("hours?") is None and not FaqIndex([])
	assert faq.as_index(None) is None
	assert isinstance(faq.as_index(SHIPPED), FaqIndex)


def test_understand_answers_clear_matches_and_suggests_near_ones():
	index = FaqIndex(SHIPPED)
	clear = understand("what r ur hours", faq=index)
	assert clear.category == "FAQ" and clear.faq_id == "Opening hours" and not clear.to_person
	assert clear.faq_answer.startswith("Bright Smile Dental is open")
	near = understand("Where did you get my number?", faq=index)
	assert near.category == "Question" and near.faq_id == "Address" and near.to_person
	mixed = understand("Yes! What time do you open tomorrow?", faq=index)  # the "yes" needs a person
	assert mixed.category == "Question" and mixed.faq_id == "Opening hours" and mixed.to_person
	assert understand("What are your hours?").category == "Question"  # no answers enabled


def test_phrasings_are_lines():
	assert phrasings("What are your hours?\n\n  When are you open?  \n") == (
		"What are your hours?",
		"When are you open?",
	)
	assert phrasings(None) == ()


def test_check_answer():
	assert check_answer("Is there parking?", "Free parking behind the building.").ok
	empty = check_answer("", "")
	assert "Write at least one example question, one per line." in empty.errors
	assert "The answer is empty." in empty.errors
	clinical = check_answer("Do you do implants?", "Yes, we place implants and crowns.")
	assert any("Clinical words" in error for error in clinical.errors)
	assert any("never answered automatically" in warning for warning in clinical.warnings)
	assert any("{{" in error for error in check_answer("hours?", "Open {{ hours }}").errors)
	long = check_answer("hours?", "We are open. " * 50)
	assert any("SMS segments" in error for error in long.errors)
	placeholder = "We're open [Monday-Friday 8am-5pm]."
	assert check_answer("hours?", placeholder, enabled=False).ok
	assert any("[Monday-Friday 8am-5pm]" in error for error in check_answer("hours?", placeholder).errors)
	assert check_answer("hours?", "Abrimos de lunes a viernes, 8 a 17 h. ¿Preguntas? Llámenos.").warnings


def test_example_answers_are_built_from_the_settings_and_pass_the_checks():
	answers = example_answers(
		practice_name="Bright Smile Dental",
		practice_phone="(555) 010-0100",
		practice_address="12 Example Street\nSpringfield",
		hours="Mon-Fri 8-5",
		parking="Free parking behind the building.",
	)
	assert [a.title for a in answers] == ["Opening hours", "Address", "Phone number", "Parking"]
	by_title = {a.title: a for a in answers}
	assert by_title["Address"].answer == (
		"Bright Smile Dental is at 12 Example Street Springfield. Questions? Call (555) 010-0100."
	)
	assert by_title["Opening hours"].answer.startswith("Bright Smile Dental is open Mon-Fri 8-5.")
	for answer in answers:
		assert check_answer(answer.question, answer.answer).ok, answer
		assert len(phrasings(answer.question)) >= 5


def test_example_answers_leave_placeholders_for_missing_details():
	answers = example_answers(practice_name="", practice_phone=None, practice_address=None)
	by_title = {a.title: a for a in answers}
	assert by_title["Opening hours"].answer.startswith("We are open [")
	assert "[practice phone]" in by_title["Phone number"].answer
	for answer in answers:
		assert check_answer(answer.question, answer.answer, enabled=False).ok
		assert not check_answer(answer.question, answer.answer, enabled=True).ok


def test_entries_match_their_own_phrasings():
	index = FaqIndex(SHIPPED + EXTRA_ANSWERS)
	for entry in SHIPPED + EXTRA_ANSWERS:
		for phrasing in entry.phrasings:
			found = index.match(phrasing)
			assert found and found.id == entry.id and found.clear, (phrasing, found)


def test_index_is_built_from_entries():
	entry = FaqEntry("x", ("Do you have wifi?",), "Yes: network Guest.")
	assert FaqIndex([entry]).match("do u have wifi").id == "x"
