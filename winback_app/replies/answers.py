"""The automatic answer to a text, in words: only the answer the plan chose is worked out.

A STOP, START, HELP or thank-you confirmation is a sentence from the settings: it never makes a booking link or
asks for free slots. Only the booking answers make (or reuse) the lapse's booking token, and only the slots
answer reads the schedule, with that token itself (never a link parsed back).
"""

from __future__ import annotations

from frappe import _
from frappe.utils import format_time

from winback_app.engine import replies, reply_plan
from winback_app.settings import get_settings

SLOTS_SHOWN = 3


def answer_text(key: str | None, lapse, intent: replies.Intent) -> str | None:
	"""The words of answer `key` (engine.reply_plan.ANSWER_*) for this text and lapse; None when there is none."""
	if not key:
		return None
	settings = get_settings()
	if key in (reply_plan.ANSWER_BOOKING_LINK, reply_plan.ANSWER_SLOTS):
		return booking_answer(key, lapse, intent, settings).strip()
	practice = settings.practice_name or _("your clinic")
	if key == reply_plan.ANSWER_OPTED_OUT:
		text = _("{0}: you're unsubscribed and won't get more texts from us. Reply START to resume.").format(
			practice
		)
	elif key == reply_plan.ANSWER_RESUBSCRIBED:
		text = _("{0}: you'll get our texts again. Reply STOP to opt out.").format(practice)
	elif key == reply_plan.ANSWER_HELP:
		text = _("{0}: questions? Call us at {1}. Reply STOP to opt out.").format(
			practice, settings.practice_phone or ""
		)
	elif key == reply_plan.ANSWER_SNOOZED:
		text = _("No problem, we'll check in later. Reply STOP to opt out.")
	elif key == reply_plan.ANSWER_WRONG_NUMBER:
		text = _("Sorry for the mix-up. We've removed this number from our list.")
	elif key == reply_plan.ANSWER_THANKS:
		text = _("Thanks! Someone from {0} will text you back shortly.").format(practice)
	else:
		raise KeyError(key)
	return text.strip()


def booking_answer(key: str, lapse, intent: replies.Intent, settings) -> str:
	"""The booking link (made on first use, the same link as the cadence's), or free times to pick from."""
	from winback_app.booking.links import booking_token, booking_url

	token = booking_token(lapse, settings) if lapse else None
	link = booking_url(token, settings) if token else ""
	if key == reply_plan.ANSWER_BOOKING_LINK:
		return _(
			"Wonderful! Pick a time here: {0} Or reply 1 for a morning, 2 afternoon or 3 evening."
		).format(link)
	return slots_text(token, link, intent.choice)


def slots_text(token: str | None, link: str, choice: int | None) -> str:
	"""The first free times in the part of the day the patient chose (1, 2 or 3), and the link to book one."""
	from winback_app.booking.service import BookingProblem, lapse_for_token, offer
	from winback_app.engine.slots import choice_parts

	part_label = {1: _("morning"), 2: _("afternoon"), 3: _("evening")}.get(choice, "")
	times = []
	try:
		part = choice_parts()[(choice or 1) - 1]
		for slot in offer(lapse_for_token(token), part)[:SLOTS_SHOWN]:
			times.append(f"{slot.start.strftime('%a %d %b')} {format_time(slot.start.time(), 'h:mm a')}")
	except (BookingProblem, IndexError):
		times = []
	if not times:
		return _("No {0} times are free online just now. See all times here: {1}").format(part_label, link)
	return _("Free {0} times: {1}. Book here: {2}").format(part_label, ", ".join(times), link)
