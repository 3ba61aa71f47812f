"""Cadence Touch Translation: a campaign step's words in another language (child of Campaign Segment)."""

from frappe.model.document import Document


class CadenceTouchTranslation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Literal["SMS", "Email", "Call Task"]
		day_offset: DF.Int
		email_subject: DF.Data | None
		language: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		template: DF.Code
	# end: auto-generated types

	pass
