from winback_app.engine.segments import SegmentSpec, TouchSpec, validate_segment

SMS = TouchSpec(1, "SMS", "{{ first_name }}, it's {{ practice_name }}: {{ booking_link }} {{ opt_out_text }}")
EMAIL = TouchSpec(
	4, "Email", "Hi {{ first_name }}, {{ booking_link }}", email_subject="Hello {{ first_name }}"
)


def spec(**kw):
	base = dict(name="Recall", rule_kind="Recall Window", min_days=180, max_days=270, touches=(SMS, EMAIL))
	base.update(kw)
	return SegmentSpec(**base)


def test_a_sound_segment_passes():
	check = validate_segment(spec())
	assert check.errors == [] and check.warnings == []


def test_window_needs_a_lower_bound_and_ordering():
	assert any("From (days)" in e for e in validate_segment(spec(min_days=None)).errors)
	assert any("greater than" in e for e in validate_segment(spec(min_days=300, max_days=200)).errors)
	assert validate_segment(spec(rule_kind="Missed Appointment", min_days=None, max_days=None)).errors == []


def test_holdout_bounds():
	assert validate_segment(spec(holdout_percent=120)).errors
	assert validate_segment(spec(holdout_percent=60)).warnings


def test_med_spa_needs_procedure_templates_before_enabling():
	disabled = spec(rule_kind="Med Spa Maintenance", enabled=False)
	assert validate_segment(disabled).errors == []
	enabled = spec(rule_kind="Med Spa Maintenance", enabled=True)
	assert any("Clinical Procedure Template" in e for e in validate_segment(enabled).errors)
	mapped = spec(
		rule_kind="Med Spa Maintenance", enabled=True, filters=(("Clinical Procedure Template", "Tox"),)
	)
	assert validate_segment(mapped).errors == []


def test_touch_problems_are_named_with_day_and_channel():
	bad = TouchSpec(9, "SMS", "Call us about your implant {{ booking_link }}")
	check = validate_segment(spec(touches=(SMS, bad)))
	assert any(e.startswith("Touch 2 (day 9, SMS) message: Clinical words") for e in check.errors)


def test_duplicate_day_and_channel_refused():
	check = validate_segment(spec(touches=(SMS, SMS)))
	assert any("double-send" in e for e in check.errors)


def test_email_needs_subject_and_day_one_is_first():
	check = validate_segment(spec(touches=(TouchSpec(0, "Email", "{{ booking_link }}"),)))
	assert any("day 1" in e for e in check.errors)
	assert any("subject" in e for e in check.errors)


def test_no_touches_refused():
	assert any("at least one touch" in e for e in validate_segment(spec(touches=())).errors)
