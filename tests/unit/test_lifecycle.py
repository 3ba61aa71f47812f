"""The lapse lifecycle table: one list of statuses, agreeing with the doctype, and no way back from the end."""

import json
from pathlib import Path

import pytest

from winback_app.engine import lifecycle as lc

DOCTYPE = Path(__file__).resolve().parents[2] / "winback_app/win_back/doctype/patient_lapse/patient_lapse.json"


def test_statuses_are_the_doctypes_select_options_in_order():
	fields = {f["fieldname"]: f for f in json.loads(DOCTYPE.read_text())["fields"]}
	assert tuple(fields["status"]["options"].split("\n")) == lc.STATUSES


def test_every_status_has_a_row_and_every_target_is_a_status():
	assert set(lc.TRANSITIONS) == set(lc.STATUSES)
	for targets in lc.TRANSITIONS.values():
		assert targets <= set(lc.STATUSES)


@pytest.mark.parametrize("final", lc.FINAL)
@pytest.mark.parametrize("active", lc.IN_PROGRESS)
def test_a_finished_episode_never_reopens(final, active):
	assert not lc.allowed(final, active)


@pytest.mark.parametrize("final", [s for s in lc.FINAL if s != lc.EXHAUSTED])
def test_a_booking_counts_only_for_episodes_that_can_still_earn_one(final):
	assert lc.allowed(final, lc.BOOKED) is (final == lc.BOOKED)
	assert final not in lc.BOOKABLE


def test_a_late_booking_counts_for_an_exhausted_cadence_and_a_visit_for_a_booking():
	assert lc.allowed(lc.EXHAUSTED, lc.BOOKED)
	assert lc.allowed(lc.BOOKED, lc.REACTIVATED)
	assert set(lc.sources_for(lc.BOOKED)) == set(lc.BOOKABLE)
	assert set(lc.sources_for(lc.REACTIVATED)) == set(lc.REACTIVATABLE)


def test_a_person_can_resume_a_replied_cadence_but_holdout_is_never_contacted():
	assert lc.allowed(lc.REPLIED, lc.IN_CADENCE)
	assert not lc.allowed(lc.HOLDOUT, lc.IN_CADENCE)
	assert not lc.allowed(lc.HOLDOUT, lc.REPLIED)
	assert lc.HOLDOUT not in lc.ACTIVE


def test_unknown_statuses_are_refused_and_staying_put_is_allowed():
	assert not lc.allowed(lc.OPEN, "Paused")
	assert not lc.allowed(None, lc.BOOKED)
	for status in lc.STATUSES:
		assert lc.allowed(status, status)


def test_entering_a_final_status_stops_the_cadence_and_nothing_else_does():
	assert {s for s in lc.STATUSES if lc.stops_cadence(s)} == set(lc.FINAL)


def test_running_lapses_are_in_progress_waiting_on_nobody_and_may_run_out():
	assert set(lc.RUNNING) == set(lc.IN_PROGRESS) - {lc.REPLIED}
	for status in lc.RUNNING:
		assert lc.allowed(status, lc.EXHAUSTED)
