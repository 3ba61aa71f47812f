"""Win-Back Contact Attempt: the outbox row for one touch of one lapse. Written by the dispatcher only."""

from frappe.model.document import Document


class WinBackContactAttempt(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		body: DF.SmallText | None
		channel: DF.Literal["SMS", "Email", "Call Task"]
		claim_token: DF.Data | None
		claimed_at: DF.Datetime | None
		communication: DF.Link | None
		day_offset: DF.Int
		due_at: DF.Datetime
		error_code: DF.Data | None
		error_message: DF.SmallText | None
		lapse: DF.Link
		patient: DF.Link | None
		provider: DF.Data | None
		provider_id: DF.Data | None
		segment: DF.Link | None
		sent_at: DF.Datetime | None
		skip_reason: DF.Data | None
		status: DF.Literal[
			"Scheduled", "Sending", "Sent", "Delivered", "Failed", "Skipped", "Unknown", "Cancelled"
		]
		to_address: DF.Data | None
		todo: DF.Link | None
		touch: DF.Data
		tries: DF.Int
	# end: auto-generated types

	pass


def on_doctype_update():
	import frappe

	# One attempt per lapse and touch: the database refuses a second plan of the same step.
	frappe.db.add_unique("Win-Back Contact Attempt", ["lapse", "touch"], constraint_name="unique_lapse_touch")
	# The dispatcher's claim scans due Scheduled rows; caps count recent sends per patient.
	frappe.db.add_index("Win-Back Contact Attempt", ["status", "due_at"])
	frappe.db.add_index("Win-Back Contact Attempt", ["patient", "sent_at"])
	# Caps per phone number and "first text to this number" look attempts up by the address they went to.
	frappe.db.add_index("Win-Back Contact Attempt", ["to_address", "status"])
