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
		skip_if_replied: DF.Check
		template: DF.Code
	# end: auto-generated types

	pass
