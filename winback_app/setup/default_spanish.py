"""The default campaigns' words in Spanish: data, shipped as each campaign's "Messages in other languages".

A patient whose Patient > Language is Spanish (es, es-MX, ...) gets these words; the variables come in Spanish
too (the month's name, the opt-out line: sending/render.py). Texts avoid á, í, ó and ú where a natural wording
allows (they would switch a text to UCS-2, 70 characters a segment), so each Spanish text costs no more segments
than its English step; the questions are worded the way replies are read (engine.booking_talk: "Responda A",
"Responda 1 ... 2 ... 3", a day). Emails keep their accents. Call tasks are for staff and stay in the clinic's
language.
"""

from __future__ import annotations

SPANISH = "es"

SMS_FIRST_ES = "{{{{ first_name }}}}, le saluda {{{{ practice_name }}}}: {body} {{{{ booking_link }}}} {{{{ opt_out_text }}}}"
RECALL_OFFER_ES = (
	"le toca su siguiente visita. Responda 1 para mañanas, 2 para tardes o 3 para noches, o reserve:"
)
RESCUE_OFFER_ES = (
	"sentimos no haberle visto. Responda A para la siguiente hora libre o indique una fecha, o reserve:"
)
NEW_PATIENT_OFFER_ES = "¡bienvenido! Responda con una fecha que le venga bien, o reserve:"
LAST_VISIT_ES = (
	"{% if last_visit_month %}Su última visita fue en {{ last_visit_month }}"
	"{% if practitioner_name %}, con {{ practitioner_name }}{% endif %}.\n\n{% endif %}"
)


def email_es(opening: str, history: bool = False) -> str:
	return (
		"Hola {{ first_name }}:\n\n"
		f"{opening}\n\n"
		f"{LAST_VISIT_ES if history else ''}"
		"Elegir una hora es un solo toque, sin cuenta ni llamada:\n{{ booking_link }}\n\n"
		"Si lo prefiere, llámenos al {{ practice_phone }} y buscamos una hora juntos.\n\n"
		"Un saludo cordial,\nEl equipo de {{ practice_name }}"
	)


def _standard(hook: str, subject: str, opening: str, nudge: str, history: bool = False) -> dict:
	"""Spanish words of the standard cadence: day 1 text, day 4 email, day 9 text."""
	return {
		(1, "SMS"): (SMS_FIRST_ES.format(body=hook), ""),
		(4, "Email"): (email_es(opening, history), subject),
		(9, "SMS"): (nudge, ""),
	}


# campaign -> {(day, channel): (template, email subject)}
SPANISH_WORDS: dict[str, dict[tuple[int, str], tuple[str, str]]] = {
	"Missed Appointment Rescue": {
		(1, "SMS"): (SMS_FIRST_ES.format(body=RESCUE_OFFER_ES), ""),
		(2, "SMS"): (
			"{{ first_name }}, le saluda de nuevo {{ practice_name }}: responda A para la siguiente hora libre, "
			"o reserve: {{ booking_link }}",
			"",
		),
		(4, "Email"): (
			email_es("Le esperábamos en su cita y deseamos que todo esté bien."),
			"Le echamos de menos, {{ first_name }}",
		),
	},
	"Unfinished Treatment": _standard(
		"terminemos lo que empezamos, reserve su hora:",
		"Terminemos lo que empezamos, {{ first_name }}",
		"En su última visita planeamos juntos un siguiente paso, y todavía no tiene cita.",
		"{{ first_name }}, un recordatorio de {{ practice_name }}: su siguiente paso queda a un toque: "
		"{{ booking_link }}",
	),
	"New Patient Never Booked": _standard(
		NEW_PATIENT_OFFER_ES,
		"Bienvenido a {{ practice_name }}, {{ first_name }}",
		"Gracias por elegirnos. Nos encantará conocerle en persona.",
		"{{ first_name }}, en {{ practice_name }} tenemos ganas de conocerle: {{ booking_link }}",
	),
	"Lapsed Membership": _standard(
		"queremos volver a verle, reserve su hora:",
		"Nos encantaría recibirle de nuevo, {{ first_name }}",
		"{% if membership_status == 'past due' %}Vimos que el último pago de su membresía no se completó. Si desea "
		"mantenerla, llámenos y lo resolvemos juntos; en cualquier caso, nos encantaría verle."
		"{% else %}Vimos que su membresía terminó, y nos encantaría seguir cuidándole.{% endif %}",
		"{{ first_name }}, en {{ practice_name }} queremos volver a verle pronto: {{ booking_link }}",
	),
	"6-Month Hygiene Recall": _standard(
		RECALL_OFFER_ES,
		"Es hora de su próxima visita, {{ first_name }}",
		"Han pasado unos seis meses desde su última visita, así que le toca su cita de rutina.",
		"{{ first_name }}, un recordatorio de {{ practice_name }}: quedan horas libres este mes. {{ booking_link }}",
		history=True,
	),
	"Annual Check-in": {
		(1, "Email"): (
			email_es(
				"Ya casi ha pasado un año desde su última visita. Cuando quiera hacer su revisión anual, "
				"le estamos esperando.",
				history=True,
			),
			"Cuando usted quiera, {{ first_name }}",
		),
		(4, "SMS"): (SMS_FIRST_ES.format(body="toca su visita anual, reserve su hora:"), ""),
		(9, "SMS"): (
			"{{ first_name }}, su visita anual en {{ practice_name }} queda a un toque: {{ booking_link }}",
			"",
		),
	},
	"Win-Back 9-18 Months": _standard(
		"le echamos de menos, elija una hora:",
		"Le echamos de menos, {{ first_name }}",
		"Ha pasado un tiempo desde su última visita y nos encantaría volver a verle.",
		"{{ first_name }}, en {{ practice_name }} tenemos un hueco para usted cuando quiera: {{ booking_link }}",
		history=True,
	),
	"Med Spa Maintenance - Neurotoxin": _standard(
		"toca su siguiente visita de mantenimiento:",
		"Es hora de su visita de mantenimiento, {{ first_name }}",
		"Han pasado unos tres meses desde su última visita, el momento habitual para reservar la siguiente.",
		"{{ first_name }}, {{ practice_name }} tiene horas libres para su siguiente visita: {{ booking_link }}",
		history=True,
	),
	"Med Spa Maintenance - Filler": _standard(
		"es buen momento para planear su siguiente visita:",
		"Planeemos su siguiente visita, {{ first_name }}",
		"Han pasado unos meses desde su última visita, buen momento para planear la siguiente.",
		"{{ first_name }}, {{ practice_name }} tiene horas libres para su siguiente visita: {{ booking_link }}",
		history=True,
	),
	"Dormant 18+ Months": _standard(
		"ha pasado un tiempo y queremos volver a verle:",
		"Nos alegrará volver a verle, {{ first_name }}",
		"Ha pasado bastante tiempo desde su última visita. Muchas cosas han cambiado y nos alegrará recibirle "
		"de nuevo.",
		"{{ first_name }}, en {{ practice_name }} siempre le esperamos: {{ booking_link }}",
		history=True,
	),
}


def translations_for(campaign: str) -> list[dict]:
	"""The "Messages in other languages" rows a default campaign ships with."""
	return [
		{
			"day_offset": day,
			"channel": channel,
			"language": SPANISH,
			"template": template,
			"email_subject": subject or None,
		}
		for (day, channel), (template, subject) in sorted(SPANISH_WORDS.get(campaign, {}).items())
	]


def with_spanish(segments: list[dict]) -> list[dict]:
	"""Each default campaign with its Spanish rows (a campaign without any is returned as it is)."""
	return [
		{**seg, "translations": translations_for(seg["segment_name"])}
		if seg["segment_name"] in SPANISH_WORDS
		else seg
		for seg in segments
	]
