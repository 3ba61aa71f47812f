"""Cadence Touch: one step of a campaign's cadence. Checked by its parent Campaign Segment."""

from frappe.model.document import Document


class CadenceTouch(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Literal["SMS", "Email", "Call Task"]
		day_offset: DF.Int
		email_subject: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		send_at: DF.Literal[
			"",
			"08:00",
			"08:30",
			"09:00",
			"09:30",
			"10:00",
			"10:30",
			"11:00",
			"11:30",
			"12:00",
			"12:30",
			"13:00",
			"13:30",
			"14:00",
			"14:30",
			"15:00",
			"15:30",
			"16:00",
			"16:30",
			"17:00",
			"17:30",
			"18:00",
			"18:30",
			"19:00",
			"19:30",
			"20:00",
			"20:30",
		]
		skip_if_replied: DF.Check
		template: DF.Code
	# end: auto-generated types

	pass
