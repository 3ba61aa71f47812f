"""The labelled corpus (corpus_replies.py) read by replies.understand(): every text in its category.

The corpus must be read 100% right: a failure means the engine is fixed (or, rarely, a label that was
wrong), never that a case is dropped. test_corpus_accuracy_report prints the figures.
"""

from datetime import date

import pytest

from tests.unit.corpus_faq import SHIPPED
from tests.unit.corpus_replies import CORPUS, TODAY, Case
from winback_app.engine.faq import FaqIndex
from winback_app.engine.replies import CATEGORIES, PERSON_CATEGORIES, understand

INDEX = FaqIndex(SHIPPED)


def read(case: Case, today: date = TODAY):
	return understand(
		case.text,
		offered_choices=case.expect.get("offered", 0),
		opted_out=case.expect.get("opted_out", False),
		faq=INDEX,
		today=today,
	)


def test_corpus_is_large_and_labelled_with_known_categories():
	assert len(CORPUS) >= 300
	assert {case.category for case in CORPUS} == set(CATEGORIES)
	assert len({case.text for case in CORPUS}) == len(CORPUS), "duplicate texts"


@pytest.mark.parametrize("case", CORPUS, ids=[repr(case.text)[:70] for case in CORPUS])
def test_each_text_reads_as_labelled(case):
	got = read(case)
	assert got.category == case.category, got
	expect = case.expect
	if "urgent" in expect:
		assert got.urgent is expect["urgent"], got
	if "person" in expect:
		assert got.to_person is expect["person"], got
	if "snooze" in expect:
		assert got.snooze_until == date.fromisoformat(expect["snooze"]), got
	if "day" in expect:
		assert got.day_hint == date.fromisoformat(expect["day"]), got
	if "reason" in expect:
		assert got.leave_reason == expect["reason"], got
	if "choice" in expect:
		assert got.choice == expect["choice"], got
	if "faq" in expect:
		assert got.faq_id == expect["faq"], got
	if "lang" in expect:
		assert got.language == expect["lang"], got


@pytest.mark.parametrize(
	"today", [date(2026, 1, 2), date(2026, 3, 31), date(2026, 6, 30), date(2026, 12, 31)]
)
def test_categories_do_not_depend_on_the_date(today):
	changed = [case.text for case in CORPUS if read(case, today).category != case.category]
	assert not changed


def test_person_categories_always_reach_a_person():
	for case in CORPUS:
		got = read(case)
		if got.category in PERSON_CATEGORIES:
			assert got.to_person, got
		if got.urgent:
			assert got.to_person and got.category in ("Urgent", "Opt-Out"), got


def test_corpus_accuracy_report(capsys):
	right = sum(1 for case in CORPUS if read(case).category == case.category)
	with capsys.disabled():
		print(
			f"\nreply corpus: {right}/{len(CORPUS)} texts read in their labelled category ({right / len(CORPUS):.1%})"
		)
	assert right == len(CORPUS)
