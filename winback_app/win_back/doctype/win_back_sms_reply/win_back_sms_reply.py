"""Win-Back SMS Reply: one text a patient sent, keyed by Twilio's message id. Written by winback_app.replies.handler."""

from frappe.model.document import Document

from winback_app.engine.phone import reply_title


class WinBackSMSReply(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		answer: DF.SmallText | None
		appointment: DF.Link | None
		body: DF.LongText | None
		candidates: DF.SmallText | None
		choice: DF.Int
		communication: DF.Link | None
		conversation: DF.Link | None
		from_number: DF.Data | None
		handled: DF.Check
		handled_by: DF.Link | None
		handled_on: DF.Datetime | None
		intent: DF.Literal[
			"", "Stop", "Start", "Help", "Book", "Choice", "Later", "Wrong Number", "Leaving", "Question"
		]
		lapse: DF.Link | None
		matched: DF.Data | None
		message_sid: DF.Data
		needs_person: DF.Check
		num_media: DF.Int
		patient: DF.Link | None
		patient_name: DF.Data | None
		received_on: DF.Datetime | None
		title: DF.Data | None
		to_number: DF.Data | None
	# end: auto-generated types

	def validate(self):
		self.title = reply_title(self.category, self.from_number)
