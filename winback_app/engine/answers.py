"""The words of the automatic answers to patients' texts, in English and Spanish, chosen by the patient's language.

One job: answer_text(key, language, **values) -> str. The Frappe side passes the practice's details (name,
phone, opening hours, the date a pause ends, a booking link...) and the patient's language (the host Patient's
`language` field when set, else Understanding.language); a language with no table here gets English.

No answer here gives clinical advice: an urgent text is told to call the practice and, if it is an emergency,
911 or the nearest emergency room (and, for self-harm, the 988 crisis line); a clinical text is told a person
will reply. Every template is also in winback_app/translations/es.csv (source = the English template, context =
SMS_CONTEXT), generated from this table and checked by tests/unit/test_answers.py, so a site can also reach
them through frappe's _(english, lang="es", context=SMS_CONTEXT) and override a wording with a Translation
record. Standard library only; this module never performs I/O.
"""

from __future__ import annotations

from datetime import date

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)
SMS_CONTEXT = "Win-Back SMS"  # the context column of translations/es.csv

URGENT = "urgent"
URGENT_CRISIS = "urgent_crisis"
CLINICAL_RECEIVED = "clinical_received"
HELP = "help"
HELP_WITH_HOURS = "help_with_hours"
SNOOZED = "snoozed"
SNOOZED_UNTIL = "snoozed_until"
THANKS = "thanks"
OPTED_OUT = "opted_out"
RESUBSCRIBED = "resubscribed"
WRONG_NUMBER = "wrong_number"
BOOKING_LINK = "booking_link"
SLOTS = "slots"
NO_SLOTS = "no_slots"
MORNING = "morning"
AFTERNOON = "afternoon"
EVENING = "evening"
# Booking by text (engine.booking_talk composes these with the options, the day and time, the practice).
BOOK_OPTIONS = "book_options"
BOOK_OPTIONS_WHEN = "book_options_when"
BOOK_NEAREST = "book_nearest"
BOOK_NEAREST_WHEN = "book_nearest_when"
BOOK_CONFIRM_NEXT = "book_confirm_next"
BOOK_CONFIRM = "book_confirm"
BOOK_CONFIRM_NEAREST = "book_confirm_nearest"
BOOK_CONFIRM_NEAREST_WHEN = "book_confirm_nearest_when"
BOOKED_CALENDAR = "booked_calendar"
BOOKED = "booked"
BOOKED_SHORT = "booked_short"
BOOK_NO_TIMES = "book_no_times"
BOOK_TAKEN = "book_taken"

# key -> {language: template}. Named placeholders: {practice}, {phone}, {hours}, {date}, {link}, {times},
# {part}; booking by text adds {options} (the numbered times), {numbers} ("1, 2 or 3"), {when} (the wish in
# words), {time} (one time, with the practitioner) and {place} (the practice and its address). Keep each
# English template on one SMS (160 GSM-7 characters with typical values) where possible; the Spanish booking
# texts avoid á, í, ó and ú where a natural wording allows, so the options stay GSM-7 (two segments hold 306
# characters, 134 in UCS-2).
TEXTS: dict[str, dict[str, str]] = {
	URGENT: {
		ENGLISH: "{practice}: we got your message. Please call us now at {phone}. If this is an emergency, call "
		"911 or go to the nearest emergency room.",
		SPANISH: "{practice}: recibimos su mensaje. Llámenos ahora al {phone}. Si es una emergencia, llame al 911 "
		"o vaya a la sala de emergencias más cercana.",
	},
	URGENT_CRISIS: {
		ENGLISH: "{practice}: we got your message. If you are thinking about harming yourself, call or text 988 "
		"now. If this is an emergency, call 911 or go to the nearest emergency room. Our phone: {phone}.",
		SPANISH: "{practice}: recibimos su mensaje. Si está pensando en hacerse daño, llame o escriba al 988 "
		"ahora. Si es una emergencia, llame al 911 o vaya a la sala de emergencias más cercana. Nuestro "
		"teléfono: {phone}.",
	},
	CLINICAL_RECEIVED: {
		ENGLISH: "{practice}: thanks, we got your message and a member of our team will contact you. To talk to "
		"us now, call {phone}.",
		SPANISH: "{practice}: gracias, recibimos su mensaje y una persona de nuestro equipo le va a contactar. "
		"Para hablar con nosotros ahora, llame al {phone}.",
	},
	HELP: {
		ENGLISH: "{practice}: questions? Call us at {phone}. Reply STOP to opt out.",
		SPANISH: "{practice}: ¿preguntas? Llámenos al {phone}. Responda STOP para no recibir más mensajes.",
	},
	HELP_WITH_HOURS: {
		ENGLISH: "{practice}: questions? Call us at {phone} ({hours}). Reply STOP to opt out.",
		SPANISH: "{practice}: ¿preguntas? Llámenos al {phone} ({hours}). Responda STOP para no recibir más "
		"mensajes.",
	},
	SNOOZED: {
		ENGLISH: "No problem, we'll check in later. Reply STOP to opt out.",
		SPANISH: "No hay problema, le escribiremos más adelante. Responda STOP para no recibir más mensajes.",
	},
	SNOOZED_UNTIL: {
		ENGLISH: "No problem, we'll check in again around {date}. Reply STOP to opt out.",
		SPANISH: "No hay problema, le escribiremos de nuevo alrededor del {date}. Responda STOP para no recibir "
		"más mensajes.",
	},
	THANKS: {
		ENGLISH: "Thanks! Someone from {practice} will text you back shortly.",
		SPANISH: "¡Gracias! Alguien de {practice} le responderá pronto.",
	},
	OPTED_OUT: {
		ENGLISH: "{practice}: you're unsubscribed and won't get more texts from us. Reply START to resume.",
		SPANISH: "{practice}: ya no recibirá más mensajes nuestros. Responda START para volver a recibirlos.",
	},
	RESUBSCRIBED: {
		ENGLISH: "{practice}: you'll get our texts again. Reply STOP to opt out.",
		SPANISH: "{practice}: volverá a recibir nuestros mensajes. Responda STOP para no recibir más mensajes.",
	},
	WRONG_NUMBER: {
		ENGLISH: "Sorry for the mix-up. We've removed this number from our list.",
		SPANISH: "Disculpe la confusión. Quitamos este número de nuestra lista.",
	},
	BOOKING_LINK: {
		ENGLISH: "Wonderful! Pick a time here: {link} Or reply 1 for a morning, 2 afternoon or 3 evening.",
		SPANISH: "¡Excelente! Elija su hora en este enlace: {link} O responda 1 para la mañana, 2 para la tarde o "
		"3 para la noche.",
	},
	SLOTS: {
		ENGLISH: "Free {part} times: {times}. Book here: {link}",
		SPANISH: "Horas libres por la {part}: {times}. Reserve aquí: {link}",
	},
	NO_SLOTS: {
		ENGLISH: "No {part} times are free online just now. See all times here: {link}",
		SPANISH: "Ahora no hay horas libres por la {part} en línea. Vea todas las horas aquí: {link}",
	},
	MORNING: {ENGLISH: "morning", SPANISH: "mañana"},
	AFTERNOON: {ENGLISH: "afternoon", SPANISH: "tarde"},
	EVENING: {ENGLISH: "evening", SPANISH: "noche"},
	BOOK_OPTIONS: {
		ENGLISH: "Here are free times: {options} Reply {numbers}, or tell us another day.",
		SPANISH: "Horas libres: {options} Responda {numbers}, o indique otra fecha.",
	},
	BOOK_OPTIONS_WHEN: {
		ENGLISH: "Here are free times {when}: {options} Reply {numbers}, or tell us another day.",
		SPANISH: "Horas libres {when}: {options} Responda {numbers}, o indique otra fecha.",
	},
	BOOK_NEAREST: {
		ENGLISH: "Nothing is free then. The nearest times: {options} Reply {numbers}, or tell us another day.",
		SPANISH: "Para entonces no hay horas libres. Otras opciones: {options} Responda {numbers}, o indique otra "
		"fecha.",
	},
	BOOK_NEAREST_WHEN: {
		ENGLISH: "Nothing is free {when}. The nearest times: {options} Reply {numbers}, or tell us another day.",
		SPANISH: "No hay horas libres {when}. Otras opciones: {options} Responda {numbers}, o indique otra fecha.",
	},
	BOOK_CONFIRM_NEXT: {
		ENGLISH: "The next available time is {time}. Reply YES to book it, or tell us another day.",
		SPANISH: "La próxima hora libre es {time}. Responda SÍ para reservarla, o indique otra fecha.",
	},
	BOOK_CONFIRM: {
		ENGLISH: "{time} is free. Reply YES to book it, or tell us another day.",
		SPANISH: "Hay una hora libre: {time}. Responda SÍ para reservarla, o indique otra fecha.",
	},
	BOOK_CONFIRM_NEAREST: {
		ENGLISH: "Nothing is free then. The nearest time is {time}. Reply YES to book it, or tell us another day.",
		SPANISH: "Para entonces no hay horas libres. La más cercana es {time}. Responda SÍ para reservarla, o "
		"indique otra fecha.",
	},
	BOOK_CONFIRM_NEAREST_WHEN: {
		ENGLISH: "Nothing is free {when}. The nearest time is {time}. Reply YES to book it, or tell us another "
		"day.",
		SPANISH: "No hay horas libres {when}. La más cercana es {time}. Responda SÍ para reservarla, o indique "
		"otra fecha.",
	},
	BOOKED_CALENDAR: {
		ENGLISH: "You're booked: {time} at {place}. Add to calendar: {link} Questions? Call {phone}.",
		SPANISH: "Cita reservada: {time} en {place}. Agregar al calendario: {link} ¿Preguntas? Llame al {phone}.",
	},
	BOOKED: {
		ENGLISH: "You're booked: {time} at {place}. Questions? Call {phone}.",
		SPANISH: "Cita reservada: {time} en {place}. ¿Preguntas? Llame al {phone}.",
	},
	BOOKED_SHORT: {
		ENGLISH: "You're booked: {time} at {place}.",
		SPANISH: "Cita reservada: {time} en {place}.",
	},
	BOOK_NO_TIMES: {
		ENGLISH: "No times are free online just now. Call us at {phone} or see all times here: {link}",
		SPANISH: "Ahora no hay horas libres por internet. Llame al {phone} o vea todas las horas en este enlace: {link}",
	},
	BOOK_TAKEN: {
		ENGLISH: "Sorry, that time was just taken.",
		SPANISH: "Esa hora ya fue reservada.",
	},
}

_MONTHS = {
	ENGLISH: (
		"January",
		"February",
		"March",
		"April",
		"May",
		"June",
		"July",
		"August",
		"September",
		"October",
		"November",
		"December",
	),
	SPANISH: (
		"enero",
		"febrero",
		"marzo",
		"abril",
		"mayo",
		"junio",
		"julio",
		"agosto",
		"septiembre",
		"octubre",
		"noviembre",
		"diciembre",
	),
}


def language_of(patient_language: str | None, detected: str | None = None) -> str:
	"""The language to answer in: the patient's record first ("es", "es-MX" -> "es"), else the text's."""
	for candidate in (patient_language, detected):
		base = (candidate or "").strip().lower().replace("_", "-").split("-")[0]
		if base in LANGUAGES:
			return base
	return ENGLISH


def reply_language(patient_language: str | None, detected: str | None) -> str:
	"""The language to answer a text in: the patient's record when it names a language we have other than
	English, else the language the text is written in. English is what a host Patient record says by default,
	so it never outweighs a text written in Spanish; a record set to Spanish wins over an English "yes"."""
	record = language_of(patient_language)
	return record if record != ENGLISH else language_of(None, detected)


def answer_text(key: str, language: str | None = ENGLISH, **values: object) -> str:
	"""The answer `key` in `language` (English when the language has no table), with values filled in.

	A date value is written the language's way ("January 6" / "6 de enero"); an empty practice name reads
	"your clinic" / "su clínica". Raises KeyError for an unknown key or a missing placeholder value."""
	lang = language_of(language)
	return fill(TEXTS[key].get(lang) or TEXTS[key][ENGLISH], lang, **values)


def fill(template: str, language: str | None = ENGLISH, **values: object) -> str:
	"""A template of this table, or a site's own translation of one (frappe's Translation records for
	SMS_CONTEXT), with values filled in the way answer_text() fills them."""
	lang = language_of(language)
	filled = dict(values)
	if not filled.get("practice"):
		filled["practice"] = "su clínica" if lang == SPANISH else "your clinic"
	for name, value in values.items():
		if isinstance(value, date):
			filled[name] = format_date(value, lang)
	return " ".join(template.format(**filled).split())


def format_date(value: date, language: str | None = ENGLISH) -> str:
	lang = language_of(language)
	month = _MONTHS[lang][value.month - 1]
	return f"{value.day} de {month}" if lang == SPANISH else f"{month} {value.day}"
