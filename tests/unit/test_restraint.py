"""Re-entry with restraint: at most N cycles of one campaign, a longer rest after an unanswered cadence, and no
ping-pong between campaigns."""

from datetime import date, timedelta

from winback_app.engine.detection import (
	COOLDOWN,
	MAX_CYCLES,
	RESTING,
	RESTING_ELSEWHERE,
	Candidate,
	PastLapse,
	PatientFacts,
	Restraint,
	arbitrate,
	restrained,
)
from winback_app.engine.segments import SegmentSpec

TODAY = date(2026, 11, 18)
RULES = Restraint(max_cycles=3, after_exhausted_days=365, chain_days=120)
CAMPAIGNS = ["9-18 months", "Annual", "Dormant"]


def past(segment, status, days_ago, patient="P-1", holdout=False):
	return PastLapse(patient, segment, status, TODAY - timedelta(days=days_ago), holdout)


def test_an_unanswered_cadence_rests_the_patient_a_year_in_that_campaign_and_a_while_in_the_others():
	held = restrained([past("9-18 months", "Exhausted", 30)], CAMPAIGNS, TODAY, RULES)
	assert held == {
		("P-1", "9-18 months"): RESTING,
		("P-1", "Annual"): RESTING_ELSEWHERE,
		("P-1", "Dormant"): RESTING_ELSEWHERE,
	}


def test_the_rests_end():
	assert restrained([past("9-18 months", "Exhausted", 200)], CAMPAIGNS, TODAY, RULES) == {
		("P-1", "9-18 months"): RESTING
	}, "the other campaigns may ask again after 120 days"
	assert restrained([past("9-18 months", "Exhausted", 400)], CAMPAIGNS, TODAY, RULES) == {}


def test_a_booked_or_closed_episode_is_no_reason_to_rest():
	history = [past("Annual", "Booked", 10), past("Annual", "Reactivated", 10), past("Annual", "Closed", 10)]
	assert restrained(history, CAMPAIGNS, TODAY, Restraint(max_cycles=0)) == {}


def test_at_most_n_unanswered_cycles_of_one_campaign_and_holdouts_do_not_count():
	history = [past("Dormant", "Exhausted", 900), past("Dormant", "Exhausted", 700)]
	assert restrained(history, CAMPAIGNS, TODAY, RULES) == {}
	history.append(past("Dormant", "Exhausted", 500))
	assert restrained(history, CAMPAIGNS, TODAY, RULES) == {("P-1", "Dormant"): MAX_CYCLES}
	held_out = [past("Dormant", "Exhausted", d, holdout=True) for d in (900, 700, 500)]
	assert restrained(held_out, CAMPAIGNS, TODAY, RULES) == {}


def test_a_patient_who_comes_back_each_time_is_recalled_each_time():
	history = [past("Annual", "Reactivated", d) for d in (1100, 730, 365)]
	assert restrained(history, CAMPAIGNS, TODAY, RULES) == {}


def test_zero_switches_a_rule_off_and_other_patients_are_untouched():
	history = [past("9-18 months", "Exhausted", 30), past("Annual", "Exhausted", 30, patient="P-2")]
	off = Restraint(max_cycles=0, after_exhausted_days=0, chain_days=0)
	assert restrained(history, CAMPAIGNS, TODAY, off) == {}
	held = restrained(history, CAMPAIGNS, TODAY, RULES)
	assert held[("P-2", "Annual")] == RESTING and held[("P-1", "Annual")] == RESTING_ELSEWHERE


def test_arbitrate_names_the_restraint_as_the_reason():
	segs = [
		SegmentSpec(name=n, rule_kind="Recall Window", priority=i, enabled=True, min_days=0)
		for i, n in enumerate(CAMPAIGNS)
	]
	candidate = Candidate("P-1", TODAY - timedelta(days=400), "Patient Encounter", "E-1")
	candidates = {n: {"P-1": candidate} for n in CAMPAIGNS}
	patients = {"P-1": PatientFacts("P-1", dob=date(1980, 1, 1), mobile="+12025550101")}
	held = {
		**{("P-1", "Dormant"): COOLDOWN},
		**restrained([past("9-18 months", "Exhausted", 30)], CAMPAIGNS, TODAY),
	}
	result = arbitrate(segs, candidates, patients, held, TODAY, "2026-11")
	assert result.entries == []
	assert {(x.segment, x.reason) for x in result.exclusions} == {
		("9-18 months", RESTING),
		("Annual", RESTING_ELSEWHERE),
		("Dormant", RESTING_ELSEWHERE),
	}
	assert arbitrate(segs, candidates, patients, {("P-1", "9-18 months")}, TODAY, "2026-11").entries[
		0
	].segment == ("Annual"), "a set of pairs still reads as the plain cooldown"
