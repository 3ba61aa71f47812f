"""Win-Back Lead Text: one message to a lead, the outbox row that makes it leave once (winback_app/leads/send.py)."""

import frappe
from frappe.model.document import Document


class WinBackLeadText(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		body: DF.SmallText | None
		channel: DF.Literal["SMS", "Email", "Call Task"]
		claimed_at: DF.Datetime | None
		communication: DF.Link | None
		dedupe_key: DF.Data
		due_at: DF.Datetime
		error_code: DF.Data | None
		lead_record: DF.Link
		provider: DF.Data | None
		provider_id: DF.Data | None
		sent_at: DF.Datetime | None
		skip_reason: DF.Data | None
		status: DF.Literal[
			"Scheduled", "Sending", "Sent", "Delivered", "Skipped", "Failed", "Unknown", "Cancelled"
		]
		step: DF.Data
		to_address: DF.Data | None
		todo: DF.Link | None
	# end: auto-generated types

	pass


def on_doctype_update():
	# The minute job claims due Scheduled rows; caps count what went to a number lately.
	frappe.db.add_index("Win-Back Lead Text", ["status", "due_at"])
	frappe.db.add_index("Win-Back Lead Text", ["to_address", "sent_at"])
	# Twilio's delivery reports find a lead's text by its message id (leads/delivery.py).
	frappe.db.add_index("Win-Back Lead Text", ["provider_id"])
