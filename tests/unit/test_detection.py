"""Segment arbitration over plain facts: windows, ages, exclusions, priority, cooldown and holdout."""

from datetime import date, timedelta

import pytest

from winback_app.engine.detection import (
	COOLDOWN,
	DISABLED,
	DO_NOT_CONTACT,
	FUTURE_APPOINTMENT,
	HIGHER_PRIORITY,
	MINOR,
	NO_CHANNEL,
	NO_CONSENT,
	OPEN_LAPSE,
	OPTED_OUT,
	Candidate,
	Detection,
	Exclusion,
	PatientFacts,
	Policy,
	age_on,
	arbitrate,
	in_window,
	is_holdout,
	patient_exclusion,
)
from winback_app.engine.segments import SegmentSpec

TODAY = date(2026, 11, 18)
CYCLE = "2026-11-18"
MOBILE = "+15555550100"
EMAIL = "pat@example.com"


def seg(name, min_days=None, max_days=None, priority=50, holdout=0.0, rule_kind="Recall Window"):
	return SegmentSpec(
		name=name,
		rule_kind=rule_kind,
		priority=priority,
		enabled=True,
		min_days=min_days,
		max_days=max_days,
		holdout_percent=holdout,
	)


def ago(days):
	return TODAY - timedelta(days=days)


def facts(pid="P-1", **kw):
	base = {"dob": date(1980, 5, 1), "mobile": MOBILE, "email": EMAIL}
	base.update(kw)
	return PatientFacts(patient=pid, **base)


def cand(pid, days, name="ENC-0001", doctype="Patient Encounter"):
	return Candidate(pid, ago(days), evidence_doctype=doctype, evidence_name=name)


RECALL = seg("Recall 6-9 months", 180, 270, priority=10)
LONG = seg("Long lapse", 270, 540, priority=20)


# ---------------------------------------------------------------- in_window


@pytest.mark.parametrize(
	("days", "in_recall", "in_long"),
	[
		(0, False, False),
		(179, False, False),
		(180, True, False),  # From is inclusive
		(269, True, False),
		(270, False, True),  # Until is exclusive, the next campaign's From is inclusive
		(271, False, True),
		(539, False, True),
		(540, False, False),
		(5000, False, False),
	],
)
def test_in_window_bounds(days, in_recall, in_long):
	assert in_window(RECALL, ago(days), TODAY) is in_recall
	assert in_window(LONG, ago(days), TODAY) is in_long


def test_adjacent_campaigns_never_both_match():
	for days in range(0, 800):
		a, b = in_window(RECALL, ago(days), TODAY), in_window(LONG, ago(days), TODAY)
		assert not (a and b), days
		assert (a or b) == (180 <= days < 540), days


@pytest.mark.parametrize(
	("min_days", "max_days", "days", "expected"),
	[
		(365, None, 364, False),
		(365, None, 365, True),
		(365, None, 36_500, True),  # no upper bound
		(None, None, 0, True),
		(None, 30, 29, True),
		(None, 30, 30, False),
		(0, 1, 0, True),
		(0, 1, 1, False),
	],
)
def test_in_window_open_ended(min_days, max_days, days, expected):
	assert in_window(seg("S", min_days, max_days), ago(days), TODAY) is expected


@pytest.mark.parametrize(("min_days", "max_days"), [(None, None), (0, None), (0, 10_000)])
def test_future_event_never_matches(min_days, max_days):
	for ahead in (1, 30, 400):
		assert not in_window(seg("S", min_days, max_days), TODAY + timedelta(days=ahead), TODAY), ahead


# ---------------------------------------------------------------- age_on


@pytest.mark.parametrize(
	("dob", "today", "age"),
	[
		(date(2000, 6, 15), date(2026, 6, 14), 25),  # day before birthday
		(date(2000, 6, 15), date(2026, 6, 15), 26),  # on the birthday
		(date(2000, 6, 15), date(2026, 6, 16), 26),
		(date(2000, 12, 31), date(2026, 1, 1), 25),
		(date(2026, 11, 18), date(2026, 11, 18), 0),
		# Feb 29 births: in a common year the birthday counts from March 1.
		(date(2008, 2, 29), date(2026, 2, 28), 17),
		(date(2008, 2, 29), date(2026, 3, 1), 18),
		(date(2008, 2, 29), date(2028, 2, 28), 19),
		(date(2008, 2, 29), date(2028, 2, 29), 20),
		(None, date(2026, 11, 18), None),
	],
)
def test_age_on(dob, today, age):
	assert age_on(dob, today) == age


# ---------------------------------------------------------------- patient_exclusion

PRECEDENCE = [
	(FUTURE_APPOINTMENT, {"has_future_appointment": True}),
	(OPEN_LAPSE, {"open_lapse": True}),
	(DO_NOT_CONTACT, {"do_not_contact": True}),
	(DISABLED, {"disabled": True}),
	(MINOR, {"dob": date(2010, 1, 1)}),
	(NO_CHANNEL, {"mobile": None, "email": None}),
]


@pytest.mark.parametrize("index", range(len(PRECEDENCE)), ids=[r for r, _ in PRECEDENCE])
def test_exclusion_precedence(index):
	"""With this reason's fact and every lower-ranked fact present, this reason wins."""
	kw = {}
	for _, fact in PRECEDENCE[index:]:
		kw.update(fact)
	assert patient_exclusion(facts(**kw), Policy(), TODAY) == PRECEDENCE[index][0]


def test_opted_out_outranked_by_minor():
	p = facts(dob=date(2010, 1, 1), sms_blocked=True, email_blocked=True)
	assert patient_exclusion(p, Policy(), TODAY) == MINOR


@pytest.mark.parametrize(
	("kw", "policy", "expected"),
	[
		({}, Policy(), None),
		({"mobile": None}, Policy(), None),  # only an email
		({"email": None}, Policy(), None),  # only a mobile
		({"email": ""}, Policy(), None),
		({"mobile": None, "email": None}, Policy(), NO_CHANNEL),
		({"mobile": "", "email": ""}, Policy(), NO_CHANNEL),
		({"sms_blocked": True, "email_blocked": True}, Policy(), OPTED_OUT),
		({"sms_blocked": True, "email": None}, Policy(), OPTED_OUT),
		({"email_blocked": True, "mobile": None}, Policy(), OPTED_OUT),
		({"sms_blocked": True}, Policy(), None),  # email still works
		({"email_blocked": True}, Policy(), None),  # texts still work
		# Revoked consent: cannot text, and with no email there is no channel left.
		({"sms_consent": "Revoked", "email": None}, Policy(), NO_CHANNEL),
		({"sms_consent": "Revoked"}, Policy(), None),
		({"sms_consent": "Unknown", "email": None}, Policy(require_sms_consent=True), NO_CONSENT),
		({"sms_consent": "Granted", "email": None}, Policy(require_sms_consent=True), None),
		# email follows the practice's consent choice: no consent, no email either
		({"sms_consent": "Unknown"}, Policy(require_sms_consent=True), NO_CONSENT),
		({"sms_consent": "Unknown", "mobile": None, "email": None}, Policy(require_sms_consent=True), NO_CHANNEL),
		({"sms_consent": "Unknown", "email": None}, Policy(require_sms_consent=False), None),
	],
)
def test_channel_exclusions(kw, policy, expected):
	assert patient_exclusion(facts(**kw), policy, TODAY) == expected


@pytest.mark.parametrize(
	("dob", "minimum_age", "expected"),
	[
		(date(2008, 11, 19), 18, MINOR),  # turns 18 tomorrow
		(date(2008, 11, 18), 18, None),  # turns 18 today
		(date(2021, 1, 1), 0, None),  # minimum age 0 disables the check
		(date(2006, 1, 1), 21, MINOR),
		(None, 18, None),  # unknown dob never counts as a minor
		(None, 99, None),
	],
)
def test_minimum_age(dob, minimum_age, expected):
	assert patient_exclusion(facts(dob=dob), Policy(minimum_age=minimum_age), TODAY) == expected


# ---------------------------------------------------------------- arbitrate


def run(segments, candidates, patients, cooldowns=()):
	return arbitrate(segments, candidates, {p.patient: p for p in patients}, set(cooldowns), TODAY, CYCLE)


def summary(det: Detection):
	return (
		sorted((e.patient, e.segment) for e in det.entries),
		sorted((x.patient, x.segment, x.reason) for x in det.exclusions),
	)


A = seg("A", 100, None, priority=10)
B = seg("B", 100, None, priority=20)
C = seg("C", 100, None, priority=30)


ZETA = seg("Zeta", 100, None, priority=5)  # sorts last by name, first by priority


@pytest.mark.parametrize("order", [(ZETA, A), (A, ZETA)])
def test_lower_priority_number_wins(order):
	det = run(order, {"Zeta": {"P-1": cand("P-1", 200)}, "A": {"P-1": cand("P-1", 300)}}, [facts()])
	assert summary(det) == ([("P-1", "Zeta")], [("P-1", "A", f"{HIGHER_PRIORITY}: Zeta")])
	assert det.entries[0].candidate.event_date == ago(200)  # Zeta's own candidate, not A's


def test_priority_tie_broken_by_name():
	alpha, beta = seg("Alpha", 100, priority=10), seg("Beta", 100, priority=10)
	cands = {"Beta": {"P-1": cand("P-1", 200)}, "Alpha": {"P-1": cand("P-1", 200)}}
	det = run([beta, alpha], cands, [facts()])
	assert summary(det) == ([("P-1", "Alpha")], [("P-1", "Beta", f"{HIGHER_PRIORITY}: Alpha")])


def test_three_matching_campaigns_all_point_at_the_winner():
	cands = {s: {"P-1": cand("P-1", 200)} for s in "ABC"}
	det = run([C, B, A], cands, [facts()])
	assert summary(det) == (
		[("P-1", "A")],
		[("P-1", "B", f"{HIGHER_PRIORITY}: A"), ("P-1", "C", f"{HIGHER_PRIORITY}: A")],
	)


def test_cooldown_on_first_campaign_joins_the_next():
	cands = {s: {"P-1": cand("P-1", 200)} for s in "ABC"}
	det = run([A, B, C], cands, [facts()], cooldowns={("P-1", "A")})
	assert summary(det) == (
		[("P-1", "B")],
		[("P-1", "A", COOLDOWN), ("P-1", "C", f"{HIGHER_PRIORITY}: B")],
	)


def test_cooldown_on_a_losing_campaign_reports_priority():
	cands = {s: {"P-1": cand("P-1", 200)} for s in "AB"}
	det = run([A, B], cands, [facts()], cooldowns={("P-1", "B")})
	assert summary(det) == ([("P-1", "A")], [("P-1", "B", f"{HIGHER_PRIORITY}: A")])


def test_cooldown_is_per_patient():
	cands = {"A": {"P-1": cand("P-1", 200), "P-2": cand("P-2", 200)}}
	det = run([A], cands, [facts("P-1"), facts("P-2")], cooldowns={("P-2", "A")})
	assert summary(det) == ([("P-1", "A")], [("P-2", "A", COOLDOWN)])


def test_cooldown_everywhere_means_no_entry():
	cands = {s: {"P-1": cand("P-1", 200)} for s in "AB"}
	det = run([A, B], cands, [facts()], cooldowns={("P-1", "A"), ("P-1", "B")})
	assert summary(det) == ([], [("P-1", "A", COOLDOWN), ("P-1", "B", COOLDOWN)])


def test_globally_excluded_patient_gets_one_exclusion_per_matching_campaign():
	narrow = seg("Narrow", 10, 20, priority=5)  # P-1's event is outside this window
	cands = {s: {"P-1": cand("P-1", 200)} for s in ("A", "B", "Narrow")}
	det = run([narrow, A, B], cands, [facts(do_not_contact=True)], cooldowns={("P-1", "A")})
	assert summary(det) == ([], [("P-1", "A", DO_NOT_CONTACT), ("P-1", "B", DO_NOT_CONTACT)])


def test_candidate_without_patient_facts_is_ignored():
	cands = {"A": {"P-1": cand("P-1", 200), "GONE": cand("GONE", 200)}}
	det = run([A], cands, [facts("P-1")])
	assert summary(det) == ([("P-1", "A")], [])


def test_window_mismatch_yields_nothing():
	cands = {"A": {"P-1": cand("P-1", 50)}, "B": {"P-1": cand("P-1", 150)}}
	det = run([A, B], cands, [facts()])
	assert summary(det) == ([("P-1", "B")], [])


def test_future_candidate_yields_nothing():
	cands = {"A": {"P-1": Candidate("P-1", TODAY + timedelta(days=3))}}
	det = run([seg("A", None, None)], cands, [facts()])
	assert summary(det) == ([], [])


def test_segment_without_candidates_is_harmless():
	det = run([A, B], {"B": {"P-1": cand("P-1", 200)}}, [facts()])
	assert summary(det) == ([("P-1", "B")], [])


@pytest.mark.parametrize(
	("segment", "days", "expected"),
	[
		(
			seg("Recall", 180, 270),
			200,
			"Last visit on 2026-05-02 (Patient Encounter ENC-0042), 200 days ago; Recall takes 180-270 days.",
		),
		(
			seg("Old", 365, None),
			400,
			"Last visit on 2025-10-14 (Patient Encounter ENC-0042), 400 days ago; Old takes 365+ days.",
		),
		(
			seg("Tx", 14, 90, rule_kind="Unfinished Treatment"),
			30,
			"Treatment ordered on 2026-10-19 (Patient Encounter ENC-0042), 30 days ago; Tx takes 14-90 days.",
		),
	],
)
def test_entry_reason_names_evidence_and_day_count(segment, days, expected):
	det = run([segment], {segment.name: {"P-1": cand("P-1", days, "ENC-0042")}}, [facts()])
	(entry,) = det.entries
	assert entry.reason == expected
	assert "Patient Encounter ENC-0042" in entry.reason
	assert f"{days} days ago" in entry.reason


def test_entry_reason_without_evidence_has_no_parentheses():
	det = run([A], {"A": {"P-1": Candidate("P-1", ago(120))}}, [facts()])
	assert "(" not in det.entries[0].reason
	assert "120 days ago" in det.entries[0].reason


@pytest.mark.parametrize(("percent", "held"), [(0.0, False), (100.0, True)])
def test_entry_holdout_follows_segment_percent(percent, held):
	s = seg("H", 100, None, holdout=percent)
	det = run(
		[s], {"H": {f"P-{i}": cand(f"P-{i}", 200) for i in range(20)}}, [facts(f"P-{i}") for i in range(20)]
	)
	assert len(det.entries) == 20
	assert {e.holdout for e in det.entries} == {held}


def test_many_patients_each_placed_once():
	pats = [facts(f"P-{i}") for i in range(6)]
	pats[4] = facts("P-4", open_lapse=True)
	cands = {
		"A": {"P-0": cand("P-0", 200), "P-1": cand("P-1", 50), "P-4": cand("P-4", 200)},
		"B": {"P-0": cand("P-0", 200), "P-1": cand("P-1", 200), "P-2": cand("P-2", 200)},
		"C": {"P-3": cand("P-3", 200), "P-5": cand("P-5", 200)},
	}
	det = run([A, B, C], cands, pats, cooldowns={("P-5", "C")})
	entries, exclusions = summary(det)
	assert entries == [("P-0", "A"), ("P-1", "B"), ("P-2", "B"), ("P-3", "C")]
	assert exclusions == [
		("P-0", "B", f"{HIGHER_PRIORITY}: A"),
		("P-4", "A", OPEN_LAPSE),
		("P-5", "C", COOLDOWN),
	]
	assert len({e.patient for e in det.entries}) == len(det.entries)


def test_reason_counts_per_segment_and_overall():
	det = Detection(
		exclusions=[
			Exclusion("P-1", "A", DO_NOT_CONTACT),
			Exclusion("P-1", "B", DO_NOT_CONTACT),
			Exclusion("P-2", "A", COOLDOWN),
			Exclusion("P-3", "A", COOLDOWN),
			Exclusion("P-2", "B", f"{HIGHER_PRIORITY}: A"),
		]
	)
	assert det.reason_counts() == {DO_NOT_CONTACT: 2, COOLDOWN: 2, f"{HIGHER_PRIORITY}: A": 1}
	assert det.reason_counts("A") == {DO_NOT_CONTACT: 1, COOLDOWN: 2}
	assert det.reason_counts("B") == {DO_NOT_CONTACT: 1, f"{HIGHER_PRIORITY}: A": 1}
	assert det.reason_counts("missing") == {}
	assert Detection().reason_counts() == {}


def test_reason_counts_from_arbitrate():
	pats = [facts("P-1", disabled=True), facts("P-2"), facts("P-3", mobile=None, email=None)]
	cands = {s: {p.patient: cand(p.patient, 200) for p in pats} for s in "AB"}
	det = run([A, B], cands, pats)
	assert det.reason_counts() == {DISABLED: 2, NO_CHANNEL: 2, f"{HIGHER_PRIORITY}: A": 1}
	assert det.reason_counts("A") == {DISABLED: 1, NO_CHANNEL: 1}


# ---------------------------------------------------------------- is_holdout

IDS = [f"PAT-{i:06d}" for i in range(20_000)]


def test_holdout_is_deterministic():
	first = [is_holdout(p, "Recall", CYCLE, 37.5) for p in IDS[:2000]]
	again = [is_holdout(p, "Recall", CYCLE, 37.5) for p in IDS[:2000]]
	assert first == again
	assert 0 < sum(first) < 2000


@pytest.mark.parametrize(("percent", "expected"), [(0, False), (-5, False), (100, True), (150, True)])
def test_holdout_extremes(percent, expected):
	assert {is_holdout(p, "Recall", CYCLE, percent) for p in IDS[:2000]} == {expected}


@pytest.mark.parametrize("percent", [10.0, 50.0])
def test_holdout_share_matches_percent(percent):
	share = 100 * sum(is_holdout(p, "Recall", CYCLE, percent) for p in IDS) / len(IDS)
	assert abs(share - percent) <= 1.0, share


@pytest.mark.parametrize(("other_segment", "other_cycle"), [("Recall", "2026-12-16"), ("Long lapse", CYCLE)])
def test_holdout_reshuffles_per_cycle_and_segment(other_segment, other_cycle):
	base = [is_holdout(p, "Recall", CYCLE, 10) for p in IDS[:5000]]
	other = [is_holdout(p, other_segment, other_cycle, 10) for p in IDS[:5000]]
	assert base != other
	both = sum(a and b for a, b in zip(base, other, strict=True))
	assert both < sum(base) / 2  # independent draws overlap ~10%, not ~100%
