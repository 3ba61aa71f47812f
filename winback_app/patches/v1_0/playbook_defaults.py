"""Sites installed before the playbook defaults (issue 16): the missed-appointment rescue texts at once and once
more the next morning (no email saying "today" the day after) and holds nobody out; the annual check-in opens
with the "ready when you are" email; the emails of the recall campaigns name the last visit and practitioner;
the membership email no longer tells a past-due member their membership "has ended"; every default campaign
gets its Spanish words for the steps still worded as shipped.

Only what is still exactly as shipped is changed: a campaign whose steps a manager edited keeps every step, and an
email a manager reworded keeps its words. Steps are rewritten in place (same rows), so the messages already
planned for patients in a cadence follow the new steps instead of losing them.
"""

import frappe
from frappe.query_builder import DocType

from winback_app.setup.default_segments import DEFAULT_SEGMENTS, RESCUE_OFFER, SMS_FIRST
from winback_app.setup.default_spanish import translations_for

RESCUE = "Missed Appointment Rescue"
ANNUAL = "Annual Check-in"
OLD_HOLDOUT = 10  # the holdout every campaign was seeded with

_CALL = (
	"Call {{ first_name }} ({{ practice_name }} win-back). Ask how they are, offer two times this week, "
	"and note the outcome. If they're not ready, ask when we may follow up."
)


def _old_email(opening: str) -> str:
	"""The email body every campaign shipped with before."""
	return (
		"Hi {{ first_name }},\n\n"
		f"{opening}\n\n"
		"Choosing a time takes one tap, no account or phone call needed:\n{{ booking_link }}\n\n"
		"If it's easier, call us at {{ practice_phone }} and we'll find a time together.\n\n"
		"Warmly,\nThe team at {{ practice_name }}"
	)


# The rescue's first text as first shipped, as the book-by-text patch left it, and as it is now (that patch
# writes the current words where it runs after this release).
_RESCUE_FIRST = (
	SMS_FIRST.format(body=RESCUE_OFFER),
	SMS_FIRST.format(body="we missed you today, so pick a new time here:"),
	SMS_FIRST.format(
		body="we missed you today. Reply A for the next open time or tell us a day that works, or book:"
	),
)
_RESCUE_REST = [
	(
		2,
		"Email",
		_old_email("We missed you at your appointment and hope everything is all right."),
		"We missed you today, {{ first_name }}",
	),
	(
		4,
		"SMS",
		"{{ first_name }}, your spot at {{ practice_name }} is still waiting for you: {{ booking_link }}",
		"",
	),
	(6, "Call Task", _CALL, ""),
]
_ANNUAL_BEFORE = [
	(1, "SMS", SMS_FIRST.format(body="it's time for your yearly visit, book here:"), ""),
	(
		4,
		"Email",
		_old_email(
			"It's almost a year since your last visit with us, so it's a good time for your yearly check-in."
		),
		"Your yearly visit, {{ first_name }}",
	),
	(
		9,
		"SMS",
		"{{ first_name }}, your yearly visit at {{ practice_name }} is one tap away: {{ booking_link }}",
		"",
	),
	(14, "Call Task", _CALL, ""),
]
# Whole cadences as shipped before: campaign -> the accepted versions of its steps
# [(day, channel, template, subject)].
CADENCES_BEFORE = {
	RESCUE: [[(1, "SMS", first, ""), *_RESCUE_REST] for first in _RESCUE_FIRST],
	ANNUAL: [_ANNUAL_BEFORE],
}
# Emails as shipped before (campaign -> opening), now personal (the new body comes from DEFAULT_SEGMENTS).
EMAILS_BEFORE = {
	"6-Month Hygiene Recall": "It's been about six months since your last visit, so you're due for your next routine appointment.",
	"Win-Back 9-18 Months": "It's been a while since your last visit, and we'd love to see you again.",
	"Med Spa Maintenance - Neurotoxin": "It's been about three months since your last visit, the usual time to book your next one.",
	"Med Spa Maintenance - Filler": "It's been a few months since your last visit, a good time to plan the next one.",
	"Lapsed Membership": "We noticed your membership has ended, and we'd love to keep looking after you.",
	"Dormant 18+ Months": "It's been quite some time since your last visit. A lot has changed here, and we'd be glad to welcome you back.",
}


def shipped(campaign: str) -> dict:
	return next(s for s in DEFAULT_SEGMENTS if s["segment_name"] == campaign)


def steps(campaign: str) -> list:
	Touch = DocType("Cadence Touch")
	return (
		frappe.qb.from_(Touch)
		.select(Touch.name, Touch.day_offset, Touch.channel, Touch.template, Touch.email_subject)
		.where(Touch.parenttype == "Campaign Segment")
		.where(Touch.parent == campaign)
		.orderby(Touch.day_offset)
		.orderby(Touch.idx)
		.run(as_dict=True)
	)


def untouched(rows: list, versions: list[list[tuple]]) -> bool:
	now = [(r.day_offset, r.channel, r.template or "", r.email_subject or "") for r in rows]
	return any(now == version for version in versions)


def rewrite_cadence(campaign: str) -> bool:
	"""The campaign's steps become the new defaults, row by row, if they are still exactly as shipped."""
	if not frappe.db.exists("Campaign Segment", campaign):
		return False
	rows = steps(campaign)
	new = sorted(shipped(campaign)["touches"], key=lambda t: t["day_offset"])
	if len(rows) != len(new) or not untouched(rows, CADENCES_BEFORE[campaign]):
		return False
	for idx, (row, touch) in enumerate(zip(rows, new, strict=True), start=1):
		frappe.db.set_value(
			"Cadence Touch",
			row.name,
			{
				"idx": idx,
				"day_offset": touch["day_offset"],
				"channel": touch["channel"],
				"template": touch["template"],
				"email_subject": touch.get("email_subject") or None,
				"send_at": touch.get("send_at") or None,
				"skip_if_replied": touch.get("skip_if_replied", 1),
			},
			update_modified=False,
		)
	frappe.db.set_value("Campaign Segment", campaign, "description", shipped(campaign)["description"])
	return True


def rewrite_emails() -> None:
	Touch = DocType("Cadence Touch")
	for campaign, opening in EMAILS_BEFORE.items():
		[email] = [t for t in shipped(campaign)["touches"] if t["channel"] == "Email"]
		(
			frappe.qb.update(Touch)
			.set(Touch.template, email["template"])
			.where(Touch.parenttype == "Campaign Segment")
			.where(Touch.parent == campaign)
			.where(Touch.channel == "Email")
			.where(Touch.template == _old_email(opening))
		).run()


def add_spanish() -> None:
	"""Each default campaign without words in other languages gets the Spanish words of every step still
	worded as shipped (a step a manager reworded keeps its own words in every language)."""
	Translation = DocType("Cadence Touch Translation")
	have = set(
		frappe.qb.from_(Translation)
		.select(Translation.parent)
		.distinct()
		.where(Translation.parenttype == "Campaign Segment")
		.run(pluck=True)
	)
	for seg in DEFAULT_SEGMENTS:
		campaign = seg["segment_name"]
		if campaign in have or not frappe.db.exists("Campaign Segment", campaign):
			continue
		now = {(r.day_offset, r.channel): r.template or "" for r in steps(campaign)}
		shipped_words = {(t["day_offset"], t["channel"]): t["template"] for t in seg["touches"]}
		rows = [
			row
			for row in translations_for(campaign)
			if now.get((row["day_offset"], row["channel"]))
			== shipped_words.get((row["day_offset"], row["channel"]))
		]
		for idx, row in enumerate(rows, start=1):
			frappe.get_doc(
				{
					"doctype": "Cadence Touch Translation",
					"parent": campaign,
					"parenttype": "Campaign Segment",
					"parentfield": "translations",
					"idx": idx,
					**row,
				}
			).db_insert()


def execute():
	rewrite_cadence(RESCUE)
	# Holding out a share of no-shows only measures how many more stay lost: the rescue's holdout goes to 0
	# where it is still the 10% every campaign was seeded with.
	holdout = frappe.db.get_value("Campaign Segment", RESCUE, "holdout_percent")
	if holdout is not None and float(holdout) == OLD_HOLDOUT:
		frappe.db.set_value("Campaign Segment", RESCUE, "holdout_percent", 0, update_modified=False)
	rewrite_cadence(ANNUAL)
	rewrite_emails()
	add_spanish()
	frappe.clear_cache(doctype="Campaign Segment")
