""" "Only for" choices that limit plans (therapy plan templates, subscription plans): which rules read them, and how
a med spa series paused mid-way is described."""

from datetime import date

from winback_app.engine.detection import Candidate, describe
from winback_app.engine.segments import SegmentSpec, TouchSpec, validate_segment

CALL = (TouchSpec(day_offset=1, channel="Call Task", template="Call {{ first_name }}."),)


def spec(rule_kind: str, filters, enabled: bool = True) -> SegmentSpec:
	return SegmentSpec("X", rule_kind, enabled=enabled, min_days=60, filters=tuple(filters), touches=CALL)


def test_therapy_plan_templates_limit_med_spa_and_unfinished_plans_only():
	plan = [("Therapy Plan Template", "Tox series")]
	assert validate_segment(spec("Med Spa Maintenance", plan)).errors == []
	assert validate_segment(spec("Unfinished Therapy Plan", plan)).errors == []
	[error] = validate_segment(spec("Recall Window", plan)).errors
	assert "Therapy Plan Template" in error


def test_subscription_plans_limit_memberships_only():
	plans = [("Subscription Plan", "Gold")]
	assert validate_segment(spec("Lapsed Membership", plans)).errors == []
	assert validate_segment(spec("Annual Check-in", plans)).errors


def test_an_enabled_med_spa_campaign_needs_a_procedure_or_a_plan_template():
	assert validate_segment(spec("Med Spa Maintenance", [])).errors
	assert (
		validate_segment(spec("Med Spa Maintenance", [("Clinical Procedure Template", "Tox")])).errors == []
	)
	assert validate_segment(spec("Med Spa Maintenance", [], enabled=False)).errors == []


def test_a_paused_series_is_described_as_an_unfinished_plan():
	seg = spec("Med Spa Maintenance", [("Therapy Plan Template", "Tox series")])
	today = date(2026, 11, 18)
	paused = Candidate("P1", date(2026, 8, 20), "Therapy Plan", "HLC-THP-1")
	assert describe(seg, paused, today).startswith("Therapy plan unfinished; last visit on 2026-08-20")
	done = Candidate("P1", date(2026, 8, 20), "Clinical Procedure", "CP-1")
	assert describe(seg, done, today).startswith("Last maintenance procedure on 2026-08-20")
