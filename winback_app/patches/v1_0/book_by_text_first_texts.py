"""Sites installed before book-by-text: the default first texts of the 6-month recall, the missed-appointment
rescue and the new-patient campaign now ask a question the patient can answer by text (1/2/3, A, a day).

Only a first text still worded exactly as shipped is changed: a manager's own wording is never overwritten."""

import frappe
from frappe.query_builder import DocType

from winback_app.setup.default_segments import (
	NEW_PATIENT_OFFER,
	RECALL_OFFER,
	RESCUE_OFFER,
	SMS_FIRST,
)

# campaign -> (the first text as shipped before, the first text now)
FIRST_TEXTS = {
	"6-Month Hygiene Recall": (
		SMS_FIRST.format(body="you're due for your next visit, book here:"),
		SMS_FIRST.format(body=RECALL_OFFER),
	),
	"Missed Appointment Rescue": (
		SMS_FIRST.format(body="we missed you today, so pick a new time here:"),
		SMS_FIRST.format(body=RESCUE_OFFER),
	),
	"New Patient Never Booked": (
		SMS_FIRST.format(body="welcome aboard, your first visit is one tap away:"),
		SMS_FIRST.format(body=NEW_PATIENT_OFFER),
	),
}


def execute():
	Touch = DocType("Cadence Touch")
	for campaign, (before, now) in FIRST_TEXTS.items():
		(
			frappe.qb.update(Touch)
			.set(Touch.template, now)
			.where(Touch.parenttype == "Campaign Segment")
			.where(Touch.parent == campaign)
			.where(Touch.channel == "SMS")
			.where(Touch.template == before)
		).run()
