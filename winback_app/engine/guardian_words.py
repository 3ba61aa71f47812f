"""The words a parent gets when a minor is reached through them (Win-Back Settings > Reach minors through a parent
or guardian): addressed to the parent by name, about the child by first name, in the parent's language.

A campaign's own words speak to the patient ("you're due for your next visit"), so they are not sent to a parent
as they are. A step whose template names the parent ({{ guardian_first_name }}) is the manager's own wording for
parents and is used as written; any other step is sent to a parent in these words, one set per kind of
campaign (a missed appointment, a first visit, a next visit) and channel. They ask no question to answer by
number (the parent books with the link, replies in their own words, or calls), carry the booking link, name the
practice and nothing clinical; the first text to a number gets the opt-out line like every first text
(engine.sending.ensure_first_sms_identifies). Spanish texts avoid accented vowels where a natural wording
allows (GSM-7, as setup/default_spanish.py). Call tasks are for staff and stay in the clinic's language.
This module never performs I/O.
"""

from __future__ import annotations

import re

from winback_app.engine.segments import base_language

GUARDIAN_VARIABLE = "guardian_first_name"
_NAMES_GUARDIAN = re.compile(r"\bguardian_first_name\b")

RESCUE, WELCOME, VISIT = "rescue", "welcome", "visit"
_KIND_OF_RULE = {"Missed Appointment": RESCUE, "New Patient Never Booked": WELCOME}

# kind -> (first text, later text, email subject, email opening)
_WORDS: dict[str, dict[str, tuple[str, str, str, str]]] = {
	"en": {
		RESCUE: (
			"{{ guardian_first_name }}, it's {{ practice_name }}: we missed {{ first_name }} at their appointment. "
			"Choose a new time in one tap: {{ booking_link }}",
			"{{ guardian_first_name }}, {{ practice_name }} here again: a new time for {{ first_name }} is one "
			"tap away: {{ booking_link }}",
			"A new time for {{ first_name }}",
			"We missed {{ first_name }} at their appointment and hope all is well.",
		),
		WELCOME: (
			"{{ guardian_first_name }}, it's {{ practice_name }}: we'd love to see {{ first_name }} for a first "
			"visit. Choose a time in one tap: {{ booking_link }}",
			"{{ guardian_first_name }}, a friendly reminder from {{ practice_name }}: {{ first_name }}'s first "
			"visit is one tap away: {{ booking_link }}",
			"A first visit for {{ first_name }}",
			"We'd love to welcome {{ first_name }} for a first visit.",
		),
		VISIT: (
			"{{ guardian_first_name }}, it's {{ practice_name }}: it's time for {{ first_name }}'s next visit. "
			"Choose a time in one tap: {{ booking_link }}",
			"{{ guardian_first_name }}, a friendly reminder from {{ practice_name }}: {{ first_name }}'s next "
			"visit is one tap away: {{ booking_link }}",
			"Time for {{ first_name }}'s next visit",
			"It's time for {{ first_name }}'s next visit, and we'd love to see them.",
		),
	},
	"es": {
		RESCUE: (
			"{{ guardian_first_name }}, le saluda {{ practice_name }}: echamos de menos a {{ first_name }} en "
			"su cita. Elija una nueva hora: {{ booking_link }}",
			"{{ guardian_first_name }}, le saluda de nuevo {{ practice_name }}: una nueva hora para "
			"{{ first_name }} esta a un toque: {{ booking_link }}",
			"Una nueva hora para {{ first_name }}",
			"Echamos de menos a {{ first_name }} en su cita y deseamos que todo esté bien.",
		),
		WELCOME: (
			"{{ guardian_first_name }}, le saluda {{ practice_name }}: nos encantaria ver a {{ first_name }} en "
			"una primera visita. Elija una hora: {{ booking_link }}",
			"{{ guardian_first_name }}, un recordatorio de {{ practice_name }}: la primera visita de "
			"{{ first_name }} esta a un toque: {{ booking_link }}",
			"Una primera visita para {{ first_name }}",
			"Nos encantaría recibir a {{ first_name }} en una primera visita.",
		),
		VISIT: (
			"{{ guardian_first_name }}, le saluda {{ practice_name }}: a {{ first_name }} le toca su siguiente "
			"visita. Elija una hora: {{ booking_link }}",
			"{{ guardian_first_name }}, un recordatorio de {{ practice_name }}: la siguiente visita de "
			"{{ first_name }} esta a un toque: {{ booking_link }}",
			"La siguiente visita de {{ first_name }}",
			"A {{ first_name }} le toca su siguiente visita, y nos encantaría verle.",
		),
	},
}

_EMAIL = {
	"en": (
		"Hi {{ guardian_first_name }},\n\n{opening}\n\n"
		"Choosing a time takes one tap, no account or phone call needed:\n{{ booking_link }}\n\n"
		"If it's easier, call us at {{ practice_phone }} and we'll find a time together.\n\n"
		"Warmly,\nThe team at {{ practice_name }}"
	),
	"es": (
		"Hola {{ guardian_first_name }}:\n\n{opening}\n\n"
		"Elegir una hora es un solo toque, sin cuenta ni llamada:\n{{ booking_link }}\n\n"
		"Si lo prefiere, llámenos al {{ practice_phone }} y buscamos una hora juntos.\n\n"
		"Un saludo cordial,\nEl equipo de {{ practice_name }}"
	),
}

CALL_TASK = (
	"Call {{ guardian_first_name }}, the parent of {{ first_name }} ({{ practice_name }} win-back). Ask how they "
	"are, offer two times for {{ first_name }} this week, and note the outcome."
)


def names_guardian(template: str) -> bool:
	"""A manager's words for parents: the template uses {{ guardian_first_name }}."""
	return bool(_NAMES_GUARDIAN.search(template or ""))


def language_of(language: str | None) -> str:
	"""The shipped language these words are in for this language code ("es-MX" -> "es"; others: English)."""
	base = base_language(language)
	return base if base in _WORDS else "en"


def words(rule_kind: str, channel: str, first_text: bool, language: str | None) -> tuple[str, str, str]:
	"""(template, email subject, language) of the message to a parent for this kind of campaign and channel.

	channel: the channel the message goes out on ("SMS", "Email", "Call Task"); first_text: no text has gone
	to this number yet (the opening words); language: the parent's (Patient > Language)."""
	lang = language_of(language)
	kind = _KIND_OF_RULE.get(rule_kind, VISIT)
	first, later, subject, opening = _WORDS[lang][kind]
	if channel == "Email":
		return _EMAIL[lang].replace("{opening}", opening), subject, lang
	if channel == "SMS":
		return (first if first_text else later), "", lang
	return CALL_TASK, "", "en"
