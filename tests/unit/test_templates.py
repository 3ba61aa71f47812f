import re

import pytest

from winback_app.engine.templates import ALL_VARIABLES, check_template, render, sms_size
from winback_app.setup.default_segments import DEFAULT_SEGMENTS


@pytest.mark.parametrize(
	"text,encoding,chars,segments",
	[
		("", "GSM-7", 0, 0),
		("a" * 160, "GSM-7", 160, 1),
		("a" * 161, "GSM-7", 161, 2),
		("a" * 306, "GSM-7", 306, 2),
		("a" * 307, "GSM-7", 307, 3),
		("{" * 80, "GSM-7", 160, 1),  # extension characters cost two septets
		("{" * 81, "GSM-7", 162, 2),
		("Hi 😀", "UCS-2", 5, 1),  # the emoji is a surrogate pair: two UTF-16 units
		("é" * 160, "GSM-7", 160, 1),  # é is in the GSM-7 basic set
		("ç" * 70, "UCS-2", 70, 1),  # ç (lower case) is not
		("ç" * 71, "UCS-2", 71, 2),
	],
)
def test_sms_size_counts_segments_like_carriers(text, encoding, chars, segments):
	size = sms_size(text)
	assert (size.encoding, size.characters, size.segments) == (encoding, chars, segments)


def test_unknown_variable_is_an_error_naming_it():
	check = check_template("Hi {{ frist_name }} {{ booking_link }}", channel="SMS")
	assert not check.ok
	assert "frist_name" in check.errors[0]


def test_frappe_globals_are_not_reachable_from_a_template():
	check = check_template(
		"{{ frappe.db.get_value('Patient', 'x', 'mobile') }} {{ booking_link }}", channel="Email"
	)
	assert not check.ok
	assert "frappe" in check.errors[0]


def test_sandbox_refuses_attribute_escapes():
	check = check_template("{{ first_name.__class__.__mro__ }} {{ booking_link }}", channel="SMS")
	assert not check.ok
	assert "does not render" in check.errors[0]


def test_syntax_error_reports_line():
	check = check_template("Hi {{ first_name ", channel="SMS")
	assert not check.ok and "syntax error" in check.errors[0]


def test_clinical_variable_refused_in_sms_unless_allowed():
	template = "{{ first_name }}, time for your {{ procedure_name }}: {{ booking_link }}"
	assert not check_template(template, channel="SMS").ok
	assert check_template(template, channel="SMS", allow_clinical=True).ok
	assert check_template(template, channel="Email").ok


@pytest.mark.parametrize("word", ["Botox", "root canal", "FILLER", "your diagnosis", "implant"])
def test_clinical_words_refused_in_sms(word):
	check = check_template(
		f"Hi {{{{ first_name }}}}, about your {word}: {{{{ booking_link }}}}", channel="SMS"
	)
	assert any("Clinical words" in e for e in check.errors)


def test_sms_without_booking_link_is_refused():
	check = check_template("Hi {{ first_name }}, call us!", channel="SMS")
	assert any("booking_link" in e for e in check.errors)


def test_long_sms_is_a_warning_with_the_count():
	check = check_template("{{ booking_link }} " + "x" * 200, channel="SMS")
	assert check.ok
	assert check.sms_size.segments == 2
	assert "2 SMS segments" in check.warnings[0]


def test_emoji_is_a_ucs2_warning():
	check = check_template("Hi {{ first_name }} 😀 {{ booking_link }}", channel="SMS")
	assert check.ok and check.sms_size.encoding == "UCS-2"
	assert "UCS-2" in check.warnings[0]


def test_empty_template_is_an_error():
	assert not check_template("   ", channel="Email").ok


def test_render_uses_only_given_context():
	assert render("Hi {{ first_name }}", {"first_name": "Sam"}) == "Hi Sam"
	with pytest.raises(Exception):
		render("Hi {{ first_name }}", {})


def test_every_default_template_passes_its_checks_in_one_segment():
	for segment in DEFAULT_SEGMENTS:
		sms = [t for t in segment["touches"] if t["channel"] == "SMS"]
		assert sms, segment["segment_name"]
		assert "opt_out_text" in sms[0]["template"], "the first SMS says how to opt out"
		for touch in segment["touches"]:
			check = check_template(touch["template"], channel=touch["channel"])
			assert check.ok, (segment["segment_name"], check.errors)
			if touch["channel"] == "SMS":
				assert check.sms_size.segments == 1, (segment["segment_name"], check.rendered)
				prose = check.rendered.replace(ALL_VARIABLES["booking_link"], "").replace(
					ALL_VARIABLES["opt_out_text"], ""
				)
				assert len(re.findall(r"[.!?](\s|$)", prose)) <= 1, ("two sentences at most", check.rendered)
				assert ALL_VARIABLES["practice_name"] in check.rendered or touch is not sms[0]
