"""The campaigns a clinic starts with: data, not code. Seeded disabled; a practice manager reviews and enables.

Every SMS is two sentences at most, names the practice and carries the booking link; the first SMS of each
cadence also says how to opt out. No template names a procedure or a condition: texts are read on lock
screens, so they stay warm and generic, and the detail lives behind the booking link and in the email.

No default message says "today", "tonight" or "this morning": any message can wait for the send window or the
caps, and words true on the day they were planned are false the day after (tests/unit/test_playbook.py). The
emails of the campaigns about a last visit name its month and practitioner when the records hold them. Each
campaign's Spanish words are in setup/default_spanish.py.
"""

from __future__ import annotations

SMS_FIRST = (
	"{{{{ first_name }}}}, it's {{{{ practice_name }}}}: {body} {{{{ booking_link }}}} {{{{ opt_out_text }}}}"
)


# The playbook's first texts ask a question the patient can answer by text (replies/by_text.py books it): the
# recall offers a part of the day, the rescue the next available time, the new patient a day. The words are what
# engine.booking_talk.question_in() recognizes, so the answer is read against the question.
RECALL_OFFER = (
	"you're due for your next visit. Reply 1 for mornings, 2 for afternoons or 3 for evenings, or book here:"
)
RESCUE_OFFER = "sorry we missed you. Reply A for the next open time or tell us a day that works, or book:"
NEW_PATIENT_OFFER = "welcome! Reply with a day that works for you, or book:"


def _standard_cadence(hook: str, email_subject: str, email_body: str, nudge: str, call: str) -> list[dict]:
	"""Day 1 SMS, day 4 email, day 9 SMS, day 14 call task: the cadence the practice agreed on."""
	return [
		{"day_offset": 1, "channel": "SMS", "template": SMS_FIRST.format(body=hook), "skip_if_replied": 1},
		{
			"day_offset": 4,
			"channel": "Email",
			"email_subject": email_subject,
			"template": email_body,
			"skip_if_replied": 1,
		},
		{"day_offset": 9, "channel": "SMS", "template": nudge, "skip_if_replied": 1},
		{"day_offset": 14, "channel": "Call Task", "template": call, "skip_if_replied": 1},
	]


LAST_VISIT = (
	"{% if last_visit_month %}Your last visit was in {{ last_visit_month }}"
	"{% if practitioner_name %}, with {{ practitioner_name }}{% endif %}.\n\n{% endif %}"
)


def _email(opening: str, history: bool = False) -> str:
	"""history: the campaign is about a last visit, and the email names its month and practitioner."""
	return (
		"Hi {{ first_name }},\n\n"
		f"{opening}\n\n"
		f"{LAST_VISIT if history else ''}"
		"Choosing a time takes one tap, no account or phone call needed:\n{{ booking_link }}\n\n"
		"If it's easier, call us at {{ practice_phone }} and we'll find a time together.\n\n"
		"Warmly,\nThe team at {{ practice_name }}"
	)


# Past due and cancelled are different conversations: a payment that did not go through is not a goodbye.
MEMBERSHIP_OPENING = (
	"{% if membership_status == 'past due' %}We noticed the last payment for your membership didn't go through. "
	"If you'd like to keep it, just call us and we'll sort it out together; either way, we'd love to see you."
	"{% else %}We noticed your membership has ended, and we'd love to keep looking after you.{% endif %}"
)

_CALL = (
	"Call {{ first_name }} ({{ practice_name }} win-back). Ask how they are, offer two times this week, "
	"and note the outcome. If they're not ready, ask when we may follow up."
)

DEFAULT_SEGMENTS: list[dict] = [
	{
		"segment_name": "Missed Appointment Rescue",
		"rule_kind": "Missed Appointment",
		"priority": 10,
		# Holding out a share of no-shows only measures how many more stay lost.
		"holdout_percent": 0,
		"reentry_cooldown_days": 30,
		"description": "Patients who missed an appointment 15-60 minutes ago (not checked in, no visit that day): "
		"a text at once offering the next open time (reply A), one more the next morning, an email, then a call. "
		"Nobody is held out: they meant to come.",
		"touches": [
			{
				"day_offset": 1,
				"channel": "SMS",
				"template": SMS_FIRST.format(body=RESCUE_OFFER),
				"skip_if_replied": 1,
			},
			{
				"day_offset": 2,
				"channel": "SMS",
				"send_at": "09:30",
				"template": "{{ first_name }}, {{ practice_name }} here again: reply A for the next open time, "
				"or book: {{ booking_link }}",
				"skip_if_replied": 1,
			},
			{
				"day_offset": 4,
				"channel": "Email",
				"email_subject": "We missed you, {{ first_name }}",
				"template": _email("We missed you at your appointment and hope everything is all right."),
				"skip_if_replied": 1,
			},
			{"day_offset": 6, "channel": "Call Task", "template": _CALL, "skip_if_replied": 1},
		],
	},
	{
		"segment_name": "Unfinished Treatment",
		"rule_kind": "Unfinished Treatment",
		"priority": 20,
		"min_days": 30,
		"max_days": 180,
		"description": "An accepted Service Request ordered 30-180 days ago that was never scheduled.",
		"touches": _standard_cadence(
			"let's finish what we started, book here:",
			"Let's finish what we started, {{ first_name }}",
			_email("When we last saw you, we planned a next step together, and it isn't booked yet."),
			"{{ first_name }}, a friendly reminder from {{ practice_name }} that your next step is one tap away: {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "New Patient Never Booked",
		"rule_kind": "New Patient Never Booked",
		"priority": 30,
		"min_days": 7,
		"max_days": 90,
		"description": "Registered 7-90 days ago and never booked an appointment.",
		"touches": _standard_cadence(
			NEW_PATIENT_OFFER,
			"Welcome to {{ practice_name }}, {{ first_name }}",
			_email("Thank you for choosing us. We'd love to meet you in person."),
			"{{ first_name }}, we're looking forward to meeting you at {{ practice_name }}: {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "Lapsed Membership",
		"rule_kind": "Lapsed Membership",
		"priority": 35,
		"min_days": 0,
		"max_days": 60,
		"description": "The patient's membership (an ERPNext Subscription) was cancelled or went unpaid in the last 60 days. "
		"A member who renews is dropped (the hourly poll closes their lapse).",
		"touches": _standard_cadence(
			"we'd love to see you again, book here:",
			"We'd love to welcome you back, {{ first_name }}",
			_email(MEMBERSHIP_OPENING),
			"{{ first_name }}, {{ practice_name }} would love to see you again soon: {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "6-Month Hygiene Recall",
		"rule_kind": "Recall Window",
		"priority": 40,
		"min_days": 180,
		"max_days": 270,
		"description": "Last visit 6-9 months ago: due for the routine recall visit. To count only hygiene visits, "
		"add your hygiene appointment types under Only for (Filter type Appointment Type, one row each, e.g. "
		"Cleaning, Periodic Exam); a patient whose last hygiene visit is 6-9 months ago joins even if they came "
		"for something else since. Empty: any visit counts.",
		"touches": _standard_cadence(
			RECALL_OFFER,
			"Time for your next visit, {{ first_name }}",
			_email(
				"It's been about six months since your last visit, so you're due for your next routine appointment.",
				history=True,
			),
			"{{ first_name }}, a quick nudge from {{ practice_name }}: we still have times open this month. {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "Annual Check-in",
		"rule_kind": "Annual Check-in",
		"priority": 45,
		"min_days": 335,
		"max_days": 395,
		"description": 'About a year since the last visit: a "ready when you are" email first, then texts and a '
		"call. Map your annual appointment types under Only for.",
		"touches": [
			{
				"day_offset": 1,
				"channel": "Email",
				"email_subject": "Ready when you are, {{ first_name }}",
				"template": _email(
					"It's almost a year since your last visit with us. Whenever you'd like your yearly check-in, "
					"we're ready when you are.",
					history=True,
				),
				"skip_if_replied": 1,
			},
			{
				"day_offset": 4,
				"channel": "SMS",
				"template": SMS_FIRST.format(body="it's time for your yearly visit, book here:"),
				"skip_if_replied": 1,
			},
			{
				"day_offset": 9,
				"channel": "SMS",
				"template": "{{ first_name }}, your yearly visit at {{ practice_name }} is one tap away: {{ booking_link }}",
				"skip_if_replied": 1,
			},
			{"day_offset": 14, "channel": "Call Task", "template": _CALL, "skip_if_replied": 1},
		],
	},
	{
		"segment_name": "Win-Back 9-18 Months",
		"rule_kind": "Recall Window",
		"priority": 50,
		"min_days": 270,
		"max_days": 540,
		"description": "Last visit 9-18 months ago.",
		"touches": _standard_cadence(
			"we've missed you, pick a time here:",
			"We've missed you, {{ first_name }}",
			_email("It's been a while since your last visit, and we'd love to see you again.", history=True),
			"{{ first_name }}, {{ practice_name }} still has a spot for you whenever you're ready: {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "Med Spa Maintenance - Neurotoxin",
		"rule_kind": "Med Spa Maintenance",
		"priority": 55,
		"min_days": 70,
		"max_days": 98,
		"description": "Last treatment 10-14 weeks ago. Map your own procedure templates under Only for before enabling.",
		"touches": _standard_cadence(
			"it's time for your next maintenance visit:",
			"Time for your maintenance visit, {{ first_name }}",
			_email(
				"It's been about three months since your last visit, the usual time to book your next one.",
				history=True,
			),
			"{{ first_name }}, {{ practice_name }} has times open for your next visit: {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "Med Spa Maintenance - Filler",
		"rule_kind": "Med Spa Maintenance",
		"priority": 56,
		"min_days": 180,
		"max_days": 365,
		"description": "Last treatment 6-12 months ago. Map your own procedure templates under Only for before enabling.",
		"touches": _standard_cadence(
			"it's time to plan your next maintenance visit:",
			"Planning your next visit, {{ first_name }}",
			_email(
				"It's been a few months since your last visit, a good time to plan the next one.",
				history=True,
			),
			"{{ first_name }}, {{ practice_name }} has times open for your next visit: {{ booking_link }}",
			_CALL,
		),
	},
	{
		"segment_name": "Dormant 18+ Months",
		"rule_kind": "Recall Window",
		"priority": 60,
		"min_days": 540,
		"max_days": 1825,
		"description": "Last visit 18 months to 5 years ago. Older records are left alone: contact details go stale.",
		"touches": _standard_cadence(
			"it's been a while and we'd love to see you:",
			"We'd be glad to see you again, {{ first_name }}",
			_email(
				"It's been quite some time since your last visit. A lot has changed here, and we'd be glad to welcome you back.",
				history=True,
			),
			"{{ first_name }}, the door is always open at {{ practice_name }}: {{ booking_link }}",
			_CALL,
		),
	},
]

# Paced to the schedule (Campaign Segment > Pace): a nightly campaign switched on with a backlog takes at most 40
# patients a day, and no more than 1 for every 2 free slots of its practitioners over the next 14 days; the rest
# wait for later nights, longest lapsed first. The rescue answers each missed appointment as it happens.
SHIPPED_PACE = {"daily_intake_cap": 40, "pace_slots_per_patient": 2, "pace_horizon_days": 14}
DEFAULT_SEGMENTS = [
	{**SHIPPED_PACE, **spec} if spec["rule_kind"] != "Missed Appointment" else spec
	for spec in DEFAULT_SEGMENTS
]

# Each default campaign ships with its Spanish words ("Messages in other languages").
from winback_app.setup.default_spanish import with_spanish  # noqa: E402 (the English data above comes first)

DEFAULT_SEGMENTS = with_spanish(DEFAULT_SEGMENTS)
