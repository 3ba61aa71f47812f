"""The automatic answer to a text, in words, in the patient's language: only the answer the plan chose is worked out.

The words are engine/answers.py's table, reached through frappe's translations (translations/es.csv ships the
Spanish; a site may reword any answer, in any language, with a Translation record for the context
"Win-Back SMS"), filled with the practice's details from Win-Back Settings. A STOP, START, HELP, urgent or
thank-you answer never makes a booking link or asks for free slots. Only the booking answers make (or reuse)
the lapse's booking token, and only the slots answer reads the schedule, with that token itself (never a link
parsed back). An FAQ answer is the practice's own words, as the manager wrote them (checked when saved).
"""

from __future__ import annotations

from datetime import date

from frappe import _
from frappe.utils import format_time

from winback_app.engine import answers, replies, reply_plan
from winback_app.settings import get_settings

SLOTS_SHOWN = 3
PARTS = {1: answers.MORNING, 2: answers.AFTERNOON, 3: answers.EVENING}


def answer_text(
	key: str | None,
	lapse,
	understood: replies.Understanding,
	*,
	language: str | None = None,
	pause_ends: date | None = None,
) -> str | None:
	"""The words of answer `key` (engine.reply_plan.ANSWERS) for this text and lapse; None when there is none.

	language: the patient's ("es", "es-MX", ...; English where no translation exists); pause_ends: the date a
	"not now" pauses until, for the answer that names it."""
	if not key:
		return None
	if key == reply_plan.ANSWER_FAQ:
		text = (understood.faq_answer or "").strip()
		if not text:
			raise ValueError("The matched answer has no text.")
		return text
	settings = get_settings()
	if key in (reply_plan.ANSWER_BOOKING_LINK, reply_plan.ANSWER_SLOTS):
		return booking_answer(key, lapse, understood.choice, settings, language).strip()
	if key not in answers.TEXTS:
		raise KeyError(key)
	values = {
		"practice": settings.practice_name or "",
		"phone": settings.practice_phone or "",
		"hours": " ".join((settings.get("practice_hours") or "").split()),
	}
	if pause_ends:
		values["date"] = pause_ends
	return words(key, language, **values)


def words(key: str, language: str | None, **values) -> str:
	"""Answer `key` of engine/answers.py in this language, as the site translates it, filled with values."""
	lang = answers.language_of(language)
	english = answers.TEXTS[key][answers.ENGLISH]
	template = _(english, lang=lang, context=answers.SMS_CONTEXT)
	if template == english and lang != answers.ENGLISH:
		template = answers.TEXTS[key].get(lang) or english  # the site has no translation file loaded
	try:
		return answers.fill(template, lang, **values)
	except (KeyError, IndexError, ValueError, AttributeError):
		# A site's own wording that does not fill (a placeholder mistyped): the shipped wording instead.
		return answers.answer_text(key, lang, **values)


def booking_answer(key: str, lapse, choice: int | None, settings, language: str | None) -> str:
	"""The booking link (made on first use, the same link as the cadence's), or free times to pick from."""
	from winback_app.booking.links import booking_token, booking_url

	token = booking_token(lapse, settings) if lapse else None
	if not token:
		raise ValueError("A booking answer needs the patient's open lapse.")
	link = booking_url(token, settings)
	if key == reply_plan.ANSWER_BOOKING_LINK:
		return words(answers.BOOKING_LINK, language, link=link)
	return slots_text(token, link, choice, language)


def slots_text(token: str, link: str, choice: int | None, language: str | None) -> str:
	"""The first free times in the part of the day the patient chose (1, 2 or 3), and the link to book one."""
	from winback_app.booking.service import BookingProblem, lapse_for_token, offer
	from winback_app.engine.slots import choice_parts

	part_label = words(PARTS[choice], language) if choice in PARTS else ""
	times = []
	try:
		part = choice_parts()[(choice or 1) - 1]
		for slot in offer(lapse_for_token(token), part)[:SLOTS_SHOWN]:
			times.append(f"{slot.start.strftime('%a %d %b')} {format_time(slot.start.time(), 'h:mm a')}")
	except (BookingProblem, IndexError):
		times = []
	if not times:
		return words(answers.NO_SLOTS, language, part=part_label, link=link)
	return words(answers.SLOTS, language, part=part_label, times=", ".join(times), link=link)
