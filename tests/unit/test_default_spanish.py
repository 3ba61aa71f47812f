"""A step's words in the patient's language, and the Spanish words the default campaigns ship with."""

from winback_app.engine.booking_talk import question_in
from winback_app.engine.message_words import OPT_OUT_TEXT, SHIPPED_WORDS
from winback_app.engine.segments import SegmentSpec, TouchSpec, TouchWords, validate_segment
from winback_app.engine.sms import sms_size
from winback_app.engine.templates import ALL_VARIABLES, render
from winback_app.setup.default_segments import DEFAULT_SEGMENTS
from winback_app.setup.default_spanish import SPANISH_WORDS, translations_for

# The opt-out line a Spanish message gets where the site has no translation of its own (sending/render.py).
SPANISH_CONTEXT = {**ALL_VARIABLES, "opt_out_text": SHIPPED_WORDS["es"][OPT_OUT_TEXT]}


def test_the_patients_language_picks_the_variant_and_anything_else_the_steps_words():
	step = TouchSpec(
		1,
		"Email",
		"Hello",
		email_subject="Hi",
		variants=(TouchWords("es", "Hola", "Saludos"), TouchWords("fr", "Bonjour", "")),
	)
	assert step.words_for("es") == ("Hola", "Saludos", "es")
	assert step.words_for("es-MX") == ("Hola", "Saludos", "es"), "a regional code finds its language"
	assert step.words_for("fr") == ("Bonjour", "Hi", "fr"), "a variant without a subject keeps the step's"
	assert step.words_for("de") == ("Hello", "Hi", "")
	assert step.words_for(None) == ("Hello", "Hi", "")


def test_a_variant_is_checked_like_the_step():
	spec = SegmentSpec(
		name="T",
		rule_kind="Recall Window",
		min_days=180,
		touches=(TouchSpec(1, "SMS", "{{ booking_link }}", variants=(TouchWords("es", "{{ nombre }}"),)),),
	)
	errors = validate_segment(spec).errors
	assert any("in es" in e and "nombre" in e for e in errors), errors


def english_step(campaign: str, day: int, channel: str) -> dict:
	seg = next(s for s in DEFAULT_SEGMENTS if s["segment_name"] == campaign)
	return next(t for t in seg["touches"] if t["day_offset"] == day and t["channel"] == channel)


def test_every_spanish_default_names_a_shipped_step_and_passes_its_checks():
	for seg in DEFAULT_SEGMENTS:
		assert seg.get("translations") == translations_for(seg["segment_name"]), seg["segment_name"]
	for campaign, words in SPANISH_WORDS.items():
		for (day, channel), (template, subject) in words.items():
			english = english_step(campaign, day, channel)  # raises when the day and channel name no step
			spec = SegmentSpec(
				name=campaign,
				rule_kind="Recall Window",
				min_days=180,
				touches=(
					TouchSpec(
						day,
						channel,
						english["template"],
						english.get("email_subject") or "",
						variants=(TouchWords("es", template, subject),),
					),
				),
			)
			assert validate_segment(spec).errors == [], (campaign, day, channel)


def test_spanish_texts_cost_no_more_than_their_english_step_and_ask_the_same_question():
	for campaign, words in SPANISH_WORDS.items():
		for (day, channel), (template, _subject) in words.items():
			if channel != "SMS":
				continue
			english = english_step(campaign, day, channel)["template"]
			es = sms_size(render(template, SPANISH_CONTEXT, max_chars=1600))
			en = sms_size(render(english, ALL_VARIABLES, max_chars=1600))
			assert es.encoding == "GSM-7", (campaign, day, template)
			assert es.segments <= max(en.segments, 2), (campaign, day, es, en)
			assert question_in(render(template, SPANISH_CONTEXT)) == question_in(
				render(english, ALL_VARIABLES)
			), (
				campaign,
				day,
			)


def test_the_shipped_spanish_opt_out_line_keeps_a_text_gsm7():
	"""The opt-out line goes into every first text: a site translation of it with á, í, ó or ú would make each
	Spanish first text UCS-2 (70 characters a segment). The app's own es.csv, where it has the line, too."""
	import csv
	from pathlib import Path

	from winback_app.engine.message_words import OPT_OUT_TEXT, SHIPPED_WORDS

	assert sms_size(SHIPPED_WORDS["es"][OPT_OUT_TEXT]).encoding == "GSM-7"
	table = Path(__file__).resolve().parents[2] / "winback_app" / "translations" / "es.csv"
	for row in csv.reader(table.open(encoding="utf-8")):
		if row and row[0] == OPT_OUT_TEXT:
			assert sms_size(row[1]).encoding == "GSM-7", row[1]
