import re

import pytest

from winback_app.engine.templates import (
	ALL_VARIABLES,
	TemplateProblem,
	TemplateTooLarge,
	TemplateTooSlow,
	check_template,
	max_chars_for,
	render,
	sms_size,
)
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


def test_every_default_template_passes_its_checks_in_one_segment_or_two_when_it_asks():
	for segment in DEFAULT_SEGMENTS:
		sms = [t for t in segment["touches"] if t["channel"] == "SMS"]
		assert sms, segment["segment_name"]
		assert "opt_out_text" in sms[0]["template"], "the first SMS says how to opt out"
		for touch in segment["touches"]:
			check = check_template(touch["template"], channel=touch["channel"])
			assert check.ok, (segment["segment_name"], check.errors)
			if touch["channel"] == "SMS":
				# One segment, except a text that asks a question answered by text (1/2/3, A, a day): two.
				allowed = 2 if check.question else 1
				assert check.sms_size.segments <= allowed, (segment["segment_name"], check.rendered)
				prose = check.rendered.replace(ALL_VARIABLES["booking_link"], "").replace(
					ALL_VARIABLES["opt_out_text"], ""
				)
				assert len(re.findall(r"[.!?](\s|$)", prose)) <= 1, ("two sentences at most", check.rendered)
				assert ALL_VARIABLES["practice_name"] in check.rendered or touch is not sms[0]


# --- Bounded rendering: a manager's template can never hang or swamp a worker.


@pytest.mark.parametrize(
	"template",
	[
		"{% for i in range(10**9) %}x{% endfor %}",
		# nested loops that print nothing: no output chunk would ever arrive to check a deadline against
		"{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
		"{% set s = 'x' * 5000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
		"{% for a in [1,2,3,4,5,6,7,8,9,10] %}{% for b in 'abcdefghij' * 100 %}"
		"{% for c in range(100) %}{% endfor %}{% endfor %}{% endfor %}",
	],
)
def test_loops_that_repeat_too_much_stop_at_the_loop_budget(template):
	with pytest.raises(TemplateTooSlow, match="repeats more than 10,000 times"):
		render(template, ALL_VARIABLES)


@pytest.mark.parametrize(
	"template",
	[
		"{{ 'x' * 10**9 }}",
		"{{ [1] * 10**9 }}",
		"{{ 9 ** 999999 }}",
		"{% set a = 'x' * 50000 %}{{ a ~ a ~ a }}",
		"{% set a = 'x' * 60000 %}{{ a + a }}",
		"{% set x %}{% for i in range(5000) %}{{ 'y' * 99 }}{% endfor %}{% endset %}{{ x|length }}",
		"{{ first_name|replace('', 'x' * 99999) }}",
	],
)
def test_values_too_large_are_refused_before_they_are_built(template):
	with pytest.raises(TemplateTooLarge):
		render(template, ALL_VARIABLES)


@pytest.mark.parametrize(
	"template",
	[
		"{{ 'x'|center(1000000000) }}",  # not an available filter
		"{{ first_name.center(1000000000) }}",  # not an available string method
		"{{ '{:>999999999}'.format(1) }}",
		"{{ '%0999999999d' % 1 }}",
		"{{ lipsum(1000000) }}",
		"{{ [].append(1) }}",
	],
)
def test_growing_filters_methods_and_globals_do_not_exist(template):
	with pytest.raises(Exception) as caught:
		render(template, ALL_VARIABLES)
	assert not isinstance(caught.value, MemoryError)


def test_the_deadline_is_checked_while_rendering():
	with pytest.raises(TemplateTooSlow, match="longer than 0 s"):
		render("Hi {{ first_name }}", ALL_VARIABLES, seconds=0)


def test_sms_output_is_capped_at_1600_characters():
	assert len(render("{{ 'a' * 1600 }}", ALL_VARIABLES, max_chars=max_chars_for("SMS"))) == 1600
	with pytest.raises(TemplateTooLarge, match="longer than 1,600 characters"):
		render("{{ 'a' * 1601 }}", ALL_VARIABLES, max_chars=max_chars_for("SMS"))
	assert len(render("{{ 'a' * 5000 }}", ALL_VARIABLES, max_chars=max_chars_for("Email"))) == 5000


def test_output_stops_at_the_first_chunk_over_budget():
	# Each loop item is one output chunk; the render stops long before the loop budget would.
	with pytest.raises(TemplateTooLarge):
		render("{% for i in range(9000) %}{{ 'x' * 99 }}{% endfor %}", ALL_VARIABLES, max_chars=1600)


def test_a_problem_says_what_bound_was_broken_never_the_patients_data():
	context = dict(ALL_VARIABLES, first_name="Zyxwvut")
	with pytest.raises(TemplateProblem) as caught:
		render("{{ first_name * 50000 }}", context)
	assert "Zyxwvut" not in str(caught.value)


def test_ordinary_templates_still_have_filters_loops_and_conditions():
	text = render(
		"{% if practitioner_name %}{{ practitioner_name }} and {% endif %}{{ first_name|upper }} "
		"{{ last_visit_month|default('a while') }} {% for i in range(2) %}{{ loop.index }}{% endfor %} "
		"{{ practice_name|replace('Dental', 'Dentistry') }} {{ first_name.title() }} {{ 'ab' ~ 'cd' }}",
		ALL_VARIABLES,
	)
	assert text == "Dr. Rivera and ALEX March 2026 12 Bright Smile Dentistry Alex abcd"


def test_a_template_cannot_shadow_the_loop_guard():
	with pytest.raises(TemplateTooSlow):
		render(
			"{% set winback_iter = None %}{% for i in range(5000) %}{% for j in range(5) %}{% endfor %}"
			"{% endfor %}",
			ALL_VARIABLES,
		)


@pytest.mark.parametrize(
	"template,words",
	[
		("{% for i in range(10**9) %}{{ booking_link }}{% endfor %}", "repeats more than"),
		("{{ booking_link }} {{ 'Hello! ' * 300 }}", "longer than 1,600 characters"),
	],
)
def test_check_refuses_looping_or_oversized_sms_on_save(template, words):
	check = check_template(template, channel="SMS")
	assert not check.ok
	assert words in check.errors[0] and "cannot be sent" in check.errors[0]


def test_check_refuses_an_oversized_template():
	check = check_template("{{ booking_link }}" + "x" * 20_001, channel="Email")
	assert not check.ok and "longer than 20,000" in check.errors[0]


NESTED = "{% set a = [1,2,3,4,5,6,7,8,9,0] %}" + "".join(
	"{% set " + name + " = [" + ",".join([inner] * 10) + "] %}"
	for inner, name in zip("abcdefg", "bcdefgh", strict=True)
)  # h: eight levels of ten references, cheap to build, 10^8 numbers to print


@pytest.mark.parametrize(
	"tail", ["{{ h }}", "{{ h|string }}", "{{ h ~ '' }}", "{{ h|e }}", "{{ first_name.startswith(h) }}"]
)
def test_nested_lists_are_weighed_before_they_are_printed(tail):
	with pytest.raises(TemplateTooLarge):
		render(NESTED + tail, ALL_VARIABLES)


# --- Offers a text makes (engine.booking_talk.question_in): the checks know how replies to them are read.
LINK = " {{ booking_link }}"


@pytest.mark.parametrize(
	"template,question",
	[
		("Reply 1 for mornings, 2 for afternoons or 3 for evenings, or book:" + LINK, "parts"),
		("Reply A for the next available time, or tell us what day works best:" + LINK, "next"),
		("Reply with a day that works and we will send options, or book:" + LINK, "day"),
		("Hi {{ first_name }}, book here:" + LINK, None),
	],
)
def test_the_check_says_which_question_a_text_asks(template, question):
	check = check_template(template, channel="SMS")
	assert check.ok and check.question == question
	assert not [w for w in check.warnings if "offers" in w]


def test_parts_numbered_otherwise_than_replies_are_read_is_an_error():
	check = check_template("Reply 1 for afternoons, 2 for mornings or 3 for evenings:" + LINK, channel="SMS")
	assert not check.ok
	assert check.errors == [
		"Replies to this text are read as 1 for mornings, 2 for afternoons and 3 for evenings, but it offers 1 for "
		"afternoons, 2 for mornings. Number the parts of the day that way."
	]


def test_parts_offered_with_one_left_out_is_a_warning():
	check = check_template("Reply 1 for mornings or 2 for afternoons:" + LINK, channel="SMS")
	assert check.ok and check.question == "parts"
	assert any("leaves out 3 for evenings" in w for w in check.warnings)


def test_a_letter_that_does_not_say_what_it_is_is_a_warning():
	check = check_template("Reply A to book:" + LINK, channel="SMS")
	assert check.ok and check.question == "next"
	assert any('offers "A" without saying what it is' in w for w in check.warnings)


def test_both_offers_in_one_text_is_a_warning():
	check = check_template(
		"Reply 1 for mornings, 2 for afternoons, 3 for evenings, or A for the next available time:" + LINK,
		channel="SMS",
	)
	assert check.ok and any('both "A" and 1, 2 or 3' in w for w in check.warnings)


def test_a_spanish_offer_is_checked_too():
	check = check_template("Responda 1 para la tarde, 2 para la mañana:" + LINK, channel="SMS")
	assert not check.ok and "offers 1 for afternoons, 2 for mornings" in check.errors[0]
