"""The playbook as the defaults: default wording that never says "today" on another day, a rescue that texts at
once and again the next morning with nobody held out, and an annual check-in that opens with the "ready when you
are" email."""

import re

from winback_app.setup.default_segments import DEFAULT_SEGMENTS

SAME_DAY_WORDS = re.compile(r"\b(today|tonight|this (morning|afternoon|evening))\b", re.IGNORECASE)


def every_default_touch():
	for seg in DEFAULT_SEGMENTS:
		for touch in seg["touches"]:
			yield seg, touch


def test_no_default_text_says_today_on_another_day():
	"""A text can be postponed (the window, the caps): only the words of a day-1 step sent at once could say
	"today" truthfully, and even those may wait for the morning. So no default message says it at all."""
	for seg, touch in every_default_touch():
		for words in (touch["template"], touch.get("email_subject") or ""):
			assert not SAME_DAY_WORDS.search(words), (seg["segment_name"], touch["day_offset"], words)


def test_the_rescue_texts_at_once_and_once_more_the_next_morning_with_nobody_held_out():
	[rescue] = [s for s in DEFAULT_SEGMENTS if s["rule_kind"] == "Missed Appointment"]
	assert rescue.get("holdout_percent") == 0
	touches = sorted(rescue["touches"], key=lambda t: t["day_offset"])
	assert (touches[0]["day_offset"], touches[0]["channel"], touches[0].get("send_at")) == (1, "SMS", None)
	assert "Reply A" in touches[0]["template"]
	texts = [t for t in touches if t["channel"] == "SMS"]
	assert len(texts) == 2, "one follow-up text, not a series"
	follow_up = texts[1]
	assert follow_up["day_offset"] == 2 and follow_up.get("send_at") and follow_up["send_at"] < "12:00"


def test_the_annual_check_in_opens_with_the_ready_when_you_are_email():
	[annual] = [s for s in DEFAULT_SEGMENTS if s["rule_kind"] == "Annual Check-in"]
	first = min(annual["touches"], key=lambda t: t["day_offset"])
	assert first["channel"] == "Email"
	assert "ready when you are" in (first["email_subject"] + first["template"]).lower()
	first_text = min((t for t in annual["touches"] if t["channel"] == "SMS"), key=lambda t: t["day_offset"])
	assert "{{ opt_out_text }}" in first_text["template"], "the first text still says how to opt out"
