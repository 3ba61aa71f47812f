"""Automatic answer texts (engine/answers.py) and the patient's language (engine/language.py)."""

import csv
from datetime import date
from pathlib import Path

import pytest

from winback_app.engine import answers
from winback_app.engine.answers import SMS_CONTEXT, TEXTS, answer_text, format_date, language_of
from winback_app.engine.language import decides, detect
from winback_app.engine.replies import understand
from winback_app.engine.templates import sms_size

ES_CSV = Path(answers.__file__).resolve().parents[1] / "translations" / "es.csv"
VALUES = dict(
	practice="Bright Smile Dental",
	phone="(555) 010-0100",
	hours="Mon-Fri 8-5",
	date=date(2027, 1, 6),
	link="https://clinic.example/book/Xy7Qk2Lm9Np4Rs6T",
	times="Thu 19 Nov 9:00 AM",
	part="morning",
	# booking by text
	options="1) Thu Dec 10, 2:30 PM, Dr. Lee 2) Fri Dec 11, 9:00 AM, Dr. Patel 3) Mon Dec 14, 4:00 PM, Dr. Lee",
	numbers="1, 2 or 3",
	when="on Thu Dec 10 in the afternoon",
	time="Tue Dec 8 at 9:00 AM with Dr. Lee",
	place="Bright Smile Dental, 1 Main St",
)


@pytest.mark.parametrize("key", sorted(TEXTS))
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_answer_fills_in_both_languages(key, language):
	text = answer_text(key, language, **VALUES)
	assert "{" not in text and "}" not in text
	assert text == " ".join(text.split())


def test_urgent_answers_give_the_phone_and_the_emergency_line_and_never_a_link():
	for language in ("en", "es"):
		for key in (answers.URGENT, answers.URGENT_CRISIS):
			text = answer_text(key, language, practice="Bright Smile Dental", phone="(555) 010-0100")
			assert "(555) 010-0100" in text and "911" in text and "http" not in text
	assert "emergency room" in answer_text(answers.URGENT, "en", practice="P", phone="1")
	assert "sala de emergencias" in answer_text(answers.URGENT, "es", practice="P", phone="1")
	assert "988" in answer_text(answers.URGENT_CRISIS, "en", practice="P", phone="1")


def test_not_now_names_the_date_the_patient_s_way():
	assert answer_text(answers.SNOOZED_UNTIL, "en", date=date(2027, 1, 6)) == (
		"No problem, we'll check in again around January 6. Reply STOP to opt out."
	)
	assert "alrededor del 6 de enero" in answer_text(answers.SNOOZED_UNTIL, "es", date=date(2027, 1, 6))
	assert format_date(date(2027, 3, 1), "es") == "1 de marzo"


def test_help_names_phone_and_hours():
	text = answer_text(
		answers.HELP_WITH_HOURS,
		"en",
		practice="Bright Smile Dental",
		phone="(555) 010-0100",
		hours="Mon-Fri 8-5",
	)
	assert (
		text
		== "Bright Smile Dental: questions? Call us at (555) 010-0100 (Mon-Fri 8-5). Reply STOP to opt out."
	)


def test_language_fallbacks():
	assert language_of("es-MX") == "es"
	assert language_of("ES") == "es"
	assert language_of(None, "es") == "es"
	assert language_of("fr", "es") == "es"  # no French table: the text's own language
	assert language_of("fr") == "en"
	assert answer_text(answers.THANKS, "fr", practice="P") == answer_text(answers.THANKS, "en", practice="P")
	assert answer_text(answers.THANKS, "es") == "¡Gracias! Alguien de su clínica le responderá pronto."
	with pytest.raises(KeyError):
		answer_text("no such answer", "en")


def test_english_answers_fit_one_or_two_sms():
	for key, table in TEXTS.items():
		text = table["en"].format(**VALUES)
		assert sms_size(text).segments <= 2, key


def test_spanish_answers_a_patient_waits_on_fit_two_sms():
	"""Spanish words with á, í, ó or ú cost UCS-2 (70 characters a segment): the everyday answers are worded to
	stay within two. The urgent ones may run longer: what they say matters more than what they cost."""
	for key, table in TEXTS.items():
		if key in ("urgent", "urgent_crisis") or key.startswith("book_confirm_nearest"):
			continue  # the booking texts are fitted (and shortened) by engine.booking_talk itself
		try:
			text = table["es"].format(**VALUES)
		except KeyError:
			continue  # a booking text's own placeholders: fitted by engine.booking_talk
		assert sms_size(text).segments <= 2, (key, text)


def test_translation_file_carries_every_spanish_text():
	"""translations/es.csv is the same table for frappe's _(english, lang="es", context=SMS_CONTEXT)."""
	with ES_CSV.open(encoding="utf-8", newline="") as handle:
		rows = list(csv.reader(handle))
	assert rows == [[table["en"], table["es"], SMS_CONTEXT] for table in TEXTS.values()]


@pytest.mark.parametrize(
	"text,language",
	[
		("Sí", "es"),
		("ahora no", "es"),
		("me duele la muela", "es"),
		("¿Cuál es su horario?", "es"),
		("Número equivocado", "es"),
		("Quiero una cita", "es"),
		("ALTO", "es"),
		("Yes", "en"),
		("ok", "en"),
		("1", "en"),
		("", "en"),
		(None, "en"),
		("No", "en"),
		("What are your hours?", "en"),
		("I moved to Mexico", "en"),
	],
)
def test_language_detection(text, language):
	assert detect(text) == language


@pytest.mark.parametrize(
	"text,decided",
	[
		("1", False),
		("2", False),
		(" A ", False),
		("3pm", False),
		("", False),
		(None, False),
		("si", True),
		("¿2?", True),
		("ok", True),
		("the first one", True),
		("el primero", True),
	],
)
def test_whether_a_text_says_its_language(text, decided):
	"""A reply that names no language ("1" after the times) keeps the conversation's language (replies.handler)."""
	assert decides(text) is decided


def test_understanding_carries_the_language():
	assert understand("Me duele mucho y tengo la cara hinchada").language == "es"
	assert understand("My face is swollen").language == "en"
