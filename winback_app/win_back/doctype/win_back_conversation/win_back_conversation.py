"""Win-Back Conversation: the booking conversation with one patient on one number (replies/conversation.py writes it)."""

import frappe
from frappe.model.document import Document


class WinBackConversation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from winback_app.win_back.doctype.win_back_offered_time.win_back_offered_time import (
			WinBackOfferedTime,
		)

		appointment: DF.Link | None
		asked_on: DF.Datetime | None
		lapse: DF.Link | None
		lead: DF.Link | None
		last_message_on: DF.Datetime | None
		offered: DF.Table[WinBackOfferedTime]
		patient: DF.Link | None
		patient_name: DF.Data | None
		pending: DF.Literal[
			"", "Part of day", "Next available", "A day", "One of the times", "Yes to the time", "Booked"
		]
		phone: DF.Data
		refused: DF.SmallText | None
		rounds: DF.Int
		status: DF.Literal["Open", "Booked", "With a person", "Closed"]
		wish: DF.SmallText | None
	# end: auto-generated types

	pass


def on_doctype_update():
	# One conversation per patient and number; the webhook finds it by both.
	frappe.db.add_unique("Win-Back Conversation", ["patient", "phone"], constraint_name="patient_phone")
	# A new-patient lead has one too, before it has a patient (leads/talk.py).
	frappe.db.add_unique("Win-Back Conversation", ["lead", "phone"], constraint_name="lead_phone")
